"""From raw interactions to per-user chronological sequences with a leave-one-out split.

Model indices: 0 is padding, items are 1..n_items in the order of their original
ids (numeric ids sorted numerically). For each user (chronological, ties broken
by the order of the source lines), the last item is the test target and the one
before it the validation target; everything before is training data.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from builder.config import DataConfig
from builder.data.loaders import DataError, Interactions, load_interactions
from builder.io import write_json_atomic


@dataclass(frozen=True)
class EvalSplit:
    """Histories (model indices, chronological) and one target per user."""

    histories: list[np.ndarray]
    targets: np.ndarray  # int32 [U]

    def __len__(self) -> int:
        return len(self.targets)

    def subset(self, idx: np.ndarray) -> "EvalSplit":
        return EvalSplit([self.histories[i] for i in idx], self.targets[idx])

    def sample(self, users: int | None, seed: int) -> "EvalSplit":
        """A random subset of `users` users (in their order; all of them when None or more): the
        same users for the same seed and size, so validation and test sample the same people."""
        if users is None or users >= len(self):
            return self
        return self.subset(np.sort(np.random.default_rng(seed).choice(len(self), users, replace=False)))


@dataclass(frozen=True)
class SequenceDataset:
    item_ids: list[str]  # index -> original id; [0] is "" (padding)
    titles: list[str]
    genres: list[tuple[str, ...]]
    user_ids: list[str]
    sequences: list[np.ndarray]  # per user, int32 model indices, chronological
    source: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def num_items(self) -> int:
        """Vocabulary size including the padding index 0."""
        return len(self.item_ids)

    def train_sequences(self) -> list[np.ndarray]:
        return [s[:-2] for s in self.sequences]

    def validation(self) -> EvalSplit:
        return EvalSplit([s[:-2] for s in self.sequences],
                         np.array([s[-2] for s in self.sequences], dtype=np.int32))

    def test(self) -> EvalSplit:
        return EvalSplit([s[:-1] for s in self.sequences],
                         np.array([s[-1] for s in self.sequences], dtype=np.int32))

    def popularity(self) -> np.ndarray:
        """Interaction counts per model index over the training part (index 0 = 0)."""
        counts = np.bincount(np.concatenate(self.train_sequences()), minlength=self.num_items)
        counts[0] = 0
        return counts

    def vocabulary(self) -> list[dict[str, Any]]:
        return [{"index": i, "id": self.item_ids[i], "title": self.titles[i],
                 "genres": list(self.genres[i])} for i in range(1, self.num_items)]

    def save_vocabulary(self, path: Path) -> None:
        write_json_atomic(path, {"source": self.source, "num_items": self.num_items,
                                 "stats": self.stats, "items": self.vocabulary()})

    def fingerprint(self) -> str:
        """Hash of the sequences and vocabulary: a stage cache key part."""
        import hashlib

        h = hashlib.sha256()
        h.update(json.dumps(self.item_ids).encode())
        for s in self.sequences:
            h.update(s.tobytes())
            h.update(b"|")
        return h.hexdigest()[:16]


def _sort_key_ids(ids: np.ndarray) -> np.ndarray:
    """Order original ids numerically when they all are integers, else lexicographically."""
    try:
        return np.argsort(ids.astype(np.int64), kind="stable")
    except (ValueError, OverflowError):
        return np.argsort(ids, kind="stable")


def _codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per-row codes (int32) into the distinct values (object array) of an id column."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int32, copy=False), np.asarray(col.cat.categories, dtype=object)
    codes, uniques = pd.factorize(col)
    return codes.astype(np.int32, copy=False), np.asarray(uniques, dtype=object)


def k_core(users: np.ndarray, items: np.ndarray, min_user: int, min_item: int) -> np.ndarray:
    """Positions of the events that survive iteratively dropping items with fewer than
    `min_item` events, then users with fewer than `min_user`, until stable (ascending)."""
    pos = np.arange(len(users), dtype=np.int32 if len(users) < 2**31 else np.int64)
    n_users, n_items = int(users.max(initial=-1)) + 1, int(items.max(initial=-1)) + 1
    while True:
        n = len(pos)
        counts = np.bincount(items, minlength=n_items)
        if (counts[counts > 0] < min_item).any():  # a pass over the events only when some go
            keep = counts[items] >= min_item
            pos, users, items = pos[keep], users[keep], items[keep]
        counts = np.bincount(users, minlength=n_users)
        if (counts[counts > 0] < min_user).any():
            keep = counts[users] >= min_user
            pos, users, items = pos[keep], users[keep], items[keep]
        if len(pos) == n:
            return pos


def sample_users(num_users: int, fraction: float, seed: int) -> np.ndarray | None:
    """Ranks (in sorted user-id order) of a seeded random `fraction` of the users; None: all."""
    if fraction >= 1.0:
        return None
    return np.random.default_rng(seed).choice(num_users, max(1, round(fraction * num_users)), replace=False)


def _radix_order(keys: list[np.ndarray]) -> np.ndarray:
    """Stable order by the non-negative integer `keys` (most significant first): LSD radix sort,
    16 bits a pass (NumPy's stable sort of uint16 is a radix sort: linear, unlike int64's)."""
    order: np.ndarray | None = None
    for key in reversed(keys):
        bits = int(key.max(initial=0)).bit_length()
        for shift in range(0, max(bits, 1), 16):
            digit = key if order is None else key[order]
            digit = ((digit >> shift) & 0xFFFF).astype(np.uint8 if bits - shift <= 8 else np.uint16)
            step = np.argsort(digit, kind="stable")
            order = step if order is None else order[step]
    return order if order is not None else np.zeros(0, dtype=np.int64)


def _by_user_then_time(user: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Stable order by (user, time); a log already in time order needs only the user passes."""
    if len(time) == 0 or (time[1:] >= time[:-1]).all():
        return _radix_order([user])
    t = time.view(np.uint64) - np.uint64(time.min().view(np.uint64))  # time - min, without overflow
    return _radix_order([user, t])


