"""`rec-builder benchmark MODEL.tflite [MORE.tflite ...]`: LiteRT latency, memory and size.

Each model runs through the LiteRT interpreter on its `recommend` signature with
realistic inputs: `--histories FILE.npy` (int32 [M, L], model-index space,
left-padded with 0) or random histories (random lengths 1..L, ids 1..N-1, seeded).
All (model, thread count) configurations are timed in one process, interleaved
round by round (A B A B ...), so ratios to the first model hold on a noisy
machine. Memory is measured separately, one fresh process per configuration.
Each model's sidecar is `MODEL.json` next to `MODEL.tflite`; without one the
model's own signatures give the input length (and the vocabulary size through the
`scores` output) and a note says so. Bad input (missing file, not a TFLite
flatbuffer, no `recommend` signature, sidecar that does not match, bad histories)
is a message naming the file and exit code 2.

Output JSON (`--json FILE`; `schema_version` 1). Times in microseconds (us),
memory in MB (2^20 bytes); names follow LiteRT's `benchmark_model` where it
reports the same figure ("Inference timings in us: Init, First inference, Warmup
(avg), Inference (avg)"; "Memory footprint delta from the start of the tool (MB):
init=... overall=..."; "The input model file size (MB)").

- `schema_version`, `tool`, `created_utc`
- `machine`: `cpu_model` (/proc/cpuinfo), `cpu_count`, `cpu_count_usable`
  (affinity), `load_average_1_5_15` at start, `machine`, `system`, `python`,
  `numpy`, `ai_edge_litert`, `rec_builder` versions.
- `parameters`: `models`, `threads`, `runs`, `min_seconds`, `max_seconds`,
  `warmup_runs`, `histories` (path or null), `histories_source` ("file"/"random"),
  `pool_size`, `seed`, `memory`, `memory_runs`, `latency_scope`, `interleaving`
  (the order of one round), `percentiles` (method).
- `models[]` (in command-line order): `name` (unique short label), `path`,
  `sidecar` (path or null), `info_source` ("sidecar"/"model"), `notes[]`, `stage`,
  `signatures[]`, `input` {`name`, `length`}, `num_items` (vocabulary size incl.
  padding 0; null if unknown), `k`, `model_file_size_mb`, `ratio_to_first`
  {`file_size`, `gzip_size`}, and `static`:
  - `file_size_bytes`, `gzip_size_bytes` (gzip level 9),
  - `num_operators`, `op_counts` {op type: count over all subgraphs},
    `subgraphs[]` {`index`, `signature`, `num_operators`, `op_counts`},
  - `constant_bytes`, `constant_bytes_by_type` {"INT8": bytes, "FLOAT32": ...}
    (each constant buffer counted once), `int8_share` (INT8 / all constant bytes),
  - `weights` {`bytes`, `elements`, `zeros`, `sparsity`, `sparsity_by_type`}:
    float/int8/uint8/int16 constants only; a quantized value is zero when it
    equals its zero point. See `builder.benchmark.static`.
  - `graph` (the graph's own cost): `graph_bytes` (file - constant bytes),
    `item_table_bytes` (lookup tables and N-row constants), `non_table_bytes`
    (file - table), `num_items` (N, from the `scores` output), `by_signature`
    {name: {`num_operators`, `num_tensors`, `constant_bytes`, `activation_bytes`}};
    `subgraphs[]` also carry `num_tensors`, `constant_bytes`, `activation_bytes`.
- `results[]`, one per (threads, model), threads-major in the interleaving order:
  `model`, `model_index`, `threads`,
  `init_us` (Interpreter load + allocate + signature runner, in-process),
  `first_inference_us`, `warmup_avg_us`, `inference_avg_us` (mean of measured runs),
  `latency_us` {`count`, `mean`, `std` (ddof=0), `min`, `max`, `p50`, `p90`, `p99`},
  `throughput_per_s` (count / summed latency: single-stream calls per second),
  `latencies_us[]` (every measured call, in order),
  `memory` (null with `--no-memory`): `memory_footprint_mb` {`init`, `overall`}
  (peak-RSS growth over the post-import baseline, as benchmark_model),
  `rss_delta_mb` {`init`, `overall`} (current-RSS growth), `baseline_rss_mb`,
  `peak_rss_mb`, `hwm_reset`, `fresh_process_init_us` (cold-process init), `runs`;
  `ratio_to_first` (null for the first model): this / first model at the same
  thread count for `inference_avg`, `p50`, `p90`, `p99`, `init`,
  `memory_footprint_overall`.

Latency is the wall time of one Python call of the signature runner (input copy,
invoke, output fetch) at batch 1; benchmark_model times the C++ Invoke only, so
our numbers include a few microseconds of Python overhead per call.
"""
from __future__ import annotations

