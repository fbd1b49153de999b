"""Custom Keras layers shared by the teacher and the student."""
from __future__ import annotations

from typing import Any

import numpy as np

from builder._keras import keras, tf, tfmot


class ItemEmbedding(keras.layers.Layer, tfmot.sparsity.keras.PrunableLayer):
    """One item table for input and output: gathers rows for int ids, scores float vectors.

    Called on int ids [..] -> embeddings [.., D]; called on float vectors [.., C]
    -> logits [.., N] = x @ table^T. Sharing the table halves the model and is
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
    (`lookup_range`, config like ScoreFloor's floor) right before conversion.
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

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        if inputs.dtype.is_integer:
            x = tf.gather(self.embeddings, inputs)
            if self.lookup_fake_quant:
                m = tf.stop_gradient(tf.reduce_max(tf.abs(self.embeddings)))
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


def freeze_lookup_ranges(model: keras.Model) -> int:
    """Set `lookup_range` = max |A_q @ B_q| of every QAT low-rank item table in `model`, from the
    int8-simulated weights the converter will store; returns how many were set. Training after it
    would keep the frozen range: call it right before conversion."""
    count = 0
    for layer in model.layers:
        inner = getattr(layer, "layer", layer)  # the layer inside a QuantizeWrapper
        if isinstance(inner, ItemEmbedding) and inner.rank and inner.lookup_fake_quant:
            inner.lookup_range = None
            layer(tf.zeros((1, 1), tf.int32), training=False)  # sets the quantized weights on `inner`
            product = np.asarray(inner.embeddings) @ np.asarray(inner.projection)
            inner.lookup_range = max(float(np.abs(product).max()), 1e-6)
            count += 1
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
    "PositionEmbedding": PositionEmbedding,
    "LastStep": LastStep,
    "PassThrough": PassThrough,
    "ScoreFloor": ScoreFloor,
    "PaddingMask": PaddingMask,
    "CausalPaddingAttentionMask": CausalPaddingAttentionMask,
}
