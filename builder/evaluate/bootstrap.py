"""Bootstrap confidence intervals over users, shared resamples for paired comparisons."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bootstrap:
    """A fixed set of user resamples, reused for every model so that CIs are comparable."""

    indices: np.ndarray  # int [B, U]
    confidence: float

    @classmethod
    def create(cls, n_users: int, samples: int = 1000, confidence: float = 0.95,
               seed: int = 0) -> "Bootstrap":
        rng = np.random.default_rng(seed)
        return cls(rng.integers(0, n_users, size=(samples, n_users)), confidence)

    def interval(self, values: np.ndarray) -> tuple[float, float]:
        """Percentile CI of the mean of per-user `values`."""
        means = values[self.indices].mean(axis=1)
        a = (1.0 - self.confidence) / 2.0
        lo, hi = np.quantile(means, [a, 1.0 - a])
        return float(lo), float(hi)

    def summarize(self, values: np.ndarray) -> dict[str, float]:
        lo, hi = self.interval(values)
        return {"value": float(values.mean()), "ci_low": lo, "ci_high": hi}

    def paired(self, a: np.ndarray, b: np.ndarray) -> dict[str, float]:
        """Mean of a - b over the same users, its CI, and the relative difference to b."""
        d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
        s = self.summarize(d)
        base = float(np.mean(b))
        s["relative"] = float(s["value"] / base) if base else float("nan")
        s["excludes_zero"] = bool(s["ci_low"] > 0 or s["ci_high"] < 0)
        return s
