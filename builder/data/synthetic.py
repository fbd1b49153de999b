"""Synthetic interactions with planted sequential structure.

Every item has a fixed successor (a random permutation). A user starts at a
popularity-skewed (Zipf) item and, at each step, moves to the successor of the
current item with probability `follow_prob`, else jumps to a Zipf-random item.
A sequential model can learn the successor map; a popularity model cannot, so
tests can check that training really learns. Vectorised: 1M items is fine.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from builder.config import SyntheticConfig
from builder.data.loaders import Interactions


def zipf_probabilities(n: int, exponent: float = 0.8) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return p / p.sum()


def generate_interactions(cfg: SyntheticConfig, seed: int = 0) -> Interactions:
    rng = np.random.default_rng(seed)
    n_items, n_users = cfg.num_items, cfg.num_users
    successor = rng.permutation(n_items)
    pop = zipf_probabilities(n_items)
    lengths = np.maximum(5, rng.poisson(cfg.mean_length, size=n_users))
    max_len = int(lengths.max())
    seqs = np.empty((n_users, max_len), dtype=np.int64)
    seqs[:, 0] = rng.choice(n_items, size=n_users, p=pop)
    for t in range(1, max_len):
        follow = rng.random(n_users) < cfg.follow_prob
        jump = rng.choice(n_items, size=n_users, p=pop)
        seqs[:, t] = np.where(follow, successor[seqs[:, t - 1]], jump)
    mask = np.arange(max_len)[None, :] < lengths[:, None]
    users = np.repeat(np.arange(n_users), lengths)
    items = seqs[mask]
    steps = np.broadcast_to(np.arange(max_len), seqs.shape)[mask]
    events = pd.DataFrame({
        "user": users.astype(str),
        "item": items.astype(str),
        "timestamp": (1_000_000 + steps * 60 + users % 60).astype(np.int64),
        "rating": np.nan,
        "line": np.arange(len(items), dtype=np.int64) + 1,
    })
    ids = np.arange(n_items).astype(str)
    meta = pd.DataFrame({"title": [f"Item {i}" for i in ids], "genres": [() for _ in ids]}, index=ids)
    return Interactions(events, meta, f"synthetic ({n_users} users, {n_items} items, "
                                      f"follow_prob={cfg.follow_prob})")
