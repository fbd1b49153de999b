"""Keras model -> .tflite with the `recommend` and `scores` signatures of the artifact contract.

`recommend`: history int32 [1, L] -> top_ids int32 [1, K], top_scores float32 [1, K].
Padding and history items are masked inside the graph without touching the
score tensor: take the top K + L candidates, drop those equal to 0 or present
in the history (int32 ops only), keep the first K that remain. This keeps the
score tensor's quantization range free of "minus infinity" sentinels.
`scores`: history int32 [B, L] (dynamic batch) -> scores float32 [B, N].
With a transition head (builder.models.transition) both signatures score model + head: the
head's successor ids and uint8 boosts are gathered by the history's last item and scattered
onto the model's float scores, in the graph.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from builder._keras import keras, tf
from builder.models.transition import TransitionHead
from builder.quiet import native_stderr_quiet, verbose


def serving_module(model: keras.Model, max_len: int, k: int, num_items: int,
                   head: TransitionHead | None = None) -> tf.Module:
    """A tf.Module exposing the contract's two signatures around `model` ([B, L] -> [B, N]),
    plus `head`'s sparse item-to-item scores when one is given."""
    if k + max_len > num_items - 1:
        raise ValueError(
            f"export.k ({k}) + history length ({max_len}) exceeds the catalog ({num_items - 1} items): "
            "the recommend signature could not always return K unseen items")

    def scored(history: tf.Tensor) -> tf.Tensor:
        logits = tf.cast(model(history, training=False), tf.float32)
        if head is None:
            return logits
        last = history[:, -1]
        ids = tf.cast(tf.gather(tf.constant(head.ids), last), tf.int32)  # [B, size]
        values = tf.cast(tf.gather(tf.constant(head.codes), last), tf.float32) * head.scale
        rows = tf.broadcast_to(tf.range(tf.shape(history)[0])[:, None], tf.shape(ids))
        return logits + tf.scatter_nd(tf.stack([rows, ids], axis=-1), values, tf.shape(logits))

    class Serving(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        @tf.function(input_signature=[tf.TensorSpec([None, max_len], tf.int32, name="history")])
        def scores(self, history: tf.Tensor) -> dict[str, tf.Tensor]:
            return {"scores": scored(history)}

        @tf.function(input_signature=[tf.TensorSpec([1, max_len], tf.int32, name="history")])
        def recommend(self, history: tf.Tensor) -> dict[str, tf.Tensor]:
            logits = scored(history)
            candidates = k + max_len
            values, ids = tf.math.top_k(logits, candidates)
            seen = tf.reduce_any(tf.equal(ids[:, :, None], history[:, None, :]), axis=-1)
            seen = tf.logical_or(seen, tf.equal(ids, 0))
            position = tf.range(candidates, dtype=tf.int32)[None, :]
            key = tf.where(seen, tf.fill(tf.shape(ids), tf.constant(-(1 << 30), tf.int32)), -position)
            _, keep = tf.math.top_k(key, k)
            return {"top_ids": tf.gather(ids, keep, batch_dims=1),
                    "top_scores": tf.gather(values, keep, batch_dims=1)}

    return Serving()


@dataclass(frozen=True)
class ConversionOptions:
    quantize: str = "none"  # none | qat | ptq
    strip_names: bool = True  # drop internal tensor names (signatures keep theirs)
    sparsity: bool = False  # add Optimize.EXPERIMENTAL_SPARSITY (pruned models)
    representative: np.ndarray | None = None  # int32 [M, L] histories: PTQ calibration, shared-table QAT ranges
    head: TransitionHead | None = None  # a transition head added to the scores in the graph


def convert(model: keras.Model, max_len: int, k: int, num_items: int,
            options: ConversionOptions = ConversionOptions()) -> bytes:
    """Convert to a .tflite flatbuffer (float, QAT int8 or PTQ int8)."""
    if options.quantize == "qat":
        from builder.models.layers import freeze_lookup_ranges

        # low-rank / shared tables' lookup (and shared score) ranges, as constants
        freeze_lookup_ranges(model, options.representative)
    module = serving_module(model, max_len, k, num_items, options.head)
    fns = [module.recommend.get_concrete_function(), module.scores.get_concrete_function()]
    conv = tf.lite.TFLiteConverter.from_concrete_functions(fns, module)
    opts = []
    if options.quantize in ("qat", "ptq"):
        opts.append(tf.lite.Optimize.DEFAULT)
    if options.sparsity:
        opts.append(tf.lite.Optimize.EXPERIMENTAL_SPARSITY)
    conv.optimizations = opts
    if options.quantize == "qat":
        # Keep FULLY_CONNECTED weights per-tensor, as QAT simulated them. By default the
        # converter re-quantizes them per output channel, which for the scoring FC makes
        # a second int8 copy of the item table next to GATHER's (private flag; without
        # it the table is stored twice, both int8).
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    if options.quantize == "ptq":
        if options.representative is None:
            raise ValueError("PTQ needs representative histories")
        reps = options.representative

        def gen() -> Iterator[tuple[str, dict[str, np.ndarray]]]:
            for i in range(0, len(reps), 16):  # each signature is calibrated on its own
                yield "scores", {"history": reps[i:i + 16].astype(np.int32)}
            for h in reps[:64]:
                yield "recommend", {"history": h[None, :].astype(np.int32)}

        conv.representative_dataset = gen
    # the MLIR quantizer prints its settings ("fully_quantize: 0, ..."), and TensorFlow's calibrator
    # still runs tf.lite.Interpreter (deprecated); our own code runs models with ai_edge_litert
    with native_stderr_quiet(), warnings.catch_warnings():
        if not verbose():
            warnings.filterwarnings("ignore", message=r"\s*Warning: tf\.lite\.Interpreter is deprecated")
        blob = conv.convert()
    if options.quantize == "qat":
        _require_integer_weights(blob, allowed=0 if options.head is None else 4)  # the head's scale
    return strip_tensor_names(blob) if options.strip_names else blob


def _require_integer_weights(blob: bytes, allowed: int = 0) -> None:
    """A QAT graph converts to int8 only where it carries ranges; a tensor without one stays float."""
    from ai_edge_litert import schema_py_generated as schema

    from builder.benchmark.static import static_summary

    left = static_summary(schema.ModelT.InitFromPackedBuf(blob, 0), blob)["constant_bytes_by_type"].get("FLOAT32", 0)
    if left > allowed:
        raise ValueError(
            f"QAT conversion left {left} bytes of float32 weights: a layer's output has no quantization "
            "range. The serving ScoreFloor must be calibrated before conversion "
            "(builder.models.student.calibrate_score_floor)")


class _AlignedBuffer:
    """Packs a weight buffer 16-byte aligned, as the converter writes them (schema: force_align 16)."""

    def __init__(self, buffer: object) -> None:
        self.buffer = buffer

    def Pack(self, builder: object) -> int:  # noqa: N802 - flatbuffers' object API name
        from ai_edge_litert import schema_py_generated as schema

        b = self.buffer
        data = None
        if b.data is not None and len(b.data):
            raw = np.asarray(b.data, np.uint8).tobytes()
            builder.StartVector(1, len(raw), 16)
            builder.head -= len(raw)
            builder.Bytes[builder.head:builder.head + len(raw)] = raw
            data = builder.EndVector(len(raw))
        schema.BufferStart(builder)
        if data is not None:
            schema.BufferAddData(builder, data)
        schema.BufferAddOffset(builder, b.offset)
        schema.BufferAddSize(builder, b.size)
        return schema.BufferEnd(builder)


def strip_tensor_names(blob: bytes) -> bytes:
    """Remove the internal tensor names (graph op paths, ~5% of a small model's bytes).

    Signature names, their input/output names, op codes and metadata are kept, so
    the artifact contract (`recommend`: history -> top_ids, top_scores) is unchanged;
    only per-tensor debug names go. Buffers keep the converter's 16-byte alignment.
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(bytearray(blob), 0)
    for sg in model.subgraphs:
        for t in sg.tensors:
            t.name = None
    model.buffers = [_AlignedBuffer(b) for b in model.buffers]
    builder = flatbuffers.Builder(len(blob))
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
