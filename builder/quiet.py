"""Quiet by default: what the native libraries print on stderr is held back unless -v.

TensorFlow prints absl/oneDNN/CUDA notices when it is imported, the converter prints
its MLIR quantizer settings, and LiteRT announces its XNNPACK delegate once per
process; none of it is for our users. `native_stderr_quiet()` points file descriptor 2
at a temporary file for a block; what was written there is shown again when the block
raises, and nothing is held back at all when REC_BUILDER_VERBOSE=1 (the CLI's -v).
"""
from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

VERBOSE_ENV = "REC_BUILDER_VERBOSE"


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV) == "1"


def set_verbose() -> None:
    """-v: show the libraries' own logs (call before TensorFlow is imported)."""
    os.environ[VERBOSE_ENV] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")


@contextmanager
def native_stderr_quiet() -> Iterator[None]:
    """Run the block with fd 2 sent to a temporary file; replay it if the block raises."""
    if verbose():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                held.seek(0)
                sys.stderr.write(held.read().decode("utf-8", "replace"))
                sys.stderr.flush()
