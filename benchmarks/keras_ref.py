"""The "just use TensorFlow" reference: the teacher's Keras float model, timed at batch 1.

Run as its own process per thread count (TensorFlow's thread pools are fixed once per
process): `python -m benchmarks.keras_ref --run-dir out/default --histories H.npy
--threads 1 --json OUT.json`. The teacher Keras model is rebuilt from the run's
`config.json` (`builder.models.teacher.build_teacher`) and its weights are loaded from
`<run_dir>/cache/teacher/weights.npz` (the stage cache). Three configurations are timed
interleaved round by round with `builder.benchmark.runner.run_interleaved`, on the same
histories as the LiteRT models:

- `teacher.tflite` (LiteRT, `recommend` signature, same thread count): the anchor, so the
  Keras/LiteRT ratio is measured in one process, not across processes;
- `keras_eager`: `model.last(x, training=False).numpy()` (eager call + output fetch);
- `keras_predict_on_batch`: `model.last.predict_on_batch(x)`.

Keras returns the full score vector [1, N]; the LiteRT `recommend` signature returns the
top-K (masking in the graph), so the Keras numbers are a lower bound on what serving
top-K from TensorFlow would cost.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def load_teacher(run_dir: Path) -> tuple[Any, dict[str, Any]]:
    """The teacher SequenceModel of a build, weights from its stage cache."""
    from builder.config import BuildConfig
    from builder.models.teacher import build_teacher

    cfg = BuildConfig.from_dict(json.loads((run_dir / "config.json").read_text()))
    sidecar = json.loads((run_dir / "models" / "teacher.json").read_text())
    num_items = int(sidecar["num_items"])
    model = build_teacher(num_items, cfg.data.max_len, cfg.teacher)
    weights_path = run_dir / "cache" / "teacher" / "weights.npz"
    with np.load(weights_path) as z:
        model.sequence.set_weights([z[f"w{i}"] for i in range(len(z.files))])
    info = {"weights": str(weights_path), "num_items": num_items, "max_len": cfg.data.max_len,
            "params": int(model.last.count_params()),
            "teacher_config": cfg.to_dict()["teacher"]}
    return model, info


def measure(run_dir: Path, histories: np.ndarray, threads: int, runs: int, warmup_runs: int,
            max_seconds: float) -> dict[str, Any]:
    from builder._keras import tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    from builder.benchmark.runner import Session, as_batches, open_session, run_interleaved
    from builder.benchmark.stats import latency_stats

    t0 = time.perf_counter_ns()
    model, info = load_teacher(run_dir)
    keras_model = model.last
    load_us = (time.perf_counter_ns() - t0) / 1e3
    batches = as_batches(histories)

    from builder.model_file import inspect_model

    tfl_path = run_dir / "models" / "teacher.tflite"
    tfl = open_session(tfl_path, inspect_model(tfl_path).input_name, threads)

    def eager(x: np.ndarray) -> Any:
        return keras_model(x, training=False).numpy()

    def predict(x: np.ndarray) -> Any:
        return keras_model.predict_on_batch(x)

    # Cross-check: the Keras model must rank like the exported file it claims to be.
    agree = []
    for x in batches[:20]:
        top = tfl.invoke(x)["top_ids"][0]
        scores = eager(x)[0].copy()
        scores[0] = -np.inf
        scores[x[0][x[0] > 0]] = -np.inf
        ref = np.argsort(-scores, kind="stable")[:len(top)]
        agree.append(len(set(top.tolist()) & set(ref.tolist())) / len(top))

    sessions = [tfl, Session(eager, load_us), Session(predict, load_us)]
    names = ["teacher_tflite", "keras_eager", "keras_predict_on_batch"]
    timings = run_interleaved(sessions, [batches] * 3, warmup_runs=warmup_runs, runs=runs,
                              max_seconds=max_seconds)
    out = []
    ref_stats = None
    for name, t in zip(names, timings):
        stats = latency_stats(t.latencies_us)
        ref_stats = ref_stats or stats
        out.append({
            "name": name, "threads": threads,
            "init_us": t.init_us if name == "teacher_tflite" else None,
            "first_inference_us": t.first_inference_us,
            "latency_us": {k: v for k, v in stats.items() if k != "throughput_per_s"},
            "throughput_per_s": stats["throughput_per_s"],
            "ratio_to_teacher_tflite": {q: stats[q] / ref_stats[q] for q in ("mean", "p50", "p90", "p99")},
        })
    return {
        "threads": threads,
        "tensorflow_threads": {"intra_op": threads, "inter_op": threads},
        "keras_load_us": load_us,
        "model": info,
        "top10_agreement_keras_vs_tflite": float(np.mean(agree)) if agree else None,
        "interleaving": "per round: " + ", ".join(names),
        "results": out,
    }


def run_subprocess(run_dir: Path, histories_npy: Path, threads: int, runs: int, warmup_runs: int,
                   max_seconds: float, json_out: Path, timeout_s: float = 900.0) -> dict[str, Any]:
    """Run `measure` in a fresh process (TensorFlow thread pools are per process)."""
    import subprocess

    cmd = [sys.executable, "-m", "benchmarks.keras_ref", "--run-dir", str(run_dir),
           "--histories", str(histories_npy), "--threads", str(threads), "--runs", str(runs),
           "--warmup-runs", str(warmup_runs), "--max-seconds", str(max_seconds), "--json", str(json_out)]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, cwd=root, check=False)
    if proc.returncode != 0 or not json_out.is_file():
        raise RuntimeError(f"keras reference (threads={threads}) failed with exit {proc.returncode}: "
                           f"{proc.stderr.strip()[-800:]}")
    return json.loads(json_out.read_text())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--run-dir", required=True, type=Path)
    p.add_argument("--histories", required=True, type=Path)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--warmup-runs", type=int, default=10)
    p.add_argument("--max-seconds", type=float, default=60.0)
    p.add_argument("--json", required=True, type=Path)
    a = p.parse_args(argv)
    doc = measure(a.run_dir, np.load(a.histories).astype(np.int32), a.threads, a.runs,
                  a.warmup_runs, a.max_seconds)
    from builder.io import write_json_atomic

    write_json_atomic(a.json, doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
