"""The Bayes-optimal ranking of the `latent` synthetic generator: what any model could reach.

    python -m benchmarks.synthetic_oracle benchmarks/regimes/synthetic_latent.yaml [--seed 42]

Runs `builder.data.synthetic.latent_interactions` with an observer that, at each user's last
two steps (the test and validation targets of leave-one-out), ranks the items the user has
not seen by their true probability: follow_prob spread over the current item's unseen
planted successors, the rest by softmax(taste . item / temperature + log popularity) with the
user's taste at that step. Also ranks by each part alone. Numbers are NDCG@10 over the
generated users, before the 5-core filter the build applies, so they are a bound for the
build's regime, not its split.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from builder.config import SyntheticConfig, load_config
from builder.data.synthetic import SUCCESSORS, LatentStep, latent_interactions


def _ndcg10(p: np.ndarray, seen: np.ndarray, target: int) -> float:
    p = np.where(seen, -np.inf, p)
    rank = int((p > p[target]).sum())
    return 1.0 / np.log2(rank + 2) if rank < 10 else 0.0


def oracle(cfg: SyntheticConfig, seed: int) -> dict[str, Any]:
    """-> {"test"/"val"/"test_taste_only"/"test_successors_only": per-user NDCG@10,
    "test_targets": {user: the item the generator chose at that user's last step}}."""
    out: dict[str, list[float]] = {"test": [], "val": [], "test_taste_only": [], "test_successors_only": []}
    targets: dict[int, int] = {}

    def observe(s: LatentStep) -> None:
        for i in np.flatnonzero(s.lengths - 1 - s.t <= 1):  # the validation and test steps
            last = s.lengths[i] - 1 == s.t
            q = np.where(s.seen[i], -np.inf, s.base[i])
            q = np.exp(q - q.max())
            q /= q.sum()
            p, succ_only = q, 1e-9 * np.exp(s.log_pop)  # successors alone, popularity breaks ties
            if s.prev is not None:
                succ = s.successors[s.prev[i]]
                unseen = ~s.seen[i, succ]
                p = (1 - s.follow_prob * unseen.mean()) * q
                np.add.at(p, succ[unseen], s.follow_prob / SUCCESSORS)
                succ_only = succ_only.copy()
                np.add.at(succ_only, succ, 1.0)
            out["test" if last else "val"].append(_ndcg10(p, s.seen[i], s.pick[i]))
            if last:
                targets[int(s.users[i])] = int(s.pick[i])
                out["test_taste_only"].append(_ndcg10(q, s.seen[i], s.pick[i]))
                out["test_successors_only"].append(_ndcg10(succ_only, s.seen[i], s.pick[i]))

    latent_interactions(cfg, seed, observe=observe)
    return {**{k: np.array(v) for k, v in out.items()}, "test_targets": targets}


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
