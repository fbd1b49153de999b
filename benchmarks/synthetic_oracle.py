"""The Bayes-optimal ranking of the `latent` synthetic generator: what any model could reach.

    python -m benchmarks.synthetic_oracle benchmarks/regimes/synthetic_latent.yaml [--seed 42]

Replays `builder.data.synthetic` draw for draw (same RNG, same order; a test checks the
replay yields the generator's sequences) and, at each user's last two steps (the test and
validation targets of leave-one-out), ranks the items the user has not seen by their true
probability: follow_prob spread over the current item's unseen planted successors, the rest
by softmax(taste . item / temperature + log popularity) with the user's taste at that step.
Also ranks by each part alone. Numbers are NDCG@10 over the generated users, before the
5-core filter the build applies, so they are a bound for the build's regime, not its split.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from builder.config import SyntheticConfig, load_config
from builder.data import synthetic as S


def _ndcg10(p: np.ndarray, seen: np.ndarray, target: int) -> float:
    p = np.where(seen, -np.inf, p)
    rank = int((p > p[target]).sum())
    return 1.0 / np.log2(rank + 2) if rank < 10 else 0.0


def oracle(cfg: SyntheticConfig, seed: int, chunk: int = 256) -> dict[str, Any]:
    """-> {"test"/"val"/"test_taste_only"/"test_successors_only": per-user NDCG@10, "sequences": [U, T]}."""
    rng = np.random.default_rng(seed)
    n_items, n_users, d, f = cfg.num_items, cfg.num_users, cfg.latent_dim, cfg.follow_prob
    centers = rng.normal(size=(cfg.num_clusters, d))
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    cluster = rng.integers(0, cfg.num_clusters, size=n_items)
    items = centers[cluster] + 0.35 * rng.normal(size=(n_items, d)) / np.sqrt(d)
    items /= np.linalg.norm(items, axis=1, keepdims=True)
    log_pop = np.log(S.zipf_probabilities(n_items, cfg.popularity_exponent))[rng.permutation(n_items)]
    successors = np.empty((n_items, S.SUCCESSORS), dtype=np.int64)
    for c in range(cfg.num_clusters):
        members = np.flatnonzero(cluster == c)
        successors[members] = rng.choice(members, size=(len(members), S.SUCCESSORS))
    mean_log = np.log(cfg.mean_length) - 0.5 * S.LENGTH_SIGMA ** 2
    lengths = np.clip(rng.lognormal(mean_log, S.LENGTH_SIGMA, size=n_users).astype(np.int64), 5, n_items - 1)
    seqs = np.zeros((n_users, int(lengths.max())), dtype=np.int64)
    by_length = np.argsort(-lengths, kind="stable")
    out: dict[str, list[float]] = {"test": [], "val": [], "test_taste_only": [], "test_successors_only": []}
    for lo in range(0, n_users, chunk):
        u = by_length[lo:lo + chunk]
        taste = centers[rng.integers(0, cfg.num_clusters, size=len(u))]
        two = rng.random(len(u)) < 0.5
        taste = taste + two[:, None] * centers[rng.integers(0, cfg.num_clusters, size=len(u))]
        seen = np.zeros((len(u), n_items), dtype=bool)
        for t in range(int(lengths[u[0]])):
            a = int((lengths[u] > t).sum())
            rows = np.arange(a)
            taste[:a] += cfg.drift * rng.normal(size=(a, d)) / np.sqrt(d)
            taste[:a] /= np.linalg.norm(taste[:a], axis=1, keepdims=True)
            base = (taste[:a] @ items.T) / cfg.taste_temperature + log_pop
            logits = base + rng.gumbel(size=(a, n_items))
            logits[seen[:a]] = -np.inf
            pick = logits.argmax(axis=1)
            if t > 0:
                nxt = successors[seqs[u[:a], t - 1], rng.integers(0, S.SUCCESSORS, size=a)]
                pick = np.where((rng.random(a) < f) & ~seen[rows, nxt], nxt, pick)
            for i in np.flatnonzero(lengths[u[:a]] - 1 - t <= 1):  # the validation and test steps
                last = lengths[u[i]] - 1 == t
                q = np.where(seen[i], -np.inf, base[i])
                q = np.exp(q - q.max())
                q /= q.sum()
                p, succ_only = q, np.exp(log_pop) * 1e-9
                if t > 0:
                    succ = successors[seqs[u[i], t - 1]]
                    unseen = ~seen[i, succ]
                    p = (1 - f * unseen.mean()) * q
                    np.add.at(p, succ[unseen], f / S.SUCCESSORS)
                    succ_only = succ_only.copy()
                    np.add.at(succ_only, succ, 1.0)
                out["test" if last else "val"].append(_ndcg10(p, seen[i], pick[i]))
                if last:
                    out["test_taste_only"].append(_ndcg10(q, seen[i], pick[i]))
                    out["test_successors_only"].append(_ndcg10(succ_only, seen[i], pick[i]))
            seqs[u[:a], t] = pick
            seen[rows, pick] = True
    return {**{k: np.array(v) for k, v in out.items()}, "sequences": seqs, "lengths": lengths}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.synthetic_oracle", description=__doc__.split("\n")[0])
    p.add_argument("config", help="a config with data.synthetic.kind latent (e.g. a regime file)")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args(argv)
    cfg = load_config("default", args.config).data.synthetic
    if cfg.kind != "latent":
        print(f"{args.config}: data.synthetic.kind must be latent (got {cfg.kind})", file=sys.stderr)
        return 2
    res = oracle(cfg, args.seed)
    for k in ("test", "val", "test_taste_only", "test_successors_only"):
        v = res[k]
        print(f"{k:22s} NDCG@10 {v.mean():.4f} +- {1.96 * v.std() / np.sqrt(len(v)):.4f} ({len(v)} users)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
