"""`python -m benchmarks.run`: the benchmark suite (stages side by side, scale sweep).

    python -m benchmarks.run                          # both parts -> benchmarks/results/
    python -m benchmarks.run --only stages --run-dir out/default
    python -m benchmarks.run --only scale --sizes 1000,10000
    python -m benchmarks.run --quick --run-dir out/smoke --out /tmp/res   # tiny, for tests

Writes `<out>/stages.json`, `<out>/scale.json` (+ `.md`), the plots and `<out>/README.md`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.common import RESULTS_DIR, say, write_json


def _sizes(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(float(v)) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of catalog sizes: {text!r}") from None
    if not values or any(v < 50 for v in values):
        raise argparse.ArgumentTypeError("catalog sizes must be >= 50")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from benchmarks.scale import SIZES
    from builder.benchmark.command import thread_list

    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    p.add_argument("--only", choices=("stages", "scale"), help="run one part only (default: both)")
    p.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder (default: benchmarks/results)")
    p.add_argument("--run-dir", type=Path, default=Path("out") / "default",
                   help="build to benchmark for `stages` (default: out/default; built when missing)")
    p.add_argument("--threads", type=thread_list, default=(1, 2), help="thread counts for `stages` (default: 1,2)")
    p.add_argument("--runs", type=int, default=300, help="measured rounds for `stages` (default: 300)")
    p.add_argument("--no-memory", dest="memory", action="store_false", help="skip the memory probes")
    p.add_argument("--no-keras", dest="keras", action="store_false", help="skip the Keras reference")
    p.add_argument("--sizes", type=_sizes, default=SIZES, help="catalog sizes (default: 1000,10000,100000,1000000)")
    p.add_argument("--work-dir", type=Path, default=Path("out") / "benchmarks",
                   help="where the sweep's builds go (default: out/benchmarks)")
    p.add_argument("--budget", type=float, default=900.0, help="seconds per catalog size (default: 900)")
    p.add_argument("--mem-limit-gib", type=float, default=18.0, help="address-space cap per size (default: 18)")
    p.add_argument("--fresh", action="store_true",
                   help="scale: drop sizes of an existing scale.json that are not re-run (default: keep them)")
    p.add_argument("--quick", action="store_true",
                   help="tiny version (few runs, one tiny synthetic size, no memory probes): for tests")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.quick:
        args.threads, args.runs, args.memory = args.threads[:1], 5, False
        if args.sizes == parse_args([]).sizes:
            args.sizes = (200,)
    timings = {}
    if args.only in (None, "stages"):
        from benchmarks.stages import ensure_default_build, run_stages

        t0 = time.perf_counter()
        run_dir = args.run_dir if args.quick else ensure_default_build(args.run_dir)
        doc = run_stages(run_dir, threads=tuple(args.threads), runs=args.runs,
                         warmup_runs=2 if args.quick else 20, max_seconds=10 if args.quick else 120,
                         memory=args.memory, keras=args.keras, keras_runs=5 if args.quick else 200,
                         pool_size=16 if args.quick else 256)
        write_json(out / "stages.json", doc)
        timings["stages"] = time.perf_counter() - t0
    if args.only in (None, "scale"):
        from benchmarks.scale import merge_sizes, plot_scale, run_scale

        t0 = time.perf_counter()
        doc = run_scale(tuple(args.sizes), args.work_dir, quick=args.quick, budget_s=args.budget,
                        mem_limit_gib=args.mem_limit_gib, runs=5 if args.quick else 100,
                        max_seconds=5 if args.quick else 30)
        previous = out / "scale.json"
        if previous.is_file() and not args.quick and not args.fresh:  # re-running some sizes only
            import json

            rerun = {s["num_items"] for s in doc["sizes"]}
            doc["sizes"] = merge_sizes(json.loads(previous.read_text()), doc["sizes"])
            doc["sizes_kept_from_previous_run"] = [s["num_items"] for s in doc["sizes"]
                                                   if s["num_items"] not in rerun]
        write_json(out / "scale.json", doc)
        plot_scale(doc, out)
        timings["scale"] = time.perf_counter() - t0
    from benchmarks.summary import write_summaries

    readme = write_summaries(out)
    say(f"wrote {readme} ({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
