#!/usr/bin/env python3
"""Record reference outputs of a .tflite's `recommend` signature for the JVM parity test.

Usage: make_parity_cases.py MODEL.tflite MODEL.json OUT.json [--n 256] [--seed 0]

Samples realistic histories (random lengths 0..L, valid model indices, duplicates allowed) plus
edge cases (empty, length 1, full length, duplicates, longer than L, unknown ids), encodes each
one exactly as the app does (unknown ids dropped, most recent L kept, left-padded with pad_id),
runs it through the LiteRT Python interpreter's signature runner 'recommend', and writes the
picks, the encoded history and top_ids/top_scores. It also times the Python runner on the same
histories, so the JVM side can print both latencies next to each other.

Only needs numpy and ai-edge-litert; it does not import the builder package.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = "recdemo-parity-cases/1"


def encode(picks: list[int], length: int, pad_id: int, num_items: int) -> list[int]:
    """Reference history encoding (must match core's HistoryEncoder)."""
    known = [p for p in picks if 1 <= p <= num_items - 1]
    recent = known[-length:] if known else []
    return [pad_id] * (length - len(recent)) + recent


def sample_picks(n: int, length: int, num_items: int, seed: int) -> list[list[int]]:
    """Edge cases first, then random histories with lengths uniform in 0..L."""
    rng = np.random.default_rng(seed)
    hi = num_items - 1

    def rand(k: int) -> list[int]:
        return [int(x) for x in rng.integers(1, hi + 1, size=k)]

    distinct = [int(x) for x in rng.permutation(np.arange(1, hi + 1))[: min(length, hi)]]
    edge = [
        [],  # cold start history: all padding
        [1],  # smallest index
        [hi],  # largest index
        distinct,  # full length, no duplicates
        [distinct[0]] * length,  # full length, one item repeated
        rand(length // 2) * 2,  # duplicates in a pattern
        rand(length - 1),  # one short of full
        rand(length + 1),  # one too long: the oldest is dropped
        rand(3 * length),  # much too long
        [0, hi + 1, -3] + rand(3) + [hi + 7],  # unknown ids mixed in
        [0, 0, 0],  # only padding ids: encodes to the empty history
    ]
    cases = edge[:n]
    while len(cases) < n:
        cases.append(rand(int(rng.integers(0, length + 1))))
    return cases


def latency(runner: Any, input_name: str, rows: list[np.ndarray], runs: int, warmup: int) -> dict:
    for i in range(warmup):
        runner(**{input_name: rows[i % len(rows)]})
    nanos = np.empty(runs, dtype=np.int64)
    for i in range(runs):
        row = rows[i % len(rows)]
        t0 = time.perf_counter_ns()
        runner(**{input_name: row})
        nanos[i] = time.perf_counter_ns() - t0
    micros = nanos / 1000.0
    return {
        "runs": runs,
        "warmup": warmup,
        "mean_us": float(micros.mean()),
        "p50_us": float(np.percentile(micros, 50)),
        "p90_us": float(np.percentile(micros, 90)),
        "p99_us": float(np.percentile(micros, 99)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, help="the .tflite")
    parser.add_argument("sidecar", type=Path, help="its model.json")
    parser.add_argument("out", type=Path, help="where to write the cases JSON")
    parser.add_argument("--n", type=int, default=256, help="number of histories (default 256)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--latency-runs", type=int, default=500)
    parser.add_argument("--latency-warmup", type=int, default=50)
    args = parser.parse_args(argv)

    from ai_edge_litert.interpreter import Interpreter

    spec = json.loads(args.sidecar.read_text(encoding="utf-8"))
    inp = spec["input"]
    length, pad_id, name = int(inp["length"]), int(inp["pad_id"]), inp["name"]
    num_items, k = int(spec["num_items"]), int(spec["k"])

    interpreter = Interpreter(model_path=str(args.model))
    runner = interpreter.get_signature_runner("recommend")

    cases = []
    rows = []
    for picks in sample_picks(args.n, length, num_items, args.seed):
        history = encode(picks, length, pad_id, num_items)
        row = np.asarray([history], dtype=np.int32)
        out = runner(**{name: row})
        ids = out["top_ids"].reshape(-1)
        scores = out["top_scores"].reshape(-1)
        if ids.shape != (k,) or ids.dtype != np.int32 or scores.dtype != np.float32:
            print(f"unexpected outputs: {ids.shape} {ids.dtype} {scores.dtype}", file=sys.stderr)
            return 2
        rows.append(row)
        cases.append(
            {
                "picks": picks,
                "history": history,
                "top_ids": [int(x) for x in ids],
                # float32 -> Python float is exact; json writes the shortest repr of that double.
                "top_scores": [float(x) for x in scores],
            }
        )

    version = metadata.version("ai-edge-litert")
    result = {
        "schema": SCHEMA,
        "model_file": args.model.name,
        "model_sha256": hashlib.sha256(args.model.read_bytes()).hexdigest(),
        "history_length": length,
        "pad_id": pad_id,
        "k": k,
        "num_items": num_items,
        "seed": args.seed,
        "runtime": f"ai-edge-litert {version}",
        "python_latency": {
            "label": f"Python LiteRT Interpreter (ai-edge-litert {version}, signature runner 'recommend')",
            **latency(runner, name, rows, args.latency_runs, args.latency_warmup),
        },
        "cases": cases,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result), encoding="utf-8")
    lat = result["python_latency"]
    print(
        f"wrote {len(cases)} cases to {args.out}; python LiteRT mean {lat['mean_us']:.1f} us,"
        f" p50 {lat['p50_us']:.1f} us over {lat['runs']} runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
