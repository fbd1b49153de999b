"""Tiny contract models built once per test session (TensorFlow only here, not in the engine).

The embedding table E [N=64, D=32] has rows 0..15 all zero and every other value
+-0.5/-1.0, so the weight sparsity is exactly 16*32 / (64*32) = 0.25, and int8
weight quantization keeps those zeros (symmetric, zero point 0). Both signatures
share E, which the converter stores as one buffer.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

N, L, K, D = 64, 5, 3, 32
ZERO_ROWS = 16


def embedding_table() -> np.ndarray:
    table = np.full((N, D), 0.5, dtype=np.float32)
    table[ZERO_ROWS:, ::2] = -1.0
    table[:ZERO_ROWS] = 0.0
    return table


@dataclass(frozen=True)
class TinyModels:
    root: Path
    float_model: Path  # recommend + scores, float32 weights, with sidecar
    int8_model: Path  # same with int8 weights (dynamic-range), with sidecar
    scores_only: Path  # only a serving_default (scores) signature
    recommend_only: Path  # recommend + embed (no scores signature), no sidecar
    n: int = N
    length: int = L
    k: int = K
    d: int = D
    zero_rows: int = ZERO_ROWS

    @staticmethod
    def write_sidecar(model_path: Path, **overrides: object) -> Path:
        """Write MODEL.json next to `model_path`, with top-level keys overridden."""
        return write_sidecar(model_path, **overrides)


def sidecar(model_path: Path, **overrides: object) -> dict:
    doc = {
        "schema_version": 1, "builder_version": "0.1.0", "stage": "test",
        "model_file": model_path.name, "model_sha256": None, "config_hash": "test",
        "input": {"name": "history", "length": L, "pad_id": 0, "dtype": "int32"},
        "signatures": {"recommend": {"inputs": ["history"], "outputs": ["top_ids", "top_scores"]},
                       "scores": {"inputs": ["history"], "outputs": ["scores"]}},
        "k": K, "num_items": N,
        "items": [{"index": i, "id": str(i), "title": f"Item {i}", "genres": []} for i in range(1, N)],
        "popular": [1, 2, 3], "metrics": {}, "sizes": {},
    }
    doc.update(overrides)
    return doc


def write_sidecar(model_path: Path, **overrides: object) -> Path:
    path = model_path.with_suffix(".json")
    path.write_text(json.dumps(sidecar(model_path, **overrides)))
    return path


def _build(root: Path) -> TinyModels:
    from builder._keras import tf

    table = embedding_table()

    class Tiny(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.table = tf.constant(table)

        def _scores(self, history):
            user = tf.reduce_mean(tf.gather(self.table, history), axis=1)
            return tf.matmul(user, self.table, transpose_b=True)

        @tf.function(input_signature=[tf.TensorSpec([1, L], tf.int32, name="history")])
        def recommend(self, history):
            values, ids = tf.math.top_k(self._scores(history), k=K)
            return {"top_ids": tf.cast(ids, tf.int32), "top_scores": values}

        @tf.function(input_signature=[tf.TensorSpec([None, L], tf.int32, name="history")])
        def scores(self, history):
            return {"scores": self._scores(history)}

        @tf.function(input_signature=[tf.TensorSpec([1, L], tf.int32, name="history")])
        def embed(self, history):
            return {"user": tf.reduce_mean(tf.gather(self.table, history), axis=1)}

    module = Tiny()

    def convert(path: Path, functions: list, int8: bool = False) -> Path:
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [f.get_concrete_function() for f in functions], module)
        if int8:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
        path.write_bytes(converter.convert())
        return path

    both = [module.recommend, module.scores]
    models = TinyModels(
        root=root,
        float_model=convert(root / "float.tflite", both),
        int8_model=convert(root / "int8.tflite", both, int8=True),
        scores_only=convert(root / "scores_only.tflite", [module.scores]),
        recommend_only=convert(root / "recommend_only.tflite", [module.recommend, module.embed]),
    )
    write_sidecar(models.float_model)
    write_sidecar(models.int8_model)
    return models


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> TinyModels:
    return _build(tmp_path_factory.mktemp("tiny_models"))
