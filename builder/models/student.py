"""The student: a small model made of layers with int8 TFLite kernels.

ids -> item table (shared with the output; dense, low-rank A @ B with
`student.table_rank`, or weight-sharing with `student.table_buckets`) -> causal convolutions (recent order) and,
optionally, a causal average over a long window (long-term taste), summed with a
residual -> Dense -> scores against the same table -> (serving view only) a floor
under the scores, calibrated after training so that int8 ranks the top finely
(ScoreFloor). The causal convolution is a Conv2D with a (1, k) kernel on
[B, 1, L, D] after left zero-padding: a Conv1D computes
the same thing, but TFMOT quantizes Conv2D natively (per-channel, sparsity
preserving) while a 3-D Conv1D kernel cannot be quantized per channel.

One Keras model with two outputs (every position for training, the last one
for serving) so that pruning and QAT wrap a single graph and both views share
every weight.
"""
from __future__ import annotations

import numpy as np

from builder._keras import keras
from builder.config import StudentConfig
from builder.models.layers import ItemEmbedding, LastStep, PassThrough, ScoreFloor, SharedItemEmbedding
from builder.models.teacher import SequenceModel

PRUNABLE_LAYERS = ("items", "user")  # plus every conv{i}


def build_student_graph(num_items: int, max_len: int, cfg: StudentConfig) -> keras.Model:
    """ids [B, L] -> (logits [B, L, N], logits [B, N])."""
    ids = keras.Input((max_len,), dtype="int32", name="history")
    items = (SharedItemEmbedding(num_items, cfg.dim, cfg.table_buckets, cfg.shared_head, name="items")
             if cfg.table_buckets else ItemEmbedding(num_items, cfg.dim, rank=cfg.table_rank, name="items"))
    x = items(PassThrough(name="ids")(ids))
    if cfg.conv_layers or cfg.pool_window:
        x4 = keras.layers.Reshape((1, max_len, cfg.dim), name="to4d")(x)
        branches = [x4]
        if cfg.conv_layers:
            h = x4
            for i in range(cfg.conv_layers):
                h = keras.layers.ZeroPadding2D(((0, 0), (cfg.kernel_size - 1, 0)), name=f"pad{i}")(h)
                h = keras.layers.Conv2D(cfg.dim, (1, cfg.kernel_size), activation="relu", name=f"conv{i}")(h)
            branches.append(h)
        if cfg.pool_window:
            w = min(cfg.pool_window, max_len)
            p = keras.layers.ZeroPadding2D(((0, 0), (w - 1, 0)), name="pool_pad")(x4)
            branches.append(keras.layers.AveragePooling2D((1, w), strides=1, name="pool")(p))
        x4 = branches[0]
        for i, b in enumerate(branches[1:]):
            x4 = keras.layers.Add(name="residual" if i == 0 else f"residual{i}")([x4, b])
        x = keras.layers.Reshape((max_len, cfg.dim), name="to3d")(x4)
    if cfg.dropout:
        x = keras.layers.Dropout(cfg.dropout, name="dropout")(x)
    user = keras.layers.Dense(items.code_dim, name="user")  # low-rank: the r-dim code h B^T
    seq = items(user(x))
    last = ScoreFloor(name="scores")(items(user(LastStep(name="last")(x))))
    return keras.Model(ids, [seq, last], name="student")


def score_floor_layer(last: keras.Model) -> ScoreFloor:
    """The ScoreFloor at the end of a serving view (plain, or inside a QuantizeWrapper)."""
    layer = last.layers[-1]
    inner = getattr(layer, "layer", layer)
    if not isinstance(inner, ScoreFloor):
        raise TypeError(f"{last.name}: last layer {layer.name} is not a ScoreFloor")
    return inner


def calibrate_score_floor(last: keras.Model, histories: np.ndarray, candidates: int,
                          quantile: float = 0.01) -> tuple[float, float]:
    """Set the serving floor/ceiling from the raw logits on `histories` [M, L]; returns them.

    floor = min(0, the `quantile` of each history's `candidates`-th largest logit): the
    recommend signature ranks K + L candidates, and for all but `quantile` of the
    calibration histories they all stay above the floor. ceiling = the largest logit.
    """
    layer = score_floor_layer(last)
    raw = keras.Model(last.input, last.layers[-1].input)(histories, training=False).numpy()
    k = min(candidates, raw.shape[1]) - 1
    kth = -np.partition(-raw, k, axis=1)[:, k]
    floor = float(min(0.0, np.quantile(kth, quantile)))
    ceiling = float(max(raw.max(), 1e-3))  # int8 ranges contain zero
    layer.floor, layer.ceiling = floor, ceiling
    return floor, ceiling


def views(graph: keras.Model) -> SequenceModel:
    """The training (every position) and serving (last position) views of a student graph."""
    return SequenceModel(keras.Model(graph.input, graph.outputs[0]),
                         keras.Model(graph.input, graph.outputs[1]))


def build_student(num_items: int, max_len: int, cfg: StudentConfig) -> tuple[keras.Model, SequenceModel]:
    graph = build_student_graph(num_items, max_len, cfg)
    return graph, views(graph)
