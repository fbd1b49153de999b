"""The `rec-builder` command line: parse arguments, call the library, return an exit code.

Exit codes: 0 success; 1 the build ran but the quality gate failed (or an
unexpected error); 2 bad input (config, data, model files), nothing written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

EXIT_OK, EXIT_GATE, EXIT_BAD_INPUT = 0, 1, 2

EXAMPLES = """examples:
  rec-builder build                                   # the real build on MovieLens-100K
  rec-builder build --max-bytes 32KiB                 # budget mode: best model under 32 KiB
  rec-builder recommend out/default --items 50,172    # top-10 for a history of item ids
  rec-builder benchmark out/default/models/teacher.tflite out/default/model.tflite

exit codes: 0 ok; 1 quality gate or budget not met (report still written); 2 bad input.
"""


SUBCOMMAND_HELP = {
    "build": ("Train the teacher, run the recipe (or, with a budget, search for the best model that "
              "fits), export int8 .tflite + model.json, evaluate every stage on the shipped files and "
              "write report.md/.html/.json.",
              """examples:
  rec-builder build                                   # MovieLens-100K (embedded), default preset -> out/default/
  rec-builder build --max-bytes 32KiB --time-budget 30m   # the best model under 32 KiB, chosen on validation
  rec-builder build --data events.csv --user-col uid --item-col sku --time-col ts
"""),
    "data info": ("Print the statistics of the dataset a config describes, after k-core filtering "
                  "(users, items, interactions, history lengths): check your data before a build.",
                  """examples:
  rec-builder data info                                  # MovieLens-100K as the default preset reads it
  rec-builder data info --data events.csv --user-col uid --item-col sku --time-col ts
  rec-builder data info --config benchmarks/regimes/ml100k_sparse.yaml
"""),
    "benchmark": ("Measure .tflite models through the LiteRT interpreter: init, first and steady-state "
                  "latency (p50/p90/p99), peak memory growth in a fresh process, size, gzip size, ops "
                  "and int8 share. Several models are interleaved and compared as ratios to the first.",
                  """examples:
  rec-builder benchmark out/default/models/teacher.tflite out/default/model.tflite
  rec-builder benchmark out/default/model.tflite --threads 1,2,4 --runs 500 --json bench.json
  rec-builder benchmark any.tflite --histories histories.npy   # a model without a sidecar
"""),
    "recommend": ("Run a built model on a history of original item ids (oldest first) and print "
                  "its top-K with titles; with no known ids, the popularity list (cold start). "
                  "The model and its sidecar are verified first.",
                  """examples:
  rec-builder recommend out/default --items 50,172,181     # the run's shipped model.tflite
  rec-builder recommend out/default/models/teacher.tflite --items 50
  rec-builder recommend out/default                        # cold start: the popular items
"""),
    "export-android": ("Validate models with their sidecars and copy them into an Android app's "
                       "assets (default: the demo app's), so the app ships exactly the verified files.",
                       """examples:
  rec-builder export-android out/default                   # the shipped stage + student_fp32 -> the demo app
  rec-builder export-android out/default --stages final_int8,teacher
  rec-builder export-android out/default --assets ../myapp/src/main/assets
"""),
}


def _sub_help(name: str) -> dict[str, Any]:
    description, epilog = SUBCOMMAND_HELP[name]
    return {"description": description, "epilog": epilog,
            "formatter_class": argparse.RawDescriptionHelpFormatter}


def _data_overrides(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if getattr(args, "data", None):
        data.update({"source": "file", "path": str(args.data)})
    for opt, key in (("format", "format"), ("delimiter", "delimiter"), ("user_col", "user_col"),
                     ("item_col", "item_col"), ("time_col", "time_col"), ("rating_col", "rating_col"),
                     ("items", "items_path"), ("id_type", "id_type")):
        v = getattr(args, opt, None)
        if v is not None:
            data[key] = str(v)
    return {"data": data} if data else {}


def _budget_overrides(args: argparse.Namespace) -> dict[str, Any]:
    budget = {key: getattr(args, key) for key in ("max_bytes", "max_latency_us", "time_budget", "trials")
              if getattr(args, key, None) is not None}
    return {"budget": budget} if budget else {}


def _flag_type(parse: Any) -> Any:
    """An argparse type from a config parser: its ValueError becomes the flag's error (exit 2)."""
    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from e

    convert.__name__ = parse.__name__
    return convert


