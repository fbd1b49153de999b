"""The transition head: a sparse item-to-item table added to a model's scores, inside the .tflite.

A dot-product model scores item j as h . e_j: a low-rank map. What follows an item in the logs
is often not low-rank: accessories, the next episode, items bought together. The item-transition
baseline reads those pairs directly, and on catalogs where they carry most of the signal it is
level with every model we train (benchmarks/results/robustness.md). The head gives the shipped
model the same reading, at a size the build controls:

    score(j | history) = model(history)_j + weight * boost(last item, j)

`boost(i, j) = log(1 + count(i -> j) / (smoothing * p_j))` for the `size` successors j of item i
counted most often in the training sequences (p: smoothed training popularity), 0 for every
other item: a pointwise-mutual-information bonus for seen transitions, small for popular items
that follow everything, 0 where the data says nothing. The table is stored as successor ids
(int16, or int32 for catalogs above 32,767 items) and boosts (uint8 with one scale), so it costs
size x 3 (or 5) bytes per item. Its size, smoothing and weight are chosen on validation against
the model without it, with paired CIs: a catalog where transitions add nothing (or where too
few validation users say so) ships no head.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from builder.data.dataset import EvalSplit, pad_left
from builder.evaluate.bootstrap import Bootstrap
from builder.evaluate.metrics import per_user_metrics, target_ranks
from builder.models.baselines import MostPopular, transition_counts


@dataclass(frozen=True)
class TransitionTable:
    """Each item's `size` strongest successors and their (float) boosts; row 0 (padding) is empty."""

    ids: np.ndarray  # int64 [N, size]; unused slots hold 0 (the padding item) with boost 0
    boost: np.ndarray  # float32 [N, size]
    smoothing: float


@dataclass(frozen=True)
class TransitionHead:
    """A table quantized for the .tflite: score += scale * codes[last, k] at ids[last, k]."""

    ids: np.ndarray  # int16 or int32 [N, size]
    codes: np.ndarray  # uint8 [N, size]
    scale: float  # weight x the boosts' quantization step
    smoothing: float
    weight: float

    @property
    def size(self) -> int:
        return int(self.ids.shape[1])

    @property
    def nbytes(self) -> int:
        return int(self.ids.nbytes + self.codes.nbytes)

    def scores(self, histories: np.ndarray) -> np.ndarray:
        """float32 [B, N]: the head's part of the scores for left-padded histories [B, L]."""
        return head_scores(histories, self.ids, self.codes.astype(np.float32) * np.float32(self.scale))

    def describe(self) -> dict[str, float | int]:
        return {"size": self.size, "smoothing": self.smoothing, "weight": self.weight,
                "scale": self.scale, "bytes": self.nbytes}


@dataclass(frozen=True)
class Transitions:
    """The training sequences' consecutive pairs (i -> j) and counts, and the smoothed popularity
    p: counted once, then cut into tables of any size and smoothing."""

    rows: np.ndarray
    cols: np.ndarray
    counts: np.ndarray
    p: np.ndarray  # float64 [N]: (training count + 1), normalised
    num_items: int

    @classmethod
    def count(cls, train_sequences: list[np.ndarray], num_items: int) -> "Transitions":
        rows, cols, counts = transition_counts(train_sequences, num_items)
        pop = MostPopular(train_sequences, num_items).scores.astype(np.float64)  # padding's count is 0
        return cls(rows, cols, counts, (pop + 1.0) / (pop + 1.0).sum(), num_items)

    def table(self, size: int, smoothing: float) -> TransitionTable:
        """Each item's `size` most frequent successors (ties: the larger boost, then the lower
        id), vectorised over the catalog."""
        ids = np.zeros((self.num_items, size), dtype=np.int64)
        boost = np.zeros((self.num_items, size), dtype=np.float32)
        b = np.log1p(self.counts / (smoothing * self.p[self.cols]))
        order = np.lexsort((self.cols, -b, -self.counts, self.rows))  # by row, then count, boost and id
        rows, cols, b = self.rows[order], self.cols[order], b[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows, side="left")
        top = rank < size
        ids[rows[top], rank[top]] = cols[top]
        boost[rows[top], rank[top]] = b[top]
        return TransitionTable(ids, boost, smoothing)


def transition_table(train_sequences: list[np.ndarray], num_items: int, size: int,
                     smoothing: float) -> TransitionTable:
    """Count consecutive pairs in the training sequences; keep each item's `size` most frequent
    successors (Transitions.table)."""
    return Transitions.count(train_sequences, num_items).table(size, smoothing)


