"""Does weight clustering shrink the shipped file? Cluster an int8 item table's values, measure bytes and NDCG.

    python -m benchmarks.table_clustering --run-dir out/default [--model models/final_int8.tflite] [--levels 64,16,8]

Weight clustering (TFMOT `cluster_weights`) leaves each weight one of K shared values. LiteRT has
no codebook (palettized) storage for GATHER or FULLY_CONNECTED, so an int8 table keeps one byte
per weight whatever K is: the raw `.tflite` cannot shrink, only its gzip (the APK download) can.
This measures that on a real model without TFMOT's fine-tuning: the table's int8 values are
replaced in place by the nearest of K levels (1-D k-means over the value histogram), so the
file keeps its exact layout; reported per K: raw bytes, gzip bytes, test NDCG@10 through
LiteRT with the paired CI against the unclustered file. Clustering with fine-tuning would
recover some of the quality lost here; it cannot change the raw bytes.
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import RESULTS_DIR, document_header, now_utc, say, write_results


def table_bytes(blob: bytes) -> tuple[int, int]:
    """(offset, length) in the file of the int8 table that `recommend`'s GATHER reads."""
    from ai_edge_litert import schema_py_generated as schema

    from builder.benchmark.static import buffer_bytes, op_name, type_name

    model = schema.ModelT.InitFromPackedBuf(blob, 0)
    sig = next(s for s in model.signatureDefs if s.signatureKey in (b"recommend", "recommend"))
    sub = model.subgraphs[sig.subgraphIndex]
    for op in sub.operators:
        t = sub.tensors[op.inputs[0]]
        data = buffer_bytes(model, t.buffer, blob) if op_name(model, op.opcodeIndex) == "GATHER" else None
        if data is not None and type_name(t.type) == "INT8":
            offset = blob.find(bytes(data))
            if offset < 0 or blob.find(bytes(data), offset + 1) >= 0:
                raise ValueError("the table's bytes are not one unique run in the file")
            return offset, len(data)
    raise ValueError("no constant INT8 GATHER table in the recommend signature")


def cluster_levels(values: np.ndarray, k: int, iters: int = 50) -> np.ndarray:
    """1-D k-means of int8 values into k levels (over the 256-bin histogram); -> the values mapped."""
    counts = np.bincount(values.astype(np.int16) + 128, minlength=256).astype(np.float64)
    grid = np.arange(-128, 128, dtype=np.float64)
    used = grid[counts > 0]
    centers = np.quantile(np.repeat(grid, counts.astype(np.int64)), (np.arange(k) + 0.5) / k)
    for _ in range(iters):
        assign = np.abs(used[:, None] - centers[None, :]).argmin(1)
        w = counts[counts > 0]
        new = np.array([np.average(used[assign == j], weights=w[assign == j]) if (assign == j).any() else centers[j]
                        for j in range(k)])
        if np.allclose(new, centers):
            break
        centers = new
    levels = np.clip(np.round(centers), -128, 127).astype(np.int8)
    lut = levels[np.abs(grid[:, None] - centers[None, :]).argmin(1)]
    return lut[values.astype(np.int16) + 128]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.table_clustering", description=__doc__.split("\n")[0])
    p.add_argument("--run-dir", type=Path, required=True, help="a finished build (its data and test users)")
    p.add_argument("--model", default="models/final_int8.tflite", help="the int8 model, relative to --run-dir")
    p.add_argument("--levels", default="64,16,8", help="comma-separated cluster counts")
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = p.parse_args(argv)

    from builder.config import BuildConfig
    from builder.evaluate.evaluator import evaluate, tflite_scorer
    from builder.pipeline import prepare
    from builder.progress import Progress

    started, t0 = now_utc(), time.perf_counter()
    cfg = BuildConfig.from_dict(json.loads((args.run_dir / "config.json").read_text()))
    ctx = prepare(cfg, args.run_dir.parent, Progress(1), force=False)
    blob = (args.run_dir / args.model).read_bytes()
    offset, n = table_bytes(blob)
    table = np.frombuffer(blob, np.int8, n, offset)
    base = evaluate(tflite_scorer(args.run_dir / args.model), ctx.test, ctx.max_len, "int8").per_user["ndcg@10"]
    rows: list[dict[str, Any]] = [{"levels": int(len(np.unique(table))), "size_bytes": len(blob),
                                   "gzip_bytes": len(gzip.compress(blob, 9)), "test_ndcg10": float(base.mean())}]
    with tempfile.TemporaryDirectory() as d:
        for k in (int(x) for x in args.levels.split(",")):
            clustered = bytearray(blob)
            clustered[offset:offset + n] = cluster_levels(table, k).tobytes()
            path = Path(d) / f"k{k}.tflite"
            path.write_bytes(bytes(clustered))
            users = evaluate(tflite_scorer(path), ctx.test, ctx.max_len, f"k{k}").per_user["ndcg@10"]
            rows.append({"levels": k, "size_bytes": len(clustered), "gzip_bytes": len(gzip.compress(bytes(clustered), 9)),
                         "test_ndcg10": float(users.mean()), "vs_unclustered": ctx.boot.paired(users, base)})
            say(f"table clustering: {k} levels: {len(clustered):,} B raw, {rows[-1]['gzip_bytes']:,} B gzip, "
                f"test NDCG@10 {rows[-1]['test_ndcg10']:.4f}")
    doc = {**document_header("table_clustering", started, time.perf_counter() - t0),
           "model": str(args.run_dir / args.model), "table_bytes": n, "rows": rows}
    out = ["# Weight clustering of the int8 item table: raw bytes vs gzip", "",
           f"Measured {doc['created_utc']}; model `{doc['model']}` (table {n:,} B of {len(blob):,}); "
           "post-training clustering of the table's int8 values, no fine-tuning (see the module docstring). "
           "Test NDCG@10 through LiteRT, paired 95% CI against the unclustered file.", "",
           "| table levels | .tflite B | gzip -9 B | test NDCG@10 | vs unclustered (paired) |", "|---|---|---|---|---|"]
    for r in rows:
        v = r.get("vs_unclustered")
        out.append(f"| {r['levels']}{' (as built)' if v is None else ''} | {r['size_bytes']:,} | {r['gzip_bytes']:,} | "
                   f"{r['test_ndcg10']:.4f} | "
                   + ("" if v is None else f"{v['value']:+.4f} [{v['ci_low']:+.4f}, {v['ci_high']:+.4f}]") + " |")
    write_results(args.out, "table_clustering", doc, "\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
