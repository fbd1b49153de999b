"""Shared helpers: result documents, atomic writes, number formatting."""
from __future__ import annotations

import datetime as _dt
import os
import sys
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"
SCHEMA_VERSION = 1


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def machine() -> dict[str, Any]:
    """`builder.benchmark.machine.machine_description()` plus the TensorFlow version and RAM."""
    from importlib import metadata

    from builder.benchmark.machine import machine_description

    desc = machine_description()
    for pkg in ("tensorflow-cpu", "tensorflow", "tf-keras", "tensorflow-model-optimization"):
        try:
            desc[pkg.replace("-", "_")] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    try:
        desc["memory_total_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        desc["memory_total_gib"] = None
    desc["argv"] = sys.argv
    return desc


def document_header(suite: str, started: str, seconds: float) -> dict[str, Any]:
    """The fields every result document starts with (schema, suite, when, how long, where)."""
    return {"schema_version": SCHEMA_VERSION, "suite": suite, "created_utc": started,
            "seconds": round(seconds, 1), "machine": machine()}


def write_json(path: Path, doc: Any) -> Path:
    from builder.io import write_json_atomic

    write_json_atomic(Path(path), doc)
    return Path(path)


def write_text(path: Path, text: str) -> Path:
    from builder.io import write_text_atomic

    write_text_atomic(Path(path), text)
    return Path(path)


def write_results(out: Path, name: str, doc: Any, markdown: str) -> Path:
    """Write a suite's `<out>/<name>.json` and `<name>.md` (atomically) and say where; -> the .md."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / f"{name}.json", doc)
    md = write_text(out / f"{name}.md", markdown)
    say(f"{name}: {md}")
    return md


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fmt_us(us: float | None) -> str:
    """Microseconds as a short human number (us below 1 ms, else ms)."""
    if us is None:
        return "-"
    return f"{us:.0f} us" if us < 1000 else f"{us / 1000:.2f} ms"


def fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, div in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= div:
            return f"{n / div:.2f} {unit}"
    return f"{n} B"


def fmt_ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def fmt_pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"
