"""The only module that imports tf_keras.

TFMOT (pruning, QAT) works only with Keras 2, which TensorFlow >= 2.16 ships as
the separate `tf_keras` package. Everything in `builder` gets Keras, TensorFlow
and TFMOT from here so that the legacy-Keras switch is set exactly once, before
TensorFlow is imported.
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

if os.environ["TF_USE_LEGACY_KERAS"] != "1":
    raise RuntimeError(
        "TF_USE_LEGACY_KERAS is set to "
        f"{os.environ['TF_USE_LEGACY_KERAS']!r}; rec-builder needs Keras 2 (tf_keras) "
        "because the TensorFlow Model Optimization Toolkit does not support Keras 3. "
        "Unset it or set it to 1."
    )

from builder.quiet import native_stderr_quiet, verbose  # noqa: E402

with native_stderr_quiet():  # absl's pre-init warning, oneDNN and CUDA notices (twice)
    import tensorflow as tf  # noqa: E402

try:
    import tf_keras as keras  # noqa: E402
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise RuntimeError(
        "tf_keras is not installed; install the pinned dependencies with "
        "`pip install -e .` (tf-keras==2.21.0)."
    ) from exc

if not keras.__version__.startswith("2."):  # pragma: no cover
    raise RuntimeError(f"tf_keras {keras.__version__} is not Keras 2; TFMOT needs Keras 2.")

import tensorflow_model_optimization as tfmot  # noqa: E402

if not verbose():
    tf.get_logger().setLevel("ERROR")

__all__ = ["tf", "keras", "tfmot"]