import argparse
import sys

from builder.benchmark.engine import BenchmarkOptions, run_benchmark
from builder.benchmark.histories import BenchmarkInputError
from builder.model_file import ModelFileError
from builder.benchmark.report import format_table, write_html, write_json

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def thread_list(text: str) -> tuple[int, ...]:
    """Parse "1,2,4" into (1, 2, 4); argparse type."""
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"thread counts must be integers >= 1: {text!r}")
    return tuple(dict.fromkeys(values))


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1: {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `benchmark` subcommand's arguments to `parser`."""
    parser.add_argument("models", nargs="+", metavar="MODEL.tflite",
                        help="models to compare; ratios are against the first")
    parser.add_argument("--threads", type=thread_list, default=(1,), metavar="N[,N...]",
                        help="interpreter thread counts, e.g. 1,2,4 (default: 1)")
    parser.add_argument("--runs", type=positive_int, default=50,
                        help="minimum measured runs per configuration (default: 50)")
    parser.add_argument("--min-seconds", type=float, default=0.0, metavar="S",
                        help="also run for at least S seconds of measured time (default: 0)")
    parser.add_argument("--max-seconds", type=float, default=150.0, metavar="S",
                        help="stop measuring after S seconds whatever --runs says (default: 150)")
    parser.add_argument("--warmup-runs", type=_non_negative_int, default=10,
                        help="warm-up runs per configuration, not measured (default: 10)")
    parser.add_argument("--histories", metavar="FILE.npy",
                        help="int32 [M, L] histories in model-index space, left-padded with 0 "
                             "(default: random histories from the vocabulary size)")
    parser.add_argument("--pool-size", type=positive_int, default=256,
                        help="number of random histories to cycle through (default: 256)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random histories")
    parser.add_argument("--no-memory", dest="memory", action="store_false",
                        help="skip the fresh-process memory measurement")
    parser.add_argument("--memory-runs", type=_non_negative_int, default=20,
                        help="inferences in each memory probe after the first (default: 20)")
    parser.add_argument("--json", dest="json_path", metavar="FILE", help="write the JSON results")
    parser.add_argument("--html", dest="html_path", metavar="FILE",
                        help="write an HTML report with plots")
    parser.add_argument("--quiet", action="store_true", help="print only the table")


def options_from_args(args: argparse.Namespace) -> BenchmarkOptions:
    """The run parameters from parsed arguments."""
    return BenchmarkOptions(
        models=tuple(args.models), threads=tuple(args.threads), runs=args.runs,
        min_seconds=args.min_seconds, max_seconds=args.max_seconds, warmup_runs=args.warmup_runs,
        histories=args.histories, pool_size=args.pool_size, seed=args.seed,
        memory=args.memory, memory_runs=args.memory_runs,
    )


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 on success, 2 on bad input, 1 on other failures."""
    try:
        options = options_from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    progress = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    try:
        doc = run_benchmark(options, progress=progress)
    except (BenchmarkInputError, ModelFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(format_table(doc))
    try:
        if args.json_path:
            write_json(doc, args.json_path)
            if not args.quiet:
                print(f"wrote {args.json_path}", file=sys.stderr)
        if args.html_path:
            write_html(doc, args.html_path)
            if not args.quiet:
                print(f"wrote {args.html_path}", file=sys.stderr)
    except OSError as exc:
        print(f"error: cannot write the report: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (`python -m builder.benchmark.command ...`)."""
    parser = argparse.ArgumentParser(prog="rec-builder benchmark", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
