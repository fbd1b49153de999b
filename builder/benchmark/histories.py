"""Model inputs for the benchmark: user histories in model-index space.

Either loaded from an int32 `[M, L]` .npy file (histories sampled from the data,
left-padded with 0) or generated: random valid ids 1..N-1 with random lengths
1..L, left-padded with the padding id 0. Generation is seeded and therefore
reproducible.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np


class BenchmarkInputError(ValueError):
    """Bad benchmark input other than a model file (histories, options): exit code 2."""


PAD_ID = 0


def random_histories(count: int, length: int, num_items: int, seed: int = 0) -> np.ndarray:
    """`count` left-padded int32 histories of random length 1..length over ids 1..num_items-1."""
    if num_items < 2:
        raise ValueError("num_items must include at least one real item besides padding 0")
    rng = np.random.default_rng(seed)
    out = np.full((count, length), PAD_ID, dtype=np.int32)
    lengths = rng.integers(1, length + 1, size=count)
    for row, n in enumerate(lengths):
        out[row, length - n:] = rng.integers(1, num_items, size=n, dtype=np.int32)
    return out


def load_histories(path: str | Path) -> np.ndarray:
    """Load an integer `[M, L]` .npy array of histories (M >= 1) as int32."""
    path = Path(path)
    if not path.is_file():
        raise BenchmarkInputError(f"{path}: histories file not found")
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BenchmarkInputError(f"{path}: cannot read as a .npy array ({exc})") from exc
    if array.ndim != 2 or array.shape[0] < 1 or array.dtype.kind not in "iu":
        raise BenchmarkInputError(
            f"{path}: histories must be a non-empty integer [M, L] array, "
            f"got {array.dtype} {list(array.shape)}"
        )
    return array.astype(np.int32)


def check_histories(histories: np.ndarray, path: str | Path, length: int,
                    num_items: int | None, model: str) -> None:
    """Histories must fit the model: width L and ids in [0, num_items)."""
    if histories.shape[1] != length:
        raise BenchmarkInputError(
            f"{path}: histories have length {histories.shape[1]} but {model} expects {length}"
        )
    low, high = int(histories.min()), int(histories.max())
    if low < 0 or (num_items is not None and high >= num_items):
        raise BenchmarkInputError(
            f"{path}: history ids span [{low}, {high}] but {model} has vocabulary "
            f"[0, {num_items})"
        )
