"""Custom Keras layers shared by the teacher and the student."""
from __future__ import annotations

from typing import Any

import numpy as np

from builder._keras import keras, tf, tfmot


class ItemEmbedding(keras.layers.Layer, tfmot.sparsity.keras.PrunableLayer):
    """One item table for input and output: gathers rows for int ids, scores float vectors.

    Called on int ids [..] -> embeddings [.., D]; called on float vectors [.., C]
    -> logits [.., N] = x @ table^T; called on a pair (x [.., C], candidate ids [U]) -> the
    same logits for those items only, [.., U] (candidate training, builder.sampled.CandidateSampler: through
    a pruning or QAT wrapper's call they see the masked or fake-quantized table). Sharing the table halves the model and is
    the standard SASRec choice; the int8 model stores it once.

    `rank` r > 0 makes the table low-rank: `embeddings` is A [N, r] and
    `projection` is B [r, D], so a gathered row is A[id] @ B, and scoring takes
    codes x [.., r] (C = r) -> x @ A^T. The scoring form (h B^T) A^T needs no B
    here: h B^T is a linear map of the user vector, so the layer before the
    scores (the student's `user` Dense) produces the r-dim code directly. A is the
    one table in both roles; the table costs N*r + r*D weights instead of N*D.

    Under QAT (`lookup_fake_quant`, set by its QuantizeConfig) the gathered rows
    are fake-quantized with the table's own symmetric range. That is a no-op on
    values that are already on the table's grid, but it tells the converter that
    GATHER's int8 output shares the table's scale, so the int8 table used by
    GATHER is byte-identical to the scoring FULLY_CONNECTED weights and stored once.
    The low-rank rows A[id] @ B are fake-quantized on [-m, m], m = max |A @ B|:
    the exact range of every row the lookup can return, so no range is learned.
    The converter must see m as a constant, and it does not fold max |A @ B| once
    A @ B is large (a 600 x 32 product already stays a runtime REDUCE_MAX feeding a
    FakeQuant it cannot convert), so `freeze_lookup_ranges` stores m as a number
    (`lookup_range`, config like ScoreFloor's floor) right before conversion. The same holds
    for the table's own range max |E| once the table is large: folded at 100K x 64, a runtime
    REDUCE_MAX at 722K x 64, where the QAT export failed (ERROR_NEEDS_FLEX_OPS on the lookup's
    FakeQuant), so it is frozen the same way (`table_range`), for every table kind.
    """

    def __init__(self, num_items: int, dim: int, scale: bool = False, rank: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rank < dim:
            raise ValueError(f"rank must be in [0, dim) (got {rank} for dim {dim})")
        self.num_items = num_items
        self.dim = dim
        self.scale = scale
        self.rank = rank
        self.lookup_fake_quant = False
        self.lookup_range: float | None = None  # low-rank under QAT: m, frozen for conversion
        self.table_range: float | None = None  # under QAT: max |E| of the int8-simulated table, frozen

    @property
    def code_dim(self) -> int:
        """Width of the vectors the scoring call takes: the rank, or dim for a dense table."""
        return self.rank or self.dim

    def build(self, input_shape: Any) -> None:
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.num_items, self.code_dim),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02), trainable=True)
        if self.rank:
            self.projection = self.add_weight(
                name="projection", shape=(self.rank, self.dim),
                # orthonormal rows scaled so that random rows A[id] @ B have the dense init's std
                initializer=keras.initializers.Orthogonal(gain=(self.dim / self.rank) ** 0.5), trainable=True)
        super().build(input_shape)

    def call(self, inputs: Any) -> tf.Tensor:
        if isinstance(inputs, (tuple, list)):
            return self.candidate_scores(*inputs)
        if inputs.dtype.is_integer:
            x = tf.gather(self.embeddings, inputs)
            if self.lookup_fake_quant:
                m = self._table_max()
                x = tf.quantization.fake_quant_with_min_max_vars(x, -m, m, num_bits=8, narrow_range=True)
            if self.rank:
                x = tf.matmul(x, self.projection)
                if self.lookup_fake_quant:
                    m = self.lookup_range
                    if m is None:
                        m = tf.stop_gradient(tf.reduce_max(tf.abs(tf.matmul(self.embeddings, self.projection))))
                    x = tf.quantization.fake_quant_with_min_max_vars(x, -m, m, num_bits=8)
            return x * (self.dim ** 0.5) if self.scale else x
        return tf.matmul(inputs, self.embeddings, transpose_b=True)

    def _table_max(self) -> Any:
        """max |E|: the frozen number before conversion, else computed from the (fake-quantized) table."""
        if self.table_range is not None:
            return self.table_range
        return tf.stop_gradient(tf.reduce_max(tf.abs(self.embeddings)))

    def candidate_scores(self, x: tf.Tensor, ids: tf.Tensor) -> tf.Tensor:
        """x [.., C] against the scoring rows of `ids` [U] -> [.., U]."""
        return tf.tensordot(x, tf.gather(self.embeddings, ids), [[-1], [1]])

    def full_table(self) -> np.ndarray:
        """The [N, D] table the lookup gathers from (A @ B when low-rank)."""
        table = self.embeddings.numpy()
        return table @ self.projection.numpy() if self.rank else table

    def compute_output_shape(self, input_shape: Any) -> tf.TensorShape:
        return tf.TensorShape(input_shape).concatenate([self.dim])  # the lookup path

    def get_prunable_weights(self) -> list[tf.Variable]:
        # A low-rank table's B (r x D) is not pruned: a few hundred weights that mix every row
        return [self.embeddings]

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "num_items": self.num_items, "dim": self.dim, "scale": self.scale}
        return {**config, "rank": self.rank} if self.rank else config