def _add_budget_args(p: argparse.ArgumentParser) -> None:
    from builder.benchmark.command import positive_int
    from builder.config import parse_bytes, parse_seconds

    g = p.add_argument_group("budget mode: search for the best model that fits (validation decides)")
    g.add_argument("--max-bytes", dest="max_bytes", type=_flag_type(parse_bytes), metavar="SIZE",
                   help="largest .tflite allowed, e.g. 32KiB, 40KB, 65536")
    g.add_argument("--max-latency-us", dest="max_latency_us", type=_flag_type(_positive_float), metavar="US",
                   help="largest p50 latency of `recommend` through LiteRT on this machine (1 thread)")
    g.add_argument("--time-budget", dest="time_budget", type=_flag_type(parse_seconds), metavar="TIME",
                   help="wall-clock budget of the whole build, e.g. 30m, 1.5h, 900s")
    g.add_argument("--trials", type=positive_int, help="candidates to screen (default 16)")


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise ValueError(f"{text!r} must be > 0")
    return value


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="YAML or TOML config file (applied on top of the preset)")
    p.add_argument("--preset", default="default", help="named preset: smoke | default (default: default)")
    g = p.add_argument_group("your own data (overrides the config's data section)")
    g.add_argument("--data", type=Path, help="interactions file or MovieLens directory")
    g.add_argument("--format", choices=["auto", "ml-100k", "ml-1m", "ml-latest", "csv", "parquet"])
    g.add_argument("--delimiter", help="CSV delimiter (default ',')")
    g.add_argument("--user-col", dest="user_col")
    g.add_argument("--item-col", dest="item_col")
    g.add_argument("--time-col", dest="time_col")
    g.add_argument("--rating-col", dest="rating_col")
    g.add_argument("--items", type=Path, help="item metadata file (CSV/Parquet with titles, genres)")
    g.add_argument("--id-type", dest="id_type", choices=["auto", "int", "str"],
                   help="user/item ids: auto (default: integers when all are), int, or str ('u1', 'sku-123')")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    from builder.benchmark.command import add_arguments as add_benchmark_arguments
    from builder.export.android import add_arguments as add_export_android_arguments
    from builder.recommend import add_arguments as add_recommend_arguments

    parser = argparse.ArgumentParser(
        prog="rec-builder", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Build a next-item recommender for phones: train a teacher, distil, prune and "
                    "quantize it into an int8 LiteRT (.tflite) model, and measure the shipped file.",
        epilog=EXAMPLES)
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors and the final line")
    parser.add_argument("-v", "--verbose", action="store_true", help="per-epoch details")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="train, compress, export and evaluate; writes <out>/<run_name>/",
                       **_sub_help("build"))
    _add_config_args(b)
    b.add_argument("--out", type=Path, default=Path("out"), help="output root (default: out)")
    b.add_argument("--force", action="store_true", help="ignore cached stages and rebuild everything")
    b.add_argument("--seed", type=int, help="random seed (overrides the config's `seed`)")
    _add_budget_args(b)
    w = b.add_argument_group("multi-worker training (every worker runs this same command; see README)")
    w.add_argument("--workers", metavar="HOST:PORT,...",
                   help="every worker's address, the chief first (default: TF_CONFIG, else one process)")
    w.add_argument("--worker-index", dest="worker_index", type=int, metavar="I",
                   help="this worker's position in --workers (0 = the chief, which writes the run)")

    d = sub.add_parser("data", help="dataset commands")
    dsub = d.add_subparsers(dest="data_command", required=True)
    info = dsub.add_parser("info", help="statistics of the dataset a config describes", **_sub_help("data info"))
    _add_config_args(info)

    bench = sub.add_parser("benchmark", help="LiteRT latency / memory / size of .tflite models",
                           **_sub_help("benchmark"))
    add_benchmark_arguments(bench)

    rec = sub.add_parser("recommend", help="top-K from a built model for a history of item ids",
                         **_sub_help("recommend"))
    add_recommend_arguments(rec)

    ea = sub.add_parser("export-android", help="copy validated .tflite + sidecars into the Android demo's assets",
                        **_sub_help("export-android"))
    add_export_android_arguments(ea)
    return parser.parse_args(argv)


