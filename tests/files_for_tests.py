"""Small helpers that write input files for tests (importable: tests/ is on sys.path)."""
from pathlib import Path


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path
