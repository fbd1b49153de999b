"""SASRec-style teacher: causal self-attention over the item history.

Trained with full-softmax cross-entropy over the catalog on every position
(the recipe behind the best published full-ranking SASRec numbers), or, for
large catalogs, sampled softmax (`teacher.negatives`, builder.sampled). The scores
carry a fixed log-popularity prior (`ItemPrior`, `teacher.popularity_prior`; always
with sampled softmax), so the table learns what differs from popularity. The item table is shared
between input and output (`teacher.tied`), or the history is read through a table of its own:
then an item's input row is free to point at the items that follow it, which a shared table
can only do through its one geometry.
"""
from __future__ import annotations

from dataclasses import dataclass

from builder._keras import keras, tf
from builder.config import TeacherConfig
from builder.models.layers import (CausalPaddingAttentionMask, ItemEmbedding, ItemPrior, LastStep,
                                   PaddingMask, PositionEmbedding)


@dataclass
class SequenceModel:
    """Two views on one set of weights: every position (training) and the last one (serving)."""

    sequence: keras.Model  # ids [B, L] -> logits [B, L, N]
    last: keras.Model  # ids [B, L] -> logits [B, N]
    hidden: keras.Model | None = None  # ids [B, L] -> [B, L, C], the vectors `items` scores (sampled softmax)
    prior: ItemPrior | None = None  # the scores' fixed log-popularity prior (teacher.popularity_prior)
    items: keras.layers.Layer | None = None  # the scoring layer (possibly wrapped): (hidden, ids [U]) -> [B, L, U]

    def candidate_logits(self, x: tf.Tensor, ids: tf.Tensor, training: bool) -> tf.Tensor:
        """The training view's logits [B, L, U] for the candidate items `ids` [U] only."""
        return self.score_candidates(self.hidden(x, training=training), ids)

    def score_candidates(self, hidden: tf.Tensor, ids: tf.Tensor) -> tf.Tensor:
        """Hidden vectors [B, L, C] (the `hidden` view's output) -> logits [B, L, U] for `ids` [U]."""
        z = self.items((hidden, ids))
        return z + tf.gather(self.prior.log_q, ids) if self.prior is not None else z

    def count_params(self) -> int:
        return int(self.last.count_params())


def build_teacher(num_items: int, max_len: int, cfg: TeacherConfig) -> SequenceModel:
    ids = keras.Input((max_len,), dtype="int32", name="history")
    items = ItemEmbedding(num_items, cfg.dim, scale=True, name="items")  # the scoring table
    lookup = items if cfg.tied else ItemEmbedding(num_items, cfg.dim, scale=True, name="input_items")
    mask = PaddingMask(name="padding_mask")(ids)
    attn_mask = CausalPaddingAttentionMask(name="attention_mask")(ids)
    x = lookup(ids)
    x = PositionEmbedding(max_len, cfg.dim, name="positions")(x)
    x = keras.layers.Dropout(cfg.dropout)(x)
    x = keras.layers.Multiply()([x, mask])
    for b in range(cfg.blocks):
        q = keras.layers.LayerNormalization(epsilon=1e-6, name=f"block{b}_ln_attn")(x)
        a = keras.layers.MultiHeadAttention(cfg.heads, cfg.dim // cfg.heads, dropout=cfg.dropout,
                                            name=f"block{b}_attention")(q, x, x, attention_mask=attn_mask)
        x = keras.layers.Add()([q, keras.layers.Dropout(cfg.dropout)(a)])
        y = keras.layers.LayerNormalization(epsilon=1e-6, name=f"block{b}_ln_ffn")(x)
        y = keras.layers.Dense(cfg.dim, activation="relu", name=f"block{b}_ffn1")(y)
        y = keras.layers.Dropout(cfg.dropout)(y)
        y = keras.layers.Dense(cfg.dim, name=f"block{b}_ffn2")(y)
        x = keras.layers.Add()([x, keras.layers.Dropout(cfg.dropout)(y)])
        x = keras.layers.Multiply()([x, mask])
    h = keras.layers.LayerNormalization(epsilon=1e-6, name="final_ln")(x)
    prior = ItemPrior(num_items, name="item_prior") if cfg.scores_with_prior else None
    scores = prior if prior is not None else (lambda logits: logits)
    seq = keras.Model(ids, scores(items(h)), name="teacher_sequence")
    last = keras.Model(ids, scores(items(LastStep(name="last")(h))), name="teacher")
    return SequenceModel(seq, last, keras.Model(ids, h, name="teacher_hidden"), prior, items)
