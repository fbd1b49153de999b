"""Sampled softmax: next-item training whose cost per step grows with the negatives, not the catalog.

Full-softmax CE scores every position against all N items: [B, L, N] logits and their
gradient per step, which is the whole cost at 10^5-10^6 items. Here each batch scores
its positions against their own targets and K negatives shared by the batch, drawn
with replacement from q = the training popularity (+1 smoothing, so that every item
can be drawn).

A model trained this way scores z_j = h.e_j + log q_j: a fixed log-popularity prior
(`ItemPrior`, set from the same q) plus the learned dot product. The negatives'
logits are logQ-corrected, z_k - log(K q_k) = h.e_k - log K (Bengio and Senecal 2008;
Yi et al., RecSys 2019), so that sum_k exp(.) is an unbiased estimate of the partition
function over the other items; a negative that equals the position's target (an
accidental hit) is masked, and the target keeps its own logit z_y. The loss
log(exp(z_y) + sum_k exp(z_k - log(K q_k))) - z_y then approaches the full-softmax CE
of z (and its gradient the full gradient) as K grows. Validation still ranks the full
catalog by z, so early stopping sees the real metric.

Why the prior: without it the network must carry popularity (several nats between head
and tail) in h.e, with h layer-normalised. Trained that way at 5.4K items the teacher
stayed at the popularity level (validation NDCG@10 ~0.066 for 45 epochs) under the same
corrected loss; with the prior, h.e only models what popularity does not explain, and
the same run learns (benchmarks/results/sampled_softmax.md). After training, validation
chooses the prior's scale (builder.training.choose_prior_scale).
"""
from __future__ import annotations

import numpy as np

from builder._keras import tf


def log_popularity(targets: np.ndarray, num_items: int) -> np.ndarray:
    """log q over the items: training-target counts +1, normalised; padding (0) gets log(1e-30)."""
    counts = np.bincount(targets.ravel(), minlength=num_items)[:num_items].astype(np.float64) + 1.0
    counts[0] = 0.0  # padding is never an item
    q = counts / counts.sum()
    return np.log(np.maximum(q, 1e-30)).astype(np.float32)


