"""Latency statistics (microseconds), named like LiteRT's `benchmark_model` where it has them.

Percentiles use linear interpolation between order statistics (NumPy's default,
Hyndman & Fan type 7): p50 of [1, 2, 3, 4] is 2.5. The standard deviation is the
population one (ddof=0), as `benchmark_model` prints.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PERCENTILES = (50, 90, 99)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        raise ValueError("percentile of an empty sequence")
    return float(np.percentile(array, q))


def latency_stats(latencies_us: Sequence[float]) -> dict[str, float]:
    """count, mean, std, min, max, p50, p90, p99 (us) and single-stream throughput (1/s)."""
    array = np.asarray(latencies_us, dtype=np.float64)
    if array.size == 0:
        raise ValueError("no latencies")
    stats = {
        "count": int(array.size),
        "mean": float(array.mean()),
        "std": float(array.std()),
        "min": float(array.min()),
        "max": float(array.max()),
    }
    for q in PERCENTILES:
        stats[f"p{q}"] = float(np.percentile(array, q))
    stats["throughput_per_s"] = float(array.size / (array.sum() / 1e6)) if array.sum() > 0 else 0.0
    return stats
