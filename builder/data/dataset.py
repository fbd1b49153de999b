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


def k_core(events: pd.DataFrame, min_user: int, min_item: int) -> pd.DataFrame:
    """Iteratively drop users and items with too few interactions until stable."""
    while True:
        n = len(events)
        ic = events["item"].map(events["item"].value_counts())
        events = events[ic >= min_item]
        uc = events["user"].map(events["user"].value_counts())
        events = events[uc >= min_user]
        if len(events) == n:
            return events


def sample_users(events: pd.DataFrame, fraction: float, seed: int) -> pd.DataFrame:
    """The events of a random `fraction` of the users (seeded; every user's events kept whole)."""
    if fraction >= 1.0:
        return events
    users = np.sort(events["user"].unique())
    keep = np.random.default_rng(seed).choice(len(users), max(1, round(fraction * len(users))),
                                              replace=False)
    return events[events["user"].isin(users[keep])]


def build_dataset(inter: Interactions, cfg: DataConfig, seed: int = 0) -> SequenceDataset:
    """User sample, implicit feedback, k-core, chronological sequences, vocabulary."""
    n_raw = len(inter.events)
    ev = sample_users(inter.events, cfg.user_fraction, seed)
    if cfg.rating_threshold is not None:
        if ev["rating"].isna().all():
            raise DataError(f"{inter.source}: data.rating_threshold is set but the data has no ratings "
                            "(set data.rating_col, or remove rating_threshold)")
        ev = ev[ev["rating"] >= cfg.rating_threshold]
    ev = ev.drop_duplicates(["user", "item", "timestamp"])
    ev = k_core(ev, cfg.min_user_interactions, cfg.min_item_interactions)
    if len(ev) == 0:
        raise DataError(
            f"{inter.source}: no interactions left after filtering ({n_raw} read; rating_threshold="
            f"{cfg.rating_threshold}, min_user_interactions={cfg.min_user_interactions}, "
            f"min_item_interactions={cfg.min_item_interactions}); lower the thresholds"
        )
    raw_items = ev["item"].unique()
    order = _sort_key_ids(np.asarray(raw_items))
    item_ids = [""] + [str(x) for x in np.asarray(raw_items)[order]]
    index = {iid: i for i, iid in enumerate(item_ids) if i > 0}
    ev = ev.assign(idx=ev["item"].map(index).astype(np.int32))
    ev = ev.sort_values(["user", "timestamp", "line"], kind="stable")
    _, starts = np.unique(ev["user"].to_numpy(), return_index=True)
    starts = np.sort(starts)
    idx = ev["idx"].to_numpy(dtype=np.int32)
    ends = np.append(starts[1:], len(idx))
    sequences = [idx[s:e] for s, e in zip(starts, ends)]
    user_ids = [str(u) for u in ev["user"].to_numpy()[starts]]

    meta = inter.items
    titles = [""] + [str(meta["title"].get(i, i)) if i in meta.index else i for i in item_ids[1:]]
    genres = [()] + [tuple(meta["genres"].get(i, ())) if i in meta.index else () for i in item_ids[1:]]
    lengths = np.array([len(s) for s in sequences])
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
