"""Static flatbuffer summary on tiny models whose weights are known (see conftest)."""
from __future__ import annotations

import gzip

import pytest

from builder.model_file import inspect_model
from builder.benchmark.static import static_summary


def _summary(path):
    info = inspect_model(path)
    return static_summary(info.model, info.model_bytes)


def test_float_model_summary(tiny_models) -> None:
    N, D, ZERO_ROWS = tiny_models.n, tiny_models.d, tiny_models.zero_rows
    s = _summary(tiny_models.float_model)
    data = tiny_models.float_model.read_bytes()
    assert s["file_size_bytes"] == len(data)
    assert s["gzip_size_bytes"] == len(gzip.compress(data, compresslevel=9, mtime=0))
    # two signatures, each gather -> mean -> matmul; recommend adds top-k
    assert s["op_counts"] == {"FULLY_CONNECTED": 2, "GATHER": 2, "MEAN": 2, "TOPK_V2": 1}
    assert s["num_operators"] == 7
    by_signature = {g["signature"]: g["num_operators"] for g in s["subgraphs"]}
    assert by_signature == {"recommend": 4, "scores": 3}
    # the shared table is one buffer: N*D float32
    assert s["constant_bytes_by_type"]["FLOAT32"] == N * D * 4
    assert s["int8_share"] == 0.0
    assert s["weights"]["elements"] == N * D
    assert s["weights"]["zeros"] == ZERO_ROWS * D
    assert s["weights"]["sparsity"] == pytest.approx(ZERO_ROWS / N)


def test_int8_model_summary(tiny_models) -> None:
    N, D, ZERO_ROWS = tiny_models.n, tiny_models.d, tiny_models.zero_rows
    s = _summary(tiny_models.int8_model)
    assert s["op_counts"]["DEQUANTIZE"] >= 1
    assert s["constant_bytes_by_type"]["INT8"] == N * D
    assert "FLOAT32" not in s["constant_bytes_by_type"]
    assert s["int8_share"] == pytest.approx(N * D / s["constant_bytes"])
    assert s["int8_share"] > 0.99
    assert s["weights"]["sparsity_by_type"] == {"INT8": pytest.approx(ZERO_ROWS / N)}
    assert s["file_size_bytes"] < _summary(tiny_models.float_model)["file_size_bytes"]
