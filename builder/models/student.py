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
every weight. The serving view computes only what the last position needs: the
same conv/pool/residual layers, called again on the embeddings of its receptive
field (the last c(k-1)+1 rows for the convs, the last w for the average, the last
one for the residual), so `recommend` and `scores` cost O(receptive field), not O(L).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from builder._keras import keras
from builder.config import StudentConfig
from builder.models.layers import BatchReshape, ItemEmbedding, LastStep, PassThrough, ScoreFloor, SharedItemEmbedding
from builder.models.teacher import SequenceModel

PRUNABLE_LAYERS = ("items", "user")  # plus every conv{i}


def receptive_field(cfg: StudentConfig, max_len: int) -> int:
    """How many of the last inputs the last position depends on: c*(k-1)+1 for the conv stack,
    w for the causal average, 1 for the residual; at most `max_len`."""
    conv = cfg.conv_layers * (cfg.kernel_size - 1) + 1 if cfg.conv_layers else 1
    return min(max_len, max(conv, min(cfg.pool_window, max_len)))


def build_student_graph(num_items: int, max_len: int, cfg: StudentConfig) -> keras.Model:
    """ids [B, L] -> (logits [B, L, N], logits [B, N])."""
    history = keras.Input((max_len,), dtype="int32", name="history")
    items = (SharedItemEmbedding(num_items, cfg.dim, cfg.table_buckets, cfg.shared_head, name="items")
             if cfg.table_buckets else ItemEmbedding(num_items, cfg.dim, rank=cfg.table_rank, name="items"))
    ids = PassThrough(name="ids")(history)
    x = emb = items(ids)
    if cfg.conv_layers or cfg.pool_window:
        x4 = BatchReshape((1, max_len, cfg.dim), name="to4d")(x)
        convs = [keras.layers.Conv2D(cfg.dim, (1, cfg.kernel_size), activation="relu", name=f"conv{i}")
                 for i in range(cfg.conv_layers)]
        w = min(cfg.pool_window, max_len)
        pool = keras.layers.AveragePooling2D((1, w), strides=1, name="pool") if cfg.pool_window else None
        adds = [keras.layers.Add(name="residual" if i == 0 else f"residual{i}")
                for i in range(bool(convs) + bool(pool))]
        x = BatchReshape((max_len, cfg.dim), name="to3d")(_encode(x4, convs, pool, adds, cfg))

        def recent(n: int, name: str) -> Any:
            """Embeddings of the n most recent ids as [B, 1, n, D] (x4 itself when n = L)."""
            if n >= max_len:
                return x4
            # cropped as [B, L, D], before to4d: a window cropped from the 4-D x4 lost its int8
            # quantization in the dynamic-batch `scores` graph (a float CONV_2D), and a lookup of
            # its own (sliced ids) costs post-training int8 one more copy of the table per lookup
            rows = keras.layers.Cropping1D((max_len - n, 0), name=f"{name}_rows")(emb)
            return BatchReshape((1, n, cfg.dim), name=f"{name}_4d")(rows)

        last = BatchReshape((cfg.dim,), name="last")(_encode_last(recent, convs, pool, adds, cfg, max_len))
    else:
        last = LastStep(name="last")(x)
    if cfg.dropout:
        dropout = keras.layers.Dropout(cfg.dropout, name="dropout")
        x, last = dropout(x), dropout(last)
    user = keras.layers.Dense(items.code_dim, name="user")  # low-rank: the r-dim code h B^T
    seq = items(user(x))
    last = ScoreFloor(name="scores")(items(user(last)))
    return keras.Model(history, [seq, last], name="student")


def _encode(x4: Any, convs: list, pool: Any, adds: list, cfg: StudentConfig) -> Any:
    """The training view: every position of [B, 1, L, D], each layer left zero-padded (causal)."""
    branches = [x4]
    if convs:
        h = x4
        for i, conv in enumerate(convs):
            h = conv(keras.layers.ZeroPadding2D(((0, 0), (cfg.kernel_size - 1, 0)), name=f"pad{i}")(h))
        branches.append(h)
    if pool is not None:
        w = pool.pool_size[1]
        branches.append(pool(keras.layers.ZeroPadding2D(((0, 0), (w - 1, 0)), name="pool_pad")(x4)))
    out = branches[0]
    for add, b in zip(adds, branches[1:]):
        out = add([out, b])
    return out


def _encode_last(recent: Any, convs: list, pool: Any, adds: list, cfg: StudentConfig, max_len: int) -> Any:
    """The serving view: the last position only, [B, 1, 1, D], through the same layers as `_encode`
    (weights and quantization ranges shared) applied to its receptive field; `recent(n, name)`
    gives the embeddings of the n most recent ids, [B, 1, n, D].

    Layer i of the conv stack computes the last (c-1-i)(k-1)+1 positions from the last
    (c-i)(k-1)+1 of its input, unpadded ('valid'); where that window reaches before the first
    position (c(k-1)+1 > L), the input is the whole sequence and gets the zeros the training
    view pads with. The causal average at the last position is the mean of the last w rows:
    one window of the same pooling layer instead of L.
    """
    k, c = cfg.kernel_size, len(convs)
    branches = [recent(1, "last_item")]
    if convs:
        n = min(max_len, c * (k - 1) + 1)
        h = recent(n, "receptive_field")
        for i, conv in enumerate(convs):
            out = min(max_len, (c - 1 - i) * (k - 1) + 1)
            if out + k - 1 > n:
                h = keras.layers.ZeroPadding2D(((0, 0), (out + k - 1 - n, 0)), name=f"last_pad{i}")(h)
            h, n = conv(h), out
        branches.append(h)
    if pool is not None:
        branches.append(pool(recent(pool.pool_size[1], "pool_window")))
    out = branches[0]
    for add, b in zip(adds, branches[1:]):
        out = add([out, b])
    return out


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
    """The training (every position) and serving (last position) views of a student graph, and its
    hidden view (the vectors the training view's item table scores) with that scoring layer: found
    from the graph itself, so they are also right for its pruning- or QAT-wrapped clones."""
    scores = graph.outputs[0]
    layer, node, _ = scores._keras_history
    hidden = layer._inbound_nodes[node].input_tensors
    return SequenceModel(keras.Model(graph.input, scores), keras.Model(graph.input, graph.outputs[1]),
                         keras.Model(graph.input, hidden), items=layer)


def build_student(num_items: int, max_len: int, cfg: StudentConfig) -> tuple[keras.Model, SequenceModel]:
    graph = build_student_graph(num_items, max_len, cfg)
    return graph, views(graph)