class NegativeSampler:
    """K negatives per call, drawn with replacement from q = exp(log_q).

    A draw is returned as its distinct items and, for each, the offset the loss adds to its h.e:
    its prior, logQ correction and multiplicity, log q - log(K q) + log(count) = log(count / K)
    (so that scoring each distinct item once is the same estimate as scoring every draw). The distinct
    items are padded (id 0, offset -1e9) to a multiple of `PAD`, which bounds the shapes a
    compiled step sees; with a skewed q, K draws hold far fewer than K distinct items.
    """

    PAD = 256

    def __init__(self, log_q: np.ndarray, negatives: int, seed: int) -> None:
        if not 1 <= negatives:
            raise ValueError(f"negatives must be >= 1 (got {negatives})")
        q = np.exp(log_q.astype(np.float64))
        q[0] = 0.0
        self.log_q = log_q  # the prior of the model the draws are for
        self.negatives = negatives
        self.cdf = np.cumsum(q)
        self.rng = np.random.default_rng(seed)

    def expected_distinct(self) -> float:
        """The expected number of distinct items in one draw: sum_j 1 - (1 - q_j)^K."""
        q = np.diff(self.cdf, prepend=0.0) / self.cdf[-1]
        return float(np.sum(1.0 - (1.0 - q) ** self.negatives))

    def draw_items(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct ids, counts): one draw of K items."""
        u = self.rng.random(self.negatives) * self.cdf[-1]
        ids = np.clip(np.searchsorted(self.cdf, u, side="right"), 1, len(self.cdf) - 1)
        return np.unique(ids, return_counts=True)

    def draw(self) -> tuple[tf.Tensor, tf.Tensor]:
        """(ids [U'], offsets [U']): the distinct drawn items, padded to a multiple of PAD."""
        ids, counts = self.draw_items()
        return padded(ids, np.log(counts / self.negatives))


def padded(ids: np.ndarray, offsets: np.ndarray) -> tuple[tf.Tensor, tf.Tensor]:
    """ids and their offsets padded to a multiple of NegativeSampler.PAD (id 0, offset -1e9)."""
    pad = -(-len(ids) // NegativeSampler.PAD) * NegativeSampler.PAD - len(ids)
    return (tf.constant(np.concatenate([ids, np.zeros(pad, np.int64)]).astype(np.int32)),
            tf.constant(np.concatenate([offsets, np.full(pad, -1e9)]).astype(np.float32)))


class CandidateSampler:
    """The candidate set a student batch is trained and distilled on (builder.training, `candidates`).

    Per batch: every target item of the batch, every position's top-k items by the teacher
    (`hard`, precomputed once: builder.top_items.teacher_top_items) and K items drawn from the
    training popularity, as one set of distinct items U shared by the batch's positions. Student and teacher are both
    scored on U only, and the loss is the usual alpha * CE + (1 - alpha) * T^2 * KL with the
    softmax taken over U: matching the teacher's distribution on U for every batch's U is
    matching its logit differences, so the student learns the teacher's full ranking without ever
    scoring the full catalog. The hard-label part is the CE of the target among U (uncorrected:
    with the teacher's share at 1 - alpha it is the small term; the no-teacher ablation trains on
    it alone). The teacher's top items are where its soft labels put their mass: without them
    (targets + 2,048 draws, 5.4K items) KD on U stalled at the student's initial validation
    NDCG@10 while the same code with U = the whole catalog tracked full-catalog KD. The targets
    are the items users actually go to next, the drawn ones the popular items every position
    must rank against.
    """

    def __init__(self, log_q: np.ndarray, negatives: int, seed: int, cap: int = 0) -> None:
        self.sampler = NegativeSampler(log_q, negatives, seed)
        self.cap = cap

    def draw(self, targets: np.ndarray, hard: np.ndarray | None = None) -> tuple[tf.Tensor, tf.Tensor, np.ndarray]:
        """(ids [U'], offsets [U'] (0, or -1e9 for padding), sorted real ids [U]) for the batch's
        `targets` [B, L] and `hard` items (the teacher's top items of its positions); `labels`
        turns targets into positions in U."""
        drawn, _ = self.sampler.draw_items()
        ids = np.union1d(drawn, targets.ravel())
        ids = ids[ids > 0]  # padding is never a candidate
        if hard is not None:
            ids = np.union1d(ids, self.top_shared(hard, ids))
        return (*padded(ids, np.zeros(len(ids))), ids)

    def top_shared(self, hard: np.ndarray, kept: np.ndarray) -> np.ndarray:
        """The teacher's top items that join a set already holding `kept`: all of them without a
        cap; with one, those the most positions of the batch have in their top-k, while the set
        has room (the targets and draws are never dropped, so a set may exceed a cap they fill)."""
        items, counts = np.unique(hard.ravel(), return_counts=True)
        new = ~np.isin(items, kept) & (items > 0)
        items, counts = items[new], counts[new]
        room = len(items) if not self.cap else max(0, self.cap - len(kept))
        if room >= len(items):
            return items
        return items[np.argsort(-counts, kind="stable")[:room]]

    @staticmethod
    def labels(ids: np.ndarray, targets: np.ndarray) -> tf.Tensor:
        """targets [B, L] -> their positions in the sorted candidate ids (padding positions: 0)."""
        return tf.constant(np.where(targets > 0, np.searchsorted(ids, targets), 0).astype(np.int32))


def sampled_loss(hidden: tf.Tensor, table: tf.Tensor, targets: tf.Tensor, negatives: tf.Tensor,
                 offsets: tf.Tensor, log_q: tf.Tensor, denom: tf.Tensor) -> tf.Tensor:
    """logQ-corrected sampled softmax CE of z = h.e + log q, summed over non-padding positions and
    divided by `denom`.

    hidden [B, L, C] (the vectors the scoring multiplies), table [N, C] (the scoring rows),
    targets [B, L] (0 = padding), negatives [U] distinct drawn item ids and offsets [U] their
    log(count / K) (NegativeSampler.draw), log_q [N] (the model's prior).
    """
    pos_rows = tf.gather(table, targets)  # [B, L, C]
    pos = tf.reduce_sum(hidden * pos_rows, axis=-1) + tf.gather(log_q, targets)  # z_y, [B, L]
    neg = tf.einsum("blc,kc->blk", hidden, tf.gather(table, negatives)) + offsets
    hit = tf.equal(targets[:, :, None], negatives[None, None, :])
    neg = tf.where(hit, tf.fill(tf.shape(neg), -1e9), neg)
    logits = tf.concat([pos[:, :, None], neg], axis=-1)
    ce = tf.reduce_logsumexp(logits, axis=-1) - pos
    mask = tf.cast(targets > 0, tf.float32)
    return tf.reduce_sum(ce * mask) / denom
