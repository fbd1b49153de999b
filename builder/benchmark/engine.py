"""The benchmark itself: validate models, time them interleaved, probe memory, summarise.

`run_benchmark(options)` returns the JSON-ready document described in
`builder.benchmark.command`; it raises `ModelFileError` (or `BenchmarkInputError`) for bad input before
anything is timed.
"""
from __future__ import annotations

import datetime as _dt
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from builder.benchmark.histories import check_histories, load_histories, random_histories
from builder.benchmark.machine import machine_description
from builder.benchmark.memory import measure_memory
from builder.model_file import ModelFileError, ModelInfo, inspect_model
from builder.benchmark.runner import as_batches, open_session, run_interleaved
from builder.benchmark.static import static_summary
from builder.benchmark.stats import latency_stats

RESULT_SCHEMA_VERSION = 1
LATENCY_SCOPE = (
    "wall time of one `recommend` signature-runner call from Python "
    "(input copy + invoke + output fetch), batch 1"
)


@dataclass(frozen=True)
class BenchmarkOptions:
    """Run parameters (all recorded in the JSON)."""

    models: tuple[str, ...]
    threads: tuple[int, ...] = (1,)
    runs: int = 50
    min_seconds: float = 0.0
    max_seconds: float = 150.0
    warmup_runs: int = 10
    histories: str | None = None
    pool_size: int = 256
    seed: int = 0
    memory: bool = True
    memory_runs: int = 20

    def __post_init__(self) -> None:
        if not self.models:
            raise ValueError("at least one model")
        if not self.threads or any(t < 1 for t in self.threads):
            raise ValueError("thread counts must be >= 1")
        if self.runs < 1 or self.warmup_runs < 0 or self.pool_size < 1 or self.memory_runs < 0:
            raise ValueError("runs and pool_size must be >= 1, warmup/memory runs >= 0")
        if self.min_seconds < 0 or self.max_seconds <= 0:
            raise ValueError("min_seconds must be >= 0 and max_seconds > 0")


def model_labels(paths: Sequence[Path]) -> list[str]:
    """Short unique labels: the file name, or more of the path where names collide."""
    parts = [p.resolve().parts for p in paths]
    depth = 1
    while True:
        labels = ["/".join(ps[-depth:]) for ps in parts]
        if len(set(labels)) == len(labels) or depth >= max(len(ps) for ps in parts):
            return labels
        depth += 1


def _ratio(value: float | None, first: float | None) -> float | None:
    if value is None or first is None or first == 0:
        return None
    return value / first


def _history_pools(infos: Sequence[ModelInfo], options: BenchmarkOptions) -> list[np.ndarray]:
    if options.histories is not None:
        pool = load_histories(options.histories)
        for info in infos:
            check_histories(pool, options.histories, info.length, info.num_items, str(info.path))
        return [pool] * len(infos)
    pools = []
    for info in infos:
        if info.num_items is None:
            raise ModelFileError(
                f"{info.path}: vocabulary size unknown (no sidecar {info.path.with_suffix('.json').name}"
                " and no 'scores' signature); pass --histories FILE.npy"
            )
        pools.append(random_histories(options.pool_size, info.length, info.num_items, options.seed))
    return pools