class SharedItemEmbedding(ItemEmbedding):
    """A weight-sharing item table: quotient-remainder composition with a frequency-aware head.

    Items live in table slots (`slots` [N]: model index -> slot, a frozen int weight set by
    `builder.compress.distill.shared_slots`). The T = N-1-H tail items share: tail slot s < T
    has quotient q = s // m and remainder r = s % m (m = `buckets`, Q = ceil(T/m) quotients).
    Padding and the H most popular items have rows of their own, in head slots P + k (P = Q*m).
    One table `embeddings` [m + Q + H+1, D] holds, in order, the remainder rows R, the quotient
    rows Q and the head rows, and every item is the sum of two of its rows:

        E[tail slot s] = Q[s // m] + R[s % m]        E[head slot P + k] = 2 Head[k]

    The lookup is two GATHERs from the one table, at rows max(m + s // m, s - P + m + Q) (the
    quotient row, or the head row: one MAXIMUM picks it) and s % m or the head row (SELECT_V2),
    all int32 ops. The scores decompose because the composition is a sum: with z = h T^T (one
    FULLY_CONNECTED against the same table, so int8 stores it once), split into z_R, z_Q and
    z_H, the slot scores are concat(reshape(z_Q[:, None] + z_R[None, :], [Q*m]), 2 z_H) and one
    GATHER by `slots` puts them in model-index order. No [N, D] table is ever materialised; the
    per-item cost is the `slots` index (int16 below 32,768 slots).

    Under QAT the gathered rows are fake-quantized on the table's range, the lookup rows on
    max |E| (exact, from the weights), and z and the score sums on the largest value seen
    (`score_range` = (max |z|, max |sums|)). Like a low-rank table's lookup range these are
    dynamic in training and frozen as numbers right before conversion (`freeze_lookup_ranges`,
    which needs calibration histories for the score ranges).

    Measured (ML-100K, dim 32, 64 own rows, final int8, 3 seeds; benchmarks/results/frontier.md):
    16 buckets 35,360 B at 59% of the teacher's NDCG@10, where dense dim 16 is 35,504 B at 95%:
    the bytes go, but on a flat-popularity catalog two shared rows per tail item lose most of
    the quality. At 100K items it is the smallest table (1/108 of the fp32 teacher at 64 buckets).
    """

    def __init__(self, num_items: int, dim: int, buckets: int, head: int, scale: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(num_items, dim, scale=scale, **kwargs)
        tail = num_items - 1 - head
        if buckets < 2 or head < 0 or tail < buckets:
            raise ValueError(f"a shared table needs buckets >= 2, head >= 0 and at least `buckets` tail items "
                             f"(got buckets {buckets}, head {head}, {num_items - 1} items)")
        self.buckets = buckets
        self.head = head
        self.tail = tail
        self.quotients = -(-tail // buckets)
        self.score_range: tuple[float, float] | None = None  # QAT: (max |z|, max |sums|), frozen
        self._observed: list[tuple[float, float]] | None = None  # set by freeze_lookup_ranges

    @property
    def rows(self) -> int:
        return self.buckets + self.quotients + self.head + 1

    @property
    def head_slot(self) -> int:
        """P: the first head slot (padding's); tail slots are 0..T-1, P - T of them unused."""
        return self.quotients * self.buckets

    @property
    def slot_dtype(self) -> tf.DType:
        return tf.int16 if self.head_slot + self.head < 32768 else tf.int32

    def build(self, input_shape: Any) -> None:
        self.embeddings = self.add_weight(
            name="embeddings", shape=(self.rows, self.dim),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02), trainable=True)
        default = np.concatenate([[self.head_slot], np.arange(self.num_items - 1)])  # padding, then index order
        default[1:][default[1:] >= self.tail] += self.head_slot - self.tail + 1
        self.slots = self.add_weight(
            name="slots", shape=(self.num_items,), dtype=self.slot_dtype, trainable=False,
            initializer=keras.initializers.Constant(default))
        keras.layers.Layer.build(self, input_shape)

    def _fq(self, x: tf.Tensor, m: Any, narrow: bool = False) -> tf.Tensor:
        return tf.quantization.fake_quant_with_min_max_vars(x, -m, m, num_bits=8, narrow_range=narrow)

    def _lookup(self, ids: tf.Tensor) -> tf.Tensor:
        m, nq, p = self.buckets, self.quotients, self.head_slot
        s = tf.cast(tf.gather(self.slots, ids), tf.int32)
        head_row = s + (m + nq - p)
        a = tf.maximum(tf.math.floordiv(s, m) + m, head_row)
        b = tf.where(s < p, tf.math.floormod(s, m), head_row)
        table = self.embeddings
        x, y = tf.gather(table, a), tf.gather(table, b)
        if not self.lookup_fake_quant:
            return x + y
        mt = self._table_max()
        x, y = self._fq(x, mt, narrow=True), self._fq(y, mt, narrow=True)
        me = self.lookup_range
        if me is None:
            me = tf.stop_gradient(tf.reduce_max(tf.abs(self._composed(table))))
        return self._fq(x + y, me)

    def _composed(self, table: tf.Tensor) -> tf.Tensor:
        """[P + H + 1, D]: the row of every slot (unused tail slots included)."""
        m, nq = self.buckets, self.quotients
        tail = table[m:m + nq][:, None, :] + table[:m][None, :, :]
        return tf.concat([tf.reshape(tail, (-1, self.dim)), 2.0 * table[m + nq:]], axis=0)

    def _scores(self, h: tf.Tensor) -> tf.Tensor:
        m, nq = self.buckets, self.quotients
        z = tf.matmul(h, self.embeddings, transpose_b=True)
        fq = self.lookup_fake_quant
        if fq:
            mz, ms = self.score_range or (None, None)
            z = self._fq(z, tf.stop_gradient(tf.reduce_max(tf.abs(z))) if mz is None else mz)
        zr, zq, zh = tf.split(z, [m, nq, self.head + 1], axis=-1)
        inner = list(zq.shape[1:-1])  # [L] for the training view, [] for the serving one
        head = zh + zh
        tail = tf.reshape(zq, [-1, *inner, nq, 1]) + tf.reshape(zr, [-1, *inner, 1, m])
        if fq:
            if self._observed is not None:
                self._observed.append((float(tf.reduce_max(tf.abs(z))),
                                       float(tf.maximum(tf.reduce_max(tf.abs(head)), tf.reduce_max(tf.abs(tail))))))
            if ms is None:
                ms = tf.stop_gradient(tf.maximum(tf.reduce_max(tf.abs(head)), tf.reduce_max(tf.abs(tail))))
            head, tail = self._fq(head, ms), self._fq(tail, ms)
        by_slot = tf.concat([tf.reshape(tail, [-1, *inner, nq * m]), head], axis=-1)
        return tf.gather(by_slot, self.slots, axis=-1)

    def call(self, inputs: Any) -> tf.Tensor:
        if isinstance(inputs, (tuple, list)):
            return self.candidate_scores(*inputs)
        return self._lookup(inputs) if inputs.dtype.is_integer else self._scores(inputs)

    def candidate_scores(self, x: tf.Tensor, ids: tf.Tensor) -> tf.Tensor:
        """x [.., D] against the composed rows of `ids` [U] -> [.., U]: the full scores' values in
        float; under QAT the rows carry the lookup's fake quantization, not the score parts'."""
        return tf.tensordot(x, self._lookup(ids), [[-1], [1]])

    def full_table(self) -> np.ndarray:
        """The [N, D] table in model-index order: row i = E[slots[i]]."""
        return self._composed(tf.constant(np.asarray(self.embeddings))).numpy()[np.asarray(self.slots)]

    def get_config(self) -> dict[str, Any]:
        config = {k: v for k, v in super().get_config().items() if k != "rank"}
        return {**config, "buckets": self.buckets, "head": self.head}


def freeze_lookup_ranges(model: keras.Model, histories: np.ndarray | None = None) -> int:
    """Set `table_range` = max |E_q| of every QAT item table in `model` and, for a low-rank one,
    `lookup_range` = max |A_q @ B_q|, from the int8-simulated weights the converter will store;
    for a QAT shared table max |E| of its composed rows and `score_range`, the largest score
    parts on `histories` (int32 [M, L], required then); returns how many tables were set.
    Training after it would keep the frozen ranges: call it right before conversion."""
    count = 0
    for layer in model.layers:
        inner = getattr(layer, "layer", layer)  # the layer inside a QuantizeWrapper
        shared = isinstance(inner, SharedItemEmbedding)
        if not (isinstance(inner, ItemEmbedding) and inner.lookup_fake_quant):
            continue
        inner.lookup_range = inner.table_range = None
        layer(tf.zeros((1, 1), tf.int32), training=False)  # sets the quantized weights on `inner`
        inner.table_range = max(float(np.abs(np.asarray(inner.embeddings)).max()), 1e-6)
        count += 1
        if not (inner.rank or shared):
            continue
        if shared:
            product = inner._composed(tf.constant(np.asarray(inner.embeddings))).numpy()[np.asarray(inner.slots)]
        else:
            product = np.asarray(inner.embeddings) @ np.asarray(inner.projection)
        inner.lookup_range = max(float(np.abs(product).max()), 1e-6)
        if shared:
            if histories is None:
                raise ValueError(f"{inner.name}: a shared item table's score ranges need calibration histories")
            inner.score_range, inner._observed = None, []
            for start in range(0, len(histories), 256):
                model(tf.constant(histories[start:start + 256], tf.int32), training=False)
            observed, inner._observed = inner._observed, None
            inner.score_range = tuple(max(max(o[i] for o in observed), 1e-6) for i in (0, 1))
    return count


class PositionEmbedding(keras.layers.Layer):
    """Learned absolute positions (left padding: the latest item is always at L-1)."""

    def __init__(self, length: int, dim: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.length = length
        self.dim = dim

    def build(self, input_shape: Any) -> None:
        self.positions = self.add_weight(
            name="positions", shape=(self.length, self.dim),
            initializer=keras.initializers.TruncatedNormal(stddev=0.02), trainable=True)
        super().build(input_shape)

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return x + self.positions[None, :, :]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "length": self.length, "dim": self.dim}


class PassThrough(keras.layers.Layer):
    """Identity with a name: keeps a float FakeQuant off the int ids (un-annotated, between
    the input and the embedding)."""

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return tf.identity(x)


class BatchReshape(keras.layers.Layer):
    """keras.layers.Reshape with a constant shape: tf.reshape(x, [-1, *target_shape]).

    Keras' Reshape reads the batch size at run time (SHAPE -> STRIDED_SLICE -> PACK before
    each RESHAPE); in the dynamic-batch `scores` signature those ops and their tensors stay in
    the .tflite. With -1 the converter folds the shape into one constant."""

    def __init__(self, target_shape: tuple[int, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return tf.reshape(x, (-1, *self.target_shape))

    def compute_output_shape(self, input_shape: Any) -> tuple:
        return (input_shape[0], *self.target_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class ScoreFloor(keras.layers.Layer):
    """The serving scores: max(logits, floor), with floor <= 0 calibrated on training histories.

    An int8 score tensor has 256 levels spread over its whole range. A student's
    logits span about 20 (most items far below any top-K) while a user's top-10
    spans about 0.6, so on the raw range nearly every user's top-10 holds ties.
    Clamping the never-recommended tail at a floor below the top-(K+L) scores of
    almost every calibration history gives the levels to the part that is ranked.
    The floor stays <= 0 because int8 ranges must contain zero.

    `floor`/`ceiling` are None (identity) until `calibrate_score_floor` sets them;
    they are config, not weights, so trained weights and caches do not depend on
    them. Under QAT (`fake_quant`, set by its QuantizeConfig) the output is
    fake-quantized on exactly [floor, ceiling], which the converter turns into the
    int8 output range.
    """

    def __init__(self, floor: float | None = None, ceiling: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.floor = floor
        self.ceiling = ceiling
        self.fake_quant = False

    def call(self, x: tf.Tensor) -> tf.Tensor:
        if self.floor is None:
            return tf.identity(x)
        y = tf.maximum(x, self.floor)
        if self.fake_quant:
            y = tf.quantization.fake_quant_with_min_max_args(y, self.floor, self.ceiling, num_bits=8)
        return y

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "floor": self.floor, "ceiling": self.ceiling}


class ItemPrior(keras.layers.Layer):
    """logits [.., N] -> logits + log q: a fixed (non-trainable) per-item log-popularity prior.

    A teacher scores h.e + log q (`teacher.popularity_prior`; builder.sampled for sampled
    softmax); q is set from the training targets when training starts (`set`), its scale is
    chosen on validation after training, and both are saved with the weights.
    """

    def __init__(self, num_items: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_items = num_items

    def build(self, input_shape: Any) -> None:
        self.log_q = self.add_weight(name="log_q", shape=(self.num_items,), initializer="zeros",
                                     trainable=False)
        super().build(input_shape)

    def set(self, log_q: np.ndarray) -> None:
        self.log_q.assign(log_q)

    def call(self, logits: tf.Tensor) -> tf.Tensor:
        return logits + self.log_q

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_items": self.num_items}


class LastStep(keras.layers.Layer):
    """[B, L, D] -> [B, D]: the representation after the most recent item."""

    def call(self, x: tf.Tensor) -> tf.Tensor:
        return x[:, -1, :]


class PaddingMask(keras.layers.Layer):
    """ids [B, L] -> float mask [B, L, 1] (1 for real items, 0 for padding)."""

    def call(self, ids: tf.Tensor) -> tf.Tensor:
        return tf.cast(tf.not_equal(ids, 0), tf.float32)[:, :, None]


class CausalPaddingAttentionMask(keras.layers.Layer):
    """ids [B, L] -> bool [B, L, L]: query i may attend key j <= i when j is not padding."""

    def call(self, ids: tf.Tensor) -> tf.Tensor:
        length = tf.shape(ids)[1]
        causal = tf.linalg.band_part(tf.ones((length, length), tf.bool), -1, 0)
        keys = tf.not_equal(ids, 0)[:, None, :]
        return tf.logical_and(causal[None, :, :], keys)


CUSTOM_OBJECTS = {
    "ItemEmbedding": ItemEmbedding,
    "SharedItemEmbedding": SharedItemEmbedding,
    "PositionEmbedding": PositionEmbedding,
    "LastStep": LastStep,
    "PassThrough": PassThrough,
    "BatchReshape": BatchReshape,
    "ScoreFloor": ScoreFloor,
    "PaddingMask": PaddingMask,
    "CausalPaddingAttentionMask": CausalPaddingAttentionMask,
}
