"""Shared fixtures: tiny synthetic data, and one real smoke build reused by slow tests."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory: pytest.TempPathFactory):
    """The real pipeline on the `smoke` preset (MovieLens-100K, tiny models), built once."""
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path_factory.mktemp("smoke_out")
    return build(load_config("smoke"), out, Progress(0))


@pytest.fixture(scope="session")
def smoke_run_dir(smoke_build) -> Path:
    """Directory holding the smoke build's model.tflite + model.json (and the report)."""
    return Path(smoke_build.run_dir)


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """6 users x 6 items, chronological, with a planted 1->2->3 pattern."""
    rows = []
    rng = np.random.default_rng(0)
    for u in range(6):
        items = [1, 2, 3, 4, 5, 6]
        rng.shuffle(items[3:])
        for t, i in enumerate(items):
            rows.append(f"{u},{i},{1000 + t * 10},{4 if i % 2 else 3}")
    from files_for_tests import write_csv

    return write_csv(tmp_path / "inter.csv", "user_id,item_id,timestamp,rating", rows)