def _verbosity(args: argparse.Namespace) -> int:
    return 0 if args.quiet else (2 if args.verbose else 1)


def _load_config(args: argparse.Namespace) -> Any:
    from builder.config import load_config

    seed = {"seed": args.seed} if getattr(args, "seed", None) is not None else {}
    return load_config(args.preset, args.config, {**_data_overrides(args), **_budget_overrides(args), **seed})


def cmd_build(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from builder import distributed
    from builder.config import ConfigError
    from builder.pipeline import build
    from builder.progress import Progress

    cfg = _load_config(args)
    try:
        cluster = distributed.cluster_from(args.workers, args.worker_index)
    except ValueError as e:
        raise ConfigError(str(e)) from e
    if cluster is None:
        result = build(cfg, args.out, Progress(_verbosity(args)), force=args.force)
    else:
        if cfg.budget.active:
            raise ConfigError("--workers: budget mode (--max-bytes/--max-latency-us/--time-budget) decides "
                              "on wall-clock time, which differs between workers; run it on one machine")
        distributed.start(cluster)
        # Every worker trains every stage (caches are per machine, and a worker that skipped a cached
        # stage would leave the others waiting); only the chief's run directory is kept.
        out = args.out if cluster.chief else Path(tempfile.mkdtemp(prefix="rec-builder-worker-"))
        try:
            result = build(cfg, out, Progress(_verbosity(args) if cluster.chief else 0), force=True)
        finally:
            if not cluster.chief:
                shutil.rmtree(out, ignore_errors=True)
        if not cluster.chief:
            print(f"worker {cluster.index} of {len(cluster.workers)}: done (the chief writes the run)")
            return EXIT_OK
    gate = result.gate
    if result.search is not None:
        print(f"{result.run_dir}/frontier.json  budget: {result.search['status']} ({result.search['message']})")
    print(f"{result.run_dir}/report.md  gate: {gate['status']}"
          + (f" ({gate['message']})" if gate["status"] == "failed" else ""))
    budget_failed = result.search is not None and result.search["status"] == "failed"
    return EXIT_GATE if gate["status"] == "failed" or budget_failed else EXIT_OK


def cmd_data_info(args: argparse.Namespace) -> int:
    import json

    from builder.data.dataset import load_dataset

    cfg = _load_config(args)
    ds = load_dataset(cfg.data, seed=cfg.seed)
    print(json.dumps({"source": ds.source, **ds.stats}, indent=2))
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    from builder.config import ConfigError
    from builder.data.loaders import DataError
    from builder.model_file import ModelFileError

    try:
        if args.command == "build":
            return cmd_build(args)
        if args.command == "data":
            return cmd_data_info(args)
        if args.command == "benchmark":
            from builder.benchmark.command import run as run_benchmark

            return run_benchmark(args)
        if args.command == "recommend":
            from builder.recommend import run as run_recommend

            return run_recommend(args)
        if args.command == "export-android":
            from builder.export.android import run as run_export_android

            return run_export_android(args)
    except (ConfigError, DataError, ModelFileError) as e:
        print(f"rec-builder: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rec-builder: interrupted; completed stages are cached, rerun to resume", file=sys.stderr)
        return 130
    raise AssertionError(f"unhandled command {args.command}")  # pragma: no cover


def run(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.verbose:
        from builder.quiet import set_verbose

        set_verbose()
    return main(args)


if __name__ == "__main__":
    sys.exit(run())
