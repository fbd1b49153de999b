"""Small helpers that write input files and make tiny training data for tests (importable:
tests/ is on sys.path)."""
from pathlib import Path

import numpy as np


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


# the tiny run directory of the `template_run` fixture (tests/conftest.py)
RUN_N, RUN_L, RUN_K = 12, 3, 2  # vocabulary incl. padding, history length, top-K
RUN_STAGES = ("final_int8", "student_fp32")

# the shared item table of the `shared_table_build` fixture (tests/conftest.py)
SHARED_TABLE = {"table_buckets": 16, "table_head": 32}


def stepping_fit(num_items: int, max_len: int, windows: int = 200):
    """FitData of `windows` sequences that step 1 or 2 items at a time through the catalog
    (ids 1..num_items-1): a learnable next-item pattern, no validation split."""
    from builder.progress import SILENT
    from builder.training import FitData

    rng = np.random.default_rng(0)
    seq = np.cumsum(rng.integers(1, 3, size=(windows, max_len + 1)), axis=1) % (num_items - 1) + 1
    return FitData(seq[:, :-1].astype(np.int32), seq[:, 1:].astype(np.int32), None, max_len, SILENT)
