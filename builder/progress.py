"""Progress output: one bar per training stage and a one-line summary per stage.

Everything goes to stderr so that stdout stays clean for machine-readable output.
Verbosity: 0 = quiet (errors only), 1 = normal (bars + summaries), 2 = verbose.
"""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Iterator

from tqdm import tqdm


class Progress:
    def __init__(self, verbosity: int = 1) -> None:
        self.verbosity = verbosity
        self._t0 = time.perf_counter()

    def info(self, msg: str) -> None:
        if self.verbosity >= 1:
            tqdm.write(msg, file=sys.stderr)

    def debug(self, msg: str) -> None:
        if self.verbosity >= 2:
            tqdm.write(msg, file=sys.stderr)

    def elapsed(self) -> float:
        return time.perf_counter() - self._t0

    @contextmanager
    def bar(self, desc: str, total: int, unit: str = "epoch") -> Iterator[tqdm]:
        with tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                  disable=self.verbosity < 1, dynamic_ncols=True) as b:
            yield b


SILENT = Progress(0)
