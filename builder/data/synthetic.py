"""Synthetic interactions: planted successor chains, or a realistic latent-factor catalog.

`successor` (unit tests, scale sweeps): every item has a fixed successor (a random
permutation). A user starts at a popularity-skewed (Zipf) item and, at each step,
moves to the successor of the current item with probability `follow_prob`, else
jumps to a Zipf-random item. A sequential model can learn the successor map; a
popularity model cannot, so tests can check that training really learns.
Vectorised: 1M items is fine.

`latent` (quality claims on a third regime beside the MovieLens variants): items
sit in clusters of a `latent_dim` taste space and have Zipf popularity over a
random order (popular items in every cluster); a user's taste starts near one or
two clusters and drifts a little each step (`drift`); each choice is either the
current item's planted successor inside its cluster (`follow_prob`, series and
accessories) or a draw from softmax(taste . item / temperature + log popularity)
over the items the user has not seen (Gumbel-max, vectorised over users).
History lengths are log-normal (a long tail of heavy users). The item table of a
model trained on it therefore has the low-rank, clustered structure real tables have.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from builder.config import SyntheticConfig
from builder.data.loaders import Interactions


SUCCESSORS = 4  # latent: planted successors per item
LENGTH_SIGMA = 0.8  # latent: sigma of the log-normal history length


def zipf_probabilities(n: int, exponent: float = 0.8) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return p / p.sum()


def generate_interactions(cfg: SyntheticConfig, seed: int = 0) -> Interactions:
    """Interactions of the `cfg.kind` generator (see the module docstring)."""
    if cfg.kind == "latent":
        return latent_interactions(cfg, seed)
    return _successor_interactions(cfg, seed)


def _successor_interactions(cfg: SyntheticConfig, seed: int) -> Interactions:
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
    return _to_interactions(seqs, lengths, n_items, f"synthetic ({n_users} users, {n_items} items, "
                                           f"follow_prob={cfg.follow_prob})")


@dataclass(frozen=True)
class LatentStep:
    """One step of the latent generator for its active users, before their choice is recorded
    (what `observe` sees: benchmarks/synthetic_oracle.py ranks by the true probabilities)."""

    t: int
    users: np.ndarray  # [a] user indices
    lengths: np.ndarray  # [a] their history lengths
    base: np.ndarray  # [a, N] taste . item / temperature + log popularity (before the Gumbel noise)
    seen: np.ndarray  # [a, N] items already chosen
    prev: np.ndarray | None  # [a] the item chosen at t - 1 (None at t = 0)
    successors: np.ndarray  # [N, SUCCESSORS] planted successors
    log_pop: np.ndarray  # [N] log popularity
    follow_prob: float
    pick: np.ndarray  # [a] the item chosen at t


def latent_interactions(cfg: SyntheticConfig, seed: int, chunk: int = 256,
                        observe: Callable[[LatentStep], None] | None = None) -> Interactions:
    """The `latent` generator (module docstring); `observe`, if given, sees every step (exact sampler)."""
    if observe is not None and cfg.sampler != "exact":
        raise ValueError("observing the generator's true probabilities needs data.synthetic.sampler exact")
    rng = np.random.default_rng(seed)
    n_items, n_users, d = cfg.num_items, cfg.num_users, cfg.latent_dim
    centers = rng.normal(size=(cfg.num_clusters, d))
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    cluster = rng.integers(0, cfg.num_clusters, size=n_items)
    items = centers[cluster] + 0.35 * rng.normal(size=(n_items, d)) / np.sqrt(d)
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    log_pop = np.log(zipf_probabilities(n_items, cfg.popularity_exponent))[rng.permutation(n_items)]
    # successors: SUCCESSORS random items of the same cluster (series, accessories)
    successors = np.empty((n_items, SUCCESSORS), dtype=np.int64)
    for c in range(cfg.num_clusters):
        members = np.flatnonzero(cluster == c)
        successors[members] = rng.choice(members, size=(len(members), SUCCESSORS))
    clustered = _ClusterSampler(items, cluster, log_pop, cfg) if cfg.sampler == "clustered" else None
    mean_log = np.log(cfg.mean_length) - 0.5 * LENGTH_SIGMA ** 2  # log-normal with the requested mean
    lengths = np.clip(rng.lognormal(mean_log, LENGTH_SIGMA, size=n_users).astype(np.int64), 5, n_items - 1)
    seqs = np.zeros((n_users, int(lengths.max())), dtype=np.int64)
    by_length = np.argsort(-lengths, kind="stable")  # chunks of similar length; active users = a prefix
    for lo in range(0, n_users, chunk):
        u = by_length[lo:lo + chunk]
        taste = centers[rng.integers(0, cfg.num_clusters, size=len(u))]
        two = rng.random(len(u)) < 0.5  # half the users like two clusters
        taste = taste + two[:, None] * centers[rng.integers(0, cfg.num_clusters, size=len(u))]
        seen = np.zeros((len(u), n_items), dtype=bool)
        if clustered is not None:
            clustered.start(len(u))
        for t in range(int(lengths[u[0]])):
            a = int((lengths[u] > t).sum())  # active users: a prefix (u is sorted by length)
            rows = np.arange(a)
            taste[:a] += cfg.drift * rng.normal(size=(a, d)) / np.sqrt(d)
            taste[:a] /= np.linalg.norm(taste[:a], axis=1, keepdims=True)
            if clustered is not None:
                base, pick = None, clustered.pick(taste[:a], seen[:a], rng)
            else:
                base = (taste[:a] @ items.T) / cfg.taste_temperature + log_pop
                logits = base + rng.gumbel(size=(a, n_items))
                logits[seen[:a]] = -np.inf
                pick = logits.argmax(axis=1)
            prev = seqs[u[:a], t - 1] if t > 0 else None
            if prev is not None:
                nxt = successors[prev, rng.integers(0, SUCCESSORS, size=a)]
                pick = np.where((rng.random(a) < cfg.follow_prob) & ~seen[rows, nxt], nxt, pick)
            if observe is not None:
                observe(LatentStep(t, u[:a], lengths[u[:a]], base, seen[:a], prev, successors, log_pop,
                                   cfg.follow_prob, pick))
            seqs[u[:a], t] = pick
            seen[rows, pick] = True
            if clustered is not None:
                clustered.record(rows, pick)
    return _to_interactions(seqs, lengths, n_items, f"synthetic latent catalog ({n_users} users, {n_items} "
                                                    f"items, {cfg.num_clusters} clusters, follow_prob="
                                                    f"{cfg.follow_prob}, drift={cfg.drift})")


class _ClusterSampler:
    """The `clustered` taste draw: a cluster c with probability softmax(taste . m_c / T + log P_c)
    (m_c: the mean of its items' vectors, P_c: the popularity mass of its items the user has not
    seen; clusters the user has seen whole are left out), then an item of c by the exact softmax(taste . item / T + log pop)
    over c's unseen items. Within a cluster the items' vectors differ from m_c by small noise, so
    the cluster's share of the exact softmax is close to the first factor; the cost per event is
    O(clusters + cluster size) instead of O(catalog)."""

    def __init__(self, items: np.ndarray, cluster: np.ndarray, log_pop: np.ndarray, cfg: SyntheticConfig) -> None:
        c = cfg.num_clusters
        self.items, self.log_pop, self.temperature, self.cluster = items, log_pop, cfg.taste_temperature, cluster
        self.sizes = np.bincount(cluster, minlength=c)
        order = np.argsort(cluster, kind="stable")
        starts = np.r_[0, np.cumsum(self.sizes)[:-1]]
        self.members = np.full((c, max(1, int(self.sizes.max()))), -1, dtype=np.int64)
        rank = np.arange(len(cluster)) - np.repeat(starts, self.sizes)
        self.members[cluster[order], rank] = order
        self.pop = np.exp(log_pop.astype(np.float64))
        self.mass = np.bincount(cluster, weights=self.pop, minlength=c)
        self.means = np.stack([items[self.members[k, :self.sizes[k]]].mean(axis=0) if self.sizes[k] else
                               np.zeros(items.shape[1]) for k in range(c)])

    def start(self, users: int) -> None:
        """A new chunk of `users` users: nothing seen yet."""
        self.seen_count = np.zeros((users, len(self.sizes)), dtype=np.int64)
        self.seen_mass = np.zeros((users, len(self.sizes)))

    def record(self, rows: np.ndarray, picks: np.ndarray) -> None:
        self.seen_count[rows, self.cluster[picks]] += 1
        self.seen_mass[rows, self.cluster[picks]] += self.pop[picks]

    def pick(self, taste: np.ndarray, seen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """[a] items for the chunk's first a users' tastes [a, d], given their seen [a, N]."""
        a = len(taste)
        rows = np.arange(a)
        left = np.maximum(self.mass - self.seen_mass[:a], 1e-300)
        logits = taste @ self.means.T / self.temperature + np.log(left) + rng.gumbel(size=(a, len(self.means)))
        logits[self.seen_count[:a] >= self.sizes] = -np.inf  # clusters seen whole (or empty)
        mem = self.members[logits.argmax(axis=1)]  # [a, S]
        valid = mem >= 0
        safe = np.where(valid, mem, 0)
        scores = np.einsum("ad,asd->as", taste, self.items[safe]) / self.temperature + self.log_pop[safe]
        scores += rng.gumbel(size=scores.shape)
        scores[~valid | seen[rows[:, None], safe]] = -np.inf
        return safe[rows, scores.argmax(axis=1)]


def _to_interactions(seqs: np.ndarray, lengths: np.ndarray, n_items: int, source: str) -> Interactions:
    """[U, T] item sequences (the first lengths[u] of each row are real) -> Interactions."""
    n_users, max_len = seqs.shape
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
    return Interactions(events, meta, source)
