"""Non-neural baselines scored with the same evaluator: most-popular and item transitions."""
from __future__ import annotations

import numpy as np


class MostPopular:
    """Scores every item by its training interaction count."""

    name = "most_popular"

    def __init__(self, train_sequences: list[np.ndarray], num_items: int) -> None:
        counts = np.bincount(np.concatenate(train_sequences), minlength=num_items).astype(np.float32)
        counts[0] = 0
        self.scores = counts

    def __call__(self, histories: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.scores, (len(histories), len(self.scores))).copy()


class ItemTransition:
    """First-order Markov chain: score(j | last item i) = count(i -> j), popularity breaks ties.

    Transitions are counted over consecutive training interactions and stored as
    CSR arrays, so it scales to large catalogs without a dense N x N matrix.
    """

    name = "item_transition"

    def __init__(self, train_sequences: list[np.ndarray], num_items: int) -> None:
        self.rows, self.cols, counts = transition_counts(train_sequences, num_items)
        self.counts = counts.astype(np.float32)
        self.indptr = np.searchsorted(self.rows, np.arange(num_items + 1))
        pop = MostPopular(train_sequences, num_items).scores
        self.tie_break = pop / (pop.max() + 1.0)  # in [0, 1): never outweighs one transition

    def __call__(self, histories: np.ndarray) -> np.ndarray:
        out = np.broadcast_to(self.tie_break, (len(histories), len(self.tie_break))).copy()
        for r, last in enumerate(histories[:, -1]):
            if last > 0:
                a, b = self.indptr[last], self.indptr[last + 1]
                out[r, self.cols[a:b]] += self.counts[a:b]
        return out


def transition_counts(train_sequences: list[np.ndarray], num_items: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive pairs (i -> j) of the training sequences: (rows i, cols j, counts), sorted by
    (i, j); empty arrays when no sequence has two items."""
    seqs = [s for s in train_sequences if len(s) > 1]
    if not seqs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    src = np.concatenate([s[:-1] for s in seqs]).astype(np.int64)
    dst = np.concatenate([s[1:] for s in seqs]).astype(np.int64)
    pairs, counts = np.unique(src * num_items + dst, return_counts=True)
    return pairs // num_items, pairs % num_items, counts
