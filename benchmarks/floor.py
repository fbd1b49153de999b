"""The latency floor: the cheapest model with the same `recommend` signature over the same catalog.

history -> the final model's item table (GATHER) -> mean over the L rows -> scores against the
same table (FULLY_CONNECTED) -> the contract's top-K with history/padding masking; both
signatures, int8 through the final model's own recipe (builder.compress.qat.prepare, ranges and
score floor calibrated on the benchmark's histories, no fine-tuning; `convert(..., "qat")`), so
the table is stored once and quantized as in the final model. No encoder: what is left is what
any model with this contract pays (lookup, full-catalog scoring, top-K, the interpreter call),
measured in the same interleaved run as the models it bounds.

    python -m benchmarks.floor RUN_DIR OUT.tflite   # writes OUT.tflite (+ OUT.json sidecar)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

FLOOR_STAGE = "latency_floor"
FLOOR_LABEL = "latency floor (lookup + mean + scores + top-K, int8, no encoder)"


def lookup_table(model_path: Path) -> np.ndarray:
    """The float values of the item table the `recommend` graph of `model_path` gathers from."""
    from ai_edge_litert import schema_py_generated as schema

    from builder.benchmark.static import buffer_bytes, op_name, type_name

    blob = Path(model_path).read_bytes()
    model = schema.ModelT.InitFromPackedBuf(blob, 0)
    sig = next(s for s in model.signatureDefs if s.signatureKey in (b"recommend", "recommend"))
    sub = model.subgraphs[sig.subgraphIndex]
    for op in sub.operators:
        if op_name(model, op.opcodeIndex) != "GATHER":
            continue
        t = sub.tensors[op.inputs[0]]
        data = buffer_bytes(model, t.buffer, blob)
        if data is None:
            continue
        kind = type_name(t.type)
        values = np.frombuffer(data, {"INT8": np.int8, "FLOAT32": np.float32}[kind]).reshape(list(t.shape))
        if kind == "INT8":
            scale = np.asarray(t.quantization.scale, np.float32)
            zero = np.asarray(t.quantization.zeroPoint, np.float32)
            return ((values.astype(np.float32) - zero.reshape(-1, 1)) * scale.reshape(-1, 1)
                    if scale.size > 1 else (values.astype(np.float32) - zero[0]) * scale[0])
        return values.astype(np.float32)
    raise ValueError(f"{model_path}: no constant GATHER table in its recommend signature")


def floor_model(table: np.ndarray, max_len: int):
    """ids [B, L] -> mean of the L gathered rows -> scores [B, N] against the same table (Keras);
    layer names as in the student, so `prepare` quantizes them as it does the student's."""
    from builder._keras import keras
    from builder.models.layers import ItemEmbedding, PassThrough, ScoreFloor

    history = keras.Input((max_len,), dtype="int32", name="history")
    items = ItemEmbedding(table.shape[0], table.shape[1], name="items")
    mean = keras.layers.GlobalAveragePooling1D(name="pool")(items(PassThrough(name="ids")(history)))
    model = keras.Model(history, ScoreFloor(name="scores")(items(mean)), name="latency_floor")
    items.set_weights([table])
    return model


def write_floor(run_dir: Path, out: Path, histories: np.ndarray, source: str = "final_int8") -> Path:
    """Build the floor from `run_dir`'s `source` model (its table, L, K, N), int8, to `out` + sidecar."""
    from builder.compress.qat import calibrate_ranges, prepare
    from builder.export.tflite import ConversionOptions, convert
    from builder.models.student import calibrate_score_floor

    run_dir, out = Path(run_dir), Path(out)
    sidecar = json.loads((run_dir / "models" / f"{source}.json").read_text())
    max_len, k, n = sidecar["input"]["length"], sidecar["k"], sidecar["num_items"]
    histories = np.asarray(histories, np.int32)
    graph = floor_model(lookup_table(run_dir / "models" / f"{source}.tflite"), max_len)
    qgraph = prepare(graph)
    calibrate_ranges(qgraph, graph, histories)
    calibrate_score_floor(qgraph, histories, k + max_len)
    blob = convert(qgraph, max_len, k, n, ConversionOptions("qat"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(blob)
    out.with_suffix(".json").write_text(json.dumps(
        {**sidecar, "stage": FLOOR_STAGE, "model_file": out.name,
         "model_sha256": hashlib.sha256(blob).hexdigest(), "metrics": {},
         "sizes": {"size_bytes": len(blob)}}, indent=1))
    return out


def main(argv: list[str] | None = None) -> int:
    from benchmarks.stages import test_histories

    p = argparse.ArgumentParser(prog="python -m benchmarks.floor", description=__doc__.split("\n")[0])
    p.add_argument("run_dir", type=Path, help="a build (its models/final_int8.tflite gives the table)")
    p.add_argument("out", type=Path, help="the floor's .tflite (a sidecar .json is written beside it)")
    p.add_argument("--pool-size", type=int, default=256, help="calibration histories (test split)")
    args = p.parse_args(argv)
    histories, _ = test_histories(args.run_dir, args.pool_size)
    print(write_floor(args.run_dir, args.out, histories))
    return 0


if __name__ == "__main__":
    sys.exit(main())