def _drop_duplicates(user: np.ndarray, item: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Mask keeping the first of each (user, item, time), for rows already in (user, time, row) order:
    duplicates can only sit inside a run of equal (user, time)."""
    keep = np.ones(len(user), dtype=bool)
    tie = (user[1:] == user[:-1]) & (time[1:] == time[:-1])
    if not tie.any():
        return keep
    pos = np.flatnonzero(np.concatenate(([False], tie)) | np.concatenate((tie, [False])))
    run = np.cumsum(np.concatenate(([True], ~tie[pos[1:] - 1])))  # tie runs, numbered along `pos`
    perm = np.lexsort((item[pos], run))  # stable: equal (run, item) stay in row order
    pos, run = pos[perm], run[perm]
    dup = (run[1:] == run[:-1]) & (item[pos[1:]] == item[pos[:-1]])
    keep[pos[1:][dup]] = False
    return keep


def build_dataset(inter: Interactions, cfg: DataConfig, seed: int = 0) -> SequenceDataset:
    """User sample, implicit feedback, duplicates, k-core, chronological sequences, vocabulary.

    Vectorised over the events (integer codes of the ids, one radix sort); the result is what
    the row-wise pandas version gave: users in sorted id order, items by `_sort_key_ids` of
    their first appearance, each sequence by (timestamp, source line)."""
    ev = inter.events
    n_raw = len(ev)
    ucodes, uvalues = _codes(ev["user"])
    icodes, ivalues = _codes(ev["item"])
    ts = ev["timestamp"].to_numpy(dtype=np.int64)
    line = ev["line"].to_numpy()
    present = np.flatnonzero(np.bincount(ucodes, minlength=len(uvalues)))
    by_id = present[np.argsort(uvalues[present], kind="stable")]  # distinct users, sorted by id
    rank = np.zeros(len(uvalues), dtype=np.int32)
    rank[by_id] = np.arange(len(by_id), dtype=np.int32)
    user, item, time = rank[ucodes], icodes, ts
    rows = np.arange(n_raw, dtype=np.int32 if n_raw < 2**31 else np.int64)
    mask = None
    sampled = sample_users(len(by_id), cfg.user_fraction, seed)
    if sampled is not None:
        chosen = np.zeros(len(by_id), dtype=bool)
        chosen[sampled] = True
        mask = chosen[user]
    if cfg.rating_threshold is not None:
        rating = ev["rating"].to_numpy(dtype=np.float64)
        if np.isnan(rating if mask is None else rating[mask]).all():
            raise DataError(f"{inter.source}: data.rating_threshold is set but the data has no ratings "
                            "(set data.rating_col, or remove rating_threshold)")
        mask = (rating >= cfg.rating_threshold) if mask is None else mask & (rating >= cfg.rating_threshold)
    if mask is not None:
        rows, user, item, time = rows[mask], user[mask], item[mask], time[mask]
    order = _by_user_then_time(user, time)
    rows, user, item, time = rows[order], user[order], item[order], time[order]
    del order
    keep = _drop_duplicates(user, item, time)
    del time
    if not keep.all():
        rows, user, item = rows[keep], user[keep], item[keep]
    pos = k_core(user, item, cfg.min_user_interactions, cfg.min_item_interactions)
    if len(pos) < len(rows):
        rows, user, item = rows[pos], user[pos], item[pos]
    if len(rows) == 0:
        raise DataError(
            f"{inter.source}: no interactions left after filtering ({n_raw} read; rating_threshold="
            f"{cfg.rating_threshold}, min_user_interactions={cfg.min_user_interactions}, "
            f"min_item_interactions={cfg.min_item_interactions}); lower the thresholds"
        )
    kept = np.zeros(n_raw, dtype=bool)
    kept[rows] = True
    if not (line[1:] >= line[:-1]).all():  # rows not in line order: (user, timestamp, line) as before
        rows = np.flatnonzero(kept)
        rows = rows[np.lexsort((line[rows], ts[rows], rank[ucodes[rows]]))]
        user, item = rank[ucodes[rows]], icodes[rows]
    first_seen = pd.unique(icodes[kept])  # item codes by first appearance (ties of `_sort_key_ids`)
    by_key = first_seen[_sort_key_ids(ivalues[first_seen])]
    item_ids = [""] + [str(x) for x in ivalues[by_key]]
    index = np.zeros(len(ivalues), dtype=np.int32)
    index[by_key] = np.arange(1, len(by_key) + 1, dtype=np.int32)
    idx = index[item]
    starts = np.flatnonzero(np.concatenate(([True], user[1:] != user[:-1])))
    ends = np.append(starts[1:], len(idx))
    sequences = [idx[s:e] for s, e in zip(starts.tolist(), ends.tolist())]
    user_ids = [str(u) for u in uvalues[ucodes[rows[starts]]]]
    titles, genres = _metadata(inter.items, item_ids)
    lengths = ends - starts
    stats = {
        "interactions_read": int(n_raw),
        "interactions": int(len(idx)),
        "users": len(sequences),
        "items": len(item_ids) - 1,
        "density": float(len(idx) / (len(sequences) * (len(item_ids) - 1))),
        "seq_len_mean": float(lengths.mean()),
        "seq_len_median": float(np.median(lengths)),
        "seq_len_max": int(lengths.max()),
        "rating_threshold": cfg.rating_threshold,
        "min_user_interactions": cfg.min_user_interactions,
        "min_item_interactions": cfg.min_item_interactions,
        "user_fraction": cfg.user_fraction,
    }
    return SequenceDataset(item_ids, titles, genres, user_ids, sequences, inter.source, stats)


def _metadata(meta: pd.DataFrame, item_ids: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """Titles (the id where there is none) and genres of the vocabulary, by index (0 = padding)."""
    meta = meta[~meta.index.duplicated(keep="first")]
    pos = meta.index.get_indexer(item_ids[1:])
    found = pos >= 0
    titles = np.asarray(item_ids[1:], dtype=object)
    titles[found] = meta["title"].to_numpy(dtype=object)[pos[found]]
    genres = np.empty(len(pos), dtype=object)
    genres[found] = meta["genres"].to_numpy(dtype=object)[pos[found]]
    return ([""] + [str(t) for t in titles],
            [()] + [tuple(g) if f else () for g, f in zip(genres, found)])


def load_dataset(cfg: DataConfig, seed: int = 0) -> SequenceDataset:
    return build_dataset(load_interactions(cfg, seed=seed), cfg, seed=seed)


def pad_left(histories: list[np.ndarray], length: int) -> np.ndarray:
    """Most recent `length` items of each history, left-padded with 0: int32 [B, length]."""
    out = np.zeros((len(histories), length), dtype=np.int32)
    for i, h in enumerate(histories):
        h = h[-length:]
        if len(h):
            out[i, length - len(h):] = h
    return out


def training_windows(sequences: list[np.ndarray], length: int) -> tuple[np.ndarray, np.ndarray]:
    """Next-item training pairs over every position: inputs/targets int32 [W, length].

    Each sequence is cut from its end into windows of `length + 1` items; the
    targets are the inputs shifted by one. Padding (0) targets are ignored by losses.
    """
    xs, ys = [], []
    for s in sequences:
        end = len(s)
        while end >= 2:
            start = max(0, end - length - 1)
            w = s[start:end]
            xs.append(w[:-1])
            ys.append(w[1:])
            end = start + 1 if start > 0 else 0
    return pad_left(xs, length), pad_left(ys, length)