def run_benchmark(options: BenchmarkOptions,
                  progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Benchmark every model x thread count; returns the result document."""
    say = progress or (lambda _msg: None)
    infos = [inspect_model(m) for m in options.models]
    pools = _history_pools(infos, options)
    labels = model_labels([i.path for i in infos])
    started = _dt.datetime.now(_dt.timezone.utc)

    models_doc = []
    for label, info in zip(labels, infos):
        models_doc.append({
            "name": label,
            "path": str(info.path),
            "sidecar": str(info.sidecar_path) if info.sidecar_path else None,
            "info_source": info.info_source,
            "notes": info.notes,
            "stage": info.stage,
            "signatures": info.signatures,
            "input": {"name": info.input_name, "length": info.length},
            "num_items": info.num_items,
            "k": info.k,
            "model_file_size_mb": len(info.model_bytes) / 2**20,
            "static": static_summary(info.model, info.model_bytes),
        })
    first_static = models_doc[0]["static"]
    for doc in models_doc:
        st = doc["static"]
        doc["ratio_to_first"] = {
            "file_size": _ratio(st["file_size_bytes"], first_static["file_size_bytes"]),
            "gzip_size": _ratio(st["gzip_size_bytes"], first_static["gzip_size_bytes"]),
        }

    configs = [(t, m) for t in options.threads for m in range(len(infos))]
    say(f"timing {len(configs)} configuration(s) interleaved: "
        + " ".join(f"{labels[m]}@{t}" for t, m in configs))
    sessions = [open_session(infos[m].path, infos[m].input_name, t) for t, m in configs]
    batches = [as_batches(pool) for pool in pools]
    timings = run_interleaved(
        sessions, [batches[m] for _, m in configs], warmup_runs=options.warmup_runs,
        runs=options.runs, min_seconds=options.min_seconds, max_seconds=options.max_seconds,
    )
    del sessions

    memory: list[dict[str, Any] | None] = [None] * len(configs)
    if options.memory:
        with tempfile.TemporaryDirectory(prefix="rec-bench-") as tmp:
            for c, (t, m) in enumerate(configs):
                say(f"memory probe (fresh process): {labels[m]} threads={t}")
                npy = Path(tmp) / f"histories_{m}.npy"
                if not npy.exists():
                    np.save(npy, pools[m])
                memory[c] = measure_memory(infos[m].path, infos[m].input_name, t,
                                           options.memory_runs, npy)

    results = []
    first_of_threads: dict[int, dict[str, Any]] = {}
    for c, ((t, m), timing) in enumerate(zip(configs, timings)):
        stats = latency_stats(timing.latencies_us)
        warm = float(np.mean(timing.warmup_us)) if timing.warmup_us else None
        result = {
            "model": labels[m],
            "model_index": m,
            "threads": t,
            "init_us": timing.init_us,
            "first_inference_us": timing.first_inference_us,
            "warmup_avg_us": warm,
            "inference_avg_us": stats["mean"],
            "latency_us": {k: v for k, v in stats.items() if k != "throughput_per_s"},
            "throughput_per_s": stats["throughput_per_s"],
            "memory": memory[c],
            "latencies_us": [round(x, 2) for x in timing.latencies_us],
        }
        first = first_of_threads.setdefault(t, result)
        result["ratio_to_first"] = None if first is result else _ratios(result, first)
        results.append(result)

    return {
        "schema_version": RESULT_SCHEMA_VERSION,
        "tool": "rec-builder benchmark",
        "created_utc": started.isoformat(timespec="seconds"),
        "machine": machine_description(),
        "parameters": {
            **asdict(options),
            "models": list(options.models),
            "threads": list(options.threads),
            "histories_source": "file" if options.histories else "random",
            "latency_scope": LATENCY_SCOPE,
            "interleaving": "per round, every (threads, model) configuration once, "
                            "threads-major: " + ", ".join(f"{labels[m]}@{t}" for t, m in configs),
            "percentiles": "linear interpolation (numpy default); std is population (ddof=0)",
        },
        "models": models_doc,
        "results": results,
    }


def _ratios(result: dict[str, Any], first: dict[str, Any]) -> dict[str, float | None]:
    """This configuration / the first model's at the same thread count."""
    lat, ref = result["latency_us"], first["latency_us"]
    mem = (result["memory"] or {}).get("memory_footprint_mb", {}).get("overall")
    ref_mem = (first["memory"] or {}).get("memory_footprint_mb", {}).get("overall")
    return {
        "inference_avg": _ratio(lat["mean"], ref["mean"]),
        "p50": _ratio(lat["p50"], ref["p50"]),
        "p90": _ratio(lat["p90"], ref["p90"]),
        "p99": _ratio(lat["p99"], ref["p99"]),
        "init": _ratio(result["init_us"], first["init_us"]),
        "memory_footprint_overall": _ratio(mem, ref_mem),
    }