def quantize(table: TransitionTable, weight: float) -> TransitionHead:
    """uint8 codes with one scale (the largest boost -> 255); int16 ids where the catalog fits."""
    top = float(table.boost.max()) if table.boost.size else 0.0
    step = top / 255.0 if top > 0 else 1.0
    codes = np.clip(np.round(table.boost / step), 0, 255).astype(np.uint8)
    return TransitionHead(table.ids.astype(id_type(len(table.ids))), codes, float(weight * step), table.smoothing, float(weight))


def head_scores(histories: np.ndarray, ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """float32 [B, N]: values[last, k] added at ids[last, k] (padding's row and column stay 0)."""
    out = np.zeros((len(histories), len(ids)), dtype=np.float32)
    last = histories[:, -1].astype(np.int64)
    rows = np.arange(len(histories))[:, None]
    np.add.at(out, (rows, ids[last].astype(np.int64)), values[last])
    out[:, 0] = 0.0
    return out


def id_type(num_items: int) -> type:
    """The successor ids' dtype: int16 where the catalog fits it, else int32."""
    return np.int16 if num_items <= np.iinfo(np.int16).max + 1 else np.int32


# what a head adds to a .tflite besides its table: its ops and tensors in both signatures
# (measured: 4,013 B at 1,349 items and 4,028-4,029 B at 5,739 items, QAT int8, sizes 4 and 16)
GRAPH_BYTES = 4096


def table_bytes(num_items: int, size: int) -> int:
    """Bytes of a head of `size` successors per item in the .tflite's constants (ids + codes)."""
    return num_items * size * (1 + np.dtype(id_type(num_items)).itemsize)


def file_bytes(num_items: int, size: int) -> int:
    """About what a head of `size` adds to a .tflite (its table and GRAPH_BYTES); the exported
    file's exact size is what budgets are checked against."""
    return table_bytes(num_items, size) + GRAPH_BYTES


@dataclass(frozen=True)
class HeadChoice:
    """What validation said: every candidate's NDCG@10 and the winner (None: no head)."""

    head: TransitionHead | None
    without: float  # the model's validation NDCG@10 without a head
    best: float  # the chosen candidate's (== without when none is chosen)
    tried: list[dict[str, float]]


def choose_head(scorer, split: EvalSplit, max_len: int, train_sequences: list[np.ndarray],
                num_items: int, sizes: tuple[int, ...], smoothings: tuple[float, ...],
                weights: tuple[float, ...], boot: Bootstrap, batch_size: int = 256) -> HeadChoice:
    """Every (size, smoothing, weight) on `split` (validation), in one pass over its users: the
    model's scores are computed once per batch and every candidate head is added to them.

    Bytes are not spent on noise: of the sizes whose best candidate beats the model alone with a
    paired bootstrap CI (`boot`, over the split's users) above 0, the smallest one that is not
    significantly worse than the best candidate overall wins; otherwise no head."""
    transitions = Transitions.count(train_sequences, num_items)  # one pass over the pairs
    tables = [transitions.table(k, a) for k in sorted(set(sizes)) for a in smoothings]
    heads = [quantize(t, w) for t in tables for w in sorted(weights)]
    per_user: list[list[np.ndarray]] = [[] for _ in range(len(heads) + 1)]
    for start in range(0, len(split), batch_size):
        hist = split.histories[start:start + batch_size]
        tgt = split.targets[start:start + batch_size]
        x = pad_left(hist, max_len)
        base = np.asarray(scorer(x), dtype=np.float32)
        for i, h in enumerate([None, *heads]):
            s = base if h is None else base + h.scores(x)
            per_user[i].append(per_user_metrics(*target_ranks(s, tgt, hist))["ndcg@10"])
    ndcg = [np.concatenate(p) if p else np.zeros(0) for p in per_user]
    without, candidates = ndcg[0], list(zip(heads, ndcg[1:]))
    tried = [{**h.describe(), "val_ndcg@10": float(v.mean())} for h, v in candidates]
    top = max(candidates, key=lambda hv: hv[1].mean())[1]
    for size in sorted(set(sizes)):
        head, v = max(((h, v) for h, v in candidates if h.size == size), key=lambda hv: hv[1].mean())
        if boot.paired(v, without)["ci_low"] > 0 and boot.paired(v, top)["ci_high"] >= 0:
            return HeadChoice(head, float(without.mean()), float(v.mean()), tried)
    return HeadChoice(None, float(without.mean()), float(without.mean()), tried)
