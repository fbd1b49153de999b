"""Stages side by side: one build's models timed interleaved, with the Keras float reference.

`run_stages(run_dir, ...)` times the fp32 teacher, the fp32 (distilled) student, the
PTQ-only int8 student and the final int8 model (pruned + QAT) of one build through the
`builder.benchmark` engine (one process, interleaved round by round, every thread count),
together with the latency floor (`benchmarks.floor`: the same `recommend` contract over the
final model's item table with no encoder, built from the same histories), then runs the Keras teacher reference (`benchmarks.keras_ref`) in one fresh process per
thread count, and joins the static summary (size, gzip, int8 share, weight sparsity) with
the build's NDCG@10 from `report.json`.
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import document_header, now_utc, say

STAGES = (
    ("teacher", "fp32 teacher (SASRec)"),
    ("student_fp32", "fp32 student (distilled)"),
    ("student_ptq_int8", "int8 student, PTQ only"),
    ("final_int8", "final int8 (pruned + QAT)"),
)


def default_run_dir() -> Path:
    return Path("out") / "default"


def ensure_default_build(run_dir: Path) -> Path:
    """The `default` build at `run_dir`; built (about 15 minutes) when it is missing."""
    if all((run_dir / "models" / f"{s}.tflite").is_file() for s, _ in STAGES):
        return run_dir
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    cfg = load_config("default")
    say(f"{run_dir} has no complete build: building the default preset into {run_dir.parent} "
        "(about 15 minutes)")
    return Path(build(cfg, run_dir.parent, Progress(1)).run_dir)


def test_histories(run_dir: Path, count: int, seed: int = 0) -> tuple[np.ndarray, str]:
    """`count` real test-split histories of the build's data (left-padded [count, L]).

    Falls back to the engine's random histories when the data cannot be loaded again.
    """
    from builder.config import BuildConfig

    cfg = BuildConfig.from_dict(json.loads((run_dir / "config.json").read_text()))
    num_items = json.loads((run_dir / "models" / "teacher.json").read_text())["num_items"]
    try:
        from builder.data.dataset import load_dataset, pad_left

        ds = load_dataset(cfg.data, seed=cfg.seed)
        if ds.num_items != num_items:
            raise ValueError(f"data has {ds.num_items} items, the models {num_items}")
        test = ds.test()
        idx = np.sort(np.random.default_rng(seed).choice(len(test), min(count, len(test)), replace=False))
        return pad_left([test.histories[i] for i in idx], cfg.data.max_len), (
            f"{len(idx)} test-split histories (inputs of the test targets) of the build's data, "
            f"seed {seed}, left-padded to {cfg.data.max_len}")
    except Exception as exc:  # noqa: BLE001 - data moved or unreadable: still benchmark
        from builder.benchmark.histories import random_histories

        return random_histories(count, cfg.data.max_len, num_items, seed), (
            f"random histories (the build's data could not be reloaded: {exc})")


def _report_stages(run_dir: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    report = json.loads((run_dir / "report.json").read_text())
    return {s["name"]: s for s in report["stages"]}, report


def run_stages(run_dir: Path, *, threads: tuple[int, ...] = (1, 2), runs: int = 300,
               warmup_runs: int = 20, max_seconds: float = 120.0, pool_size: int = 256,
               memory: bool = True, keras: bool = True, keras_runs: int = 200,
               floor: bool = True) -> dict[str, Any]:
    """Benchmark the stages of the build in `run_dir` (and the latency floor); returns the document."""
    from builder.benchmark.engine import BenchmarkOptions, run_benchmark

    started = now_utc()
    t0 = time.perf_counter()
    run_dir = Path(run_dir)
    by_name, report = _report_stages(run_dir)
    histories, source = test_histories(run_dir, pool_size)
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        npy = Path(tmp) / "histories.npy"
        np.save(npy, histories)
        models = [str(run_dir / "models" / f"{s}.tflite") for s, _ in STAGES]
        if floor:
            from benchmarks.floor import write_floor

            models.append(str(write_floor(run_dir, Path(tmp) / "latency_floor.tflite", histories)))
        say(f"stages: timing {len(models)} models x threads {list(threads)} interleaved ({source})")
        engine = run_benchmark(BenchmarkOptions(
            models=tuple(models), threads=tuple(threads), runs=runs, warmup_runs=warmup_runs,
            max_seconds=max_seconds, histories=str(npy), memory=memory), progress=say)
        keras_docs: list[dict[str, Any]] = []
        keras_error = None
        if keras:
            from benchmarks.keras_ref import run_subprocess

            for t in threads:
                say(f"stages: Keras reference, threads={t} (fresh process)")
                try:
                    keras_docs.append(run_subprocess(run_dir, npy, t, keras_runs, warmup_runs,
                                                     max_seconds, Path(tmp) / f"keras_{t}.json"))
                except (RuntimeError, OSError) as exc:
                    keras_error = f"failed: {exc}"
                    say(keras_error)
    rows = _rows(engine, by_name, keras_docs)
    return {
        **document_header("benchmarks.stages", started, time.perf_counter() - t0),
        "run_dir": str(run_dir),
        "build": {"run_name": report.get("run_name"), "config_hash": report.get("config_hash"),
                  "dataset": report.get("dataset"), "evaluated_users": report.get("protocol", {}).get("users"),
                  "builder_version": report.get("builder_version")},
        "histories": source,
        "threads": list(threads),
        "rows": rows,
        "keras_reference": keras_docs,
        "keras_reference_error": keras_error,
        "engine": engine,
    }


def _rows(engine: dict[str, Any], by_name: dict[str, dict[str, Any]],
          keras_docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (model, threads): latency, ratios to the fp32 teacher, size, quality."""
    from benchmarks.floor import FLOOR_LABEL, FLOOR_STAGE

    rows = []
    labels = {**{s: d for s, d in STAGES}, FLOOR_STAGE: FLOOR_LABEL}
    teacher_p, floor_p = {}, {}
    for r in engine["results"]:
        if r["model_index"] == 0:
            teacher_p[r["threads"]] = r["latency_us"]
        if engine["models"][r["model_index"]]["stage"] == FLOOR_STAGE:
            floor_p[r["threads"]] = r["latency_us"]
    for r in engine["results"]:
        model = engine["models"][r["model_index"]]
        stage = model["stage"] or Path(model["path"]).stem
        st = model["static"]
        rep = by_name.get(stage, {})
        ref = teacher_p[r["threads"]]
        rows.append({
            "model": stage, "label": labels.get(stage, stage), "runtime": "LiteRT", "threads": r["threads"],
            "p50_us": r["latency_us"]["p50"], "p90_us": r["latency_us"]["p90"], "p99_us": r["latency_us"]["p99"],
            "mean_us": r["latency_us"]["mean"], "runs": r["latency_us"]["count"],
            "ratio_to_teacher": {q: r["latency_us"][q] / ref[q] for q in ("p50", "p90", "p99")},
            "ratio_to_floor": ({q: r["latency_us"][q] / floor_p[r["threads"]][q] for q in ("p50", "p90", "p99")}
                               if r["threads"] in floor_p else None),
            "memory_footprint_mb": ((r.get("memory") or {}).get("memory_footprint_mb") or {}).get("overall"),
            "size_bytes": st["file_size_bytes"], "gzip_bytes": st["gzip_size_bytes"],
            "int8_share": st["int8_share"], "weight_sparsity": st["weights"]["sparsity"],
            "ndcg@10": rep.get("ndcg@10"), "ndcg@10_ci": rep.get("ndcg@10_ci"),
            "hr@10": rep.get("hr@10"),
        })
    teacher_size = next((r for r in rows if r["model"] == "teacher"), None)
    for doc in keras_docs:
        anchor = next(x for x in doc["results"] if x["name"] == "teacher_tflite")
        for x in doc["results"]:
            if x["name"] == "teacher_tflite":
                continue
            rows.append({
                "model": x["name"], "label": {"keras_eager": "Keras teacher, eager call",
                                              "keras_predict_on_batch": "Keras teacher, predict_on_batch"}[x["name"]],
                "runtime": "TensorFlow (tf_keras)", "threads": x["threads"],
                "p50_us": x["latency_us"]["p50"], "p90_us": x["latency_us"]["p90"],
                "p99_us": x["latency_us"]["p99"], "mean_us": x["latency_us"]["mean"],
                "runs": x["latency_us"]["count"],
                # measured interleaved with teacher.tflite in the Keras process
                "ratio_to_teacher": {q: x["ratio_to_teacher_tflite"][q] for q in ("p50", "p90", "p99")},
                "teacher_tflite_in_same_process_us": {q: anchor["latency_us"][q] for q in ("p50", "p90", "p99")},
                "ratio_to_floor": None,
                "memory_footprint_mb": None,
                "size_bytes": None, "gzip_bytes": None, "int8_share": None, "weight_sparsity": None,
                "ndcg@10": teacher_size["ndcg@10"] if teacher_size else None,
                "ndcg@10_ci": teacher_size["ndcg@10_ci"] if teacher_size else None,
                "hr@10": teacher_size["hr@10"] if teacher_size else None,
                "note": "NDCG@10 is the teacher's (.tflite evaluation); Keras returns all N scores",
            })
    rows.sort(key=lambda r: r["threads"])
    return rows
