"""Sampled softmax: next-item training whose cost per step grows with the negatives, not the catalog.

Full-softmax CE scores every position against all N items: [B, L, N] logits and their
gradient per step, which is the whole cost at 10^5-10^6 items. Here each batch scores
its positions against their own targets and K negatives shared by the batch, drawn
with replacement from q = the training popularity (+1 smoothing, so that every item
can be drawn). The negatives' logits are logQ-corrected, o_j = s_j - log(K q_j)
(Bengio and Senecal 2008; Yi et al., RecSys 2019), so that sum_k exp(o_k) is an
unbiased estimate of the partition function over the other items; a negative that
equals the position's target (an accidental hit) is masked, and the target keeps its
own logit. The loss log(exp(s_y) + sum_k exp(o_k)) - s_y then approaches the full
softmax CE (and its gradient the full gradient) as K grows, whatever the proposal. Validation still ranks the full
catalog, so early stopping sees the real metric.
"""
from __future__ import annotations

import numpy as np

from builder._keras import tf


class NegativeSampler:
    """K negatives per call, drawn with replacement from smoothed training popularity."""

    def __init__(self, targets: np.ndarray, num_items: int, negatives: int, seed: int) -> None:
        if not 1 <= negatives:
            raise ValueError(f"negatives must be >= 1 (got {negatives})")
        counts = np.bincount(targets.ravel(), minlength=num_items)[:num_items].astype(np.float64) + 1.0
        counts[0] = 0.0  # padding is never an item
        q = counts / counts.sum()
        self.negatives = negatives
        self.cdf = np.cumsum(q)
        with np.errstate(divide="ignore"):
            log_kq = np.where(q > 0, np.log(negatives * q), 0.0)
        self.log_kq = tf.constant(log_kq, tf.float32)  # [N]: the correction of every item
        self.rng = np.random.default_rng(seed)

    def draw(self) -> tf.Tensor:
        u = self.rng.random(self.negatives) * self.cdf[-1]
        ids = np.searchsorted(self.cdf, u, side="right")
        return tf.constant(np.clip(ids, 1, len(self.cdf) - 1).astype(np.int32))


def sampled_loss(hidden: tf.Tensor, table: tf.Tensor, targets: tf.Tensor, negatives: tf.Tensor,
                 log_kq: tf.Tensor, denom: tf.Tensor) -> tf.Tensor:
    """logQ-corrected sampled softmax CE, summed over non-padding positions and divided by `denom`.

    hidden [B, L, C] (the vectors the scoring multiplies), table [N, C] (the scoring rows),
    targets [B, L] (0 = padding), negatives [K] item ids, log_kq [N] = log(K q).
    """
    pos_rows = tf.gather(table, targets)  # [B, L, C]
    pos = tf.reduce_sum(hidden * pos_rows, axis=-1)  # [B, L]
    neg = tf.einsum("blc,kc->blk", hidden, tf.gather(table, negatives)) - tf.gather(log_kq, negatives)
    hit = tf.equal(targets[:, :, None], negatives[None, None, :])
    neg = tf.where(hit, tf.fill(tf.shape(neg), -1e9), neg)
    logits = tf.concat([pos[:, :, None], neg], axis=-1)
    ce = tf.reduce_logsumexp(logits, axis=-1) - pos
    mask = tf.cast(targets > 0, tf.float32)
    return tf.reduce_sum(ce * mask) / denom
