"""Small helpers that write input files for tests (importable: tests/ is on sys.path)."""
from pathlib import Path


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


# the tiny run directory of the `template_run` fixture (tests/conftest.py)
RUN_N, RUN_L, RUN_K = 12, 3, 2  # vocabulary incl. padding, history length, top-K
RUN_STAGES = ("final_int8", "student_fp32")
