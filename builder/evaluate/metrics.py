"""Full-ranking next-item metrics with exact handling of tied scores.

For each user the target's rank is described by `greater` (items scored
strictly above it) and `ties` (other items with exactly its score), after
excluding padding and the items already in the user's history. Quantized
models produce many ties; rather than breaking them in the model's favour we
report the expectation under a uniformly random tie-break: the target is
equally likely to sit at any 0-based rank in [greater, greater + ties].
"""
from __future__ import annotations

import numpy as np

METRIC_NAMES = ("hr@10", "hr@20", "ndcg@10", "ndcg@20", "mrr")


def target_ranks(scores: np.ndarray, targets: np.ndarray,
                 exclude: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(greater, ties) per row of `scores` [B, N] for `targets` [B].

    `exclude[i]` lists the item indices never ranked for row i (its history);
    index 0 (padding) is always excluded. The target itself is never excluded.
    """
    s = np.array(scores, dtype=np.float64, copy=True)
    s[:, 0] = -np.inf
    rows = np.arange(len(targets))
    tgt = s[rows, targets].copy()
    for i, ex in enumerate(exclude):
        if len(ex):
            s[i, ex] = -np.inf
    s[rows, targets] = tgt
    if not np.all(np.isfinite(tgt)):
        bad = int(np.argmax(~np.isfinite(tgt)))
        raise ValueError(f"non-finite score for the target of row {bad}: {tgt[bad]}")
    greater = (s > tgt[:, None]).sum(axis=1)
    ties = (s == tgt[:, None]).sum(axis=1) - 1
    return greater.astype(np.int64), ties.astype(np.int64)


def top_k_stable(scores: np.ndarray, k: int) -> np.ndarray:
    """The k best columns of each row of `scores` [B, N], best first; equal scores in column
    order: the first k of a stable argsort of -scores, without sorting the whole catalog.

    A partition finds each row's k-th best score; only the columns at or above it are sorted
    (at 722K items a full stable sort of 23 rows took 1.65 s, the partition 0.04 s)."""
    n = scores.shape[1]
    k = min(k, n)
    if k >= n or k == 0:
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    kth = np.take_along_axis(scores, part, axis=1).min(axis=1)
    out = np.empty((len(scores), k), dtype=np.int64)
    for i, row in enumerate(scores):
        cand = np.flatnonzero(row >= kth[i])  # the k best and every column tied with the k-th
        out[i] = cand[np.argsort(-row[cand], kind="stable")[:k]]
    return out


def _harmonic(n: np.ndarray) -> np.ndarray:
    """H(n) = sum_{j=1..n} 1/j for integer arrays (exact cumsum up to max n)."""
    n = np.asarray(n, dtype=np.int64)
    top = int(n.max()) if n.size else 0
    h = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, top + 1))])
    return h[n]


def per_user_metrics(greater: np.ndarray, ties: np.ndarray) -> dict[str, np.ndarray]:
    """Per-user HR@10/20, NDCG@10/20 and MRR, expected under random tie-breaking."""
    g = np.asarray(greater, dtype=np.int64)
    t = np.asarray(ties, dtype=np.int64)
    span = (t + 1).astype(np.float64)
    out: dict[str, np.ndarray] = {}
    for k in (10, 20):
        hits = np.clip(np.minimum(g + t + 1, k) - g, 0, None)
        out[f"hr@{k}"] = hits / span
        ranks = np.arange(k)
        inside = (ranks[None, :] >= g[:, None]) & (ranks[None, :] <= (g + t)[:, None])
        gains = 1.0 / np.log2(ranks + 2.0)
        out[f"ndcg@{k}"] = (inside * gains[None, :]).sum(axis=1) / span
    # mean of 1/(r+1) for r in [g, g+t] = (H(g+t+1) - H(g)) / (t+1)
    out["mrr"] = (_harmonic(g + t + 1) - _harmonic(g)) / span
    return {k: out[k] for k in METRIC_NAMES}


def top_k_overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-row fraction of shared ids between two top-K id matrices [B, K]."""
    k = a.shape[1]
    return np.array([len(set(x.tolist()) & set(y.tolist())) / k for x, y in zip(a, b)])
