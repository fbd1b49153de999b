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


def test_graph_cost_separates_the_item_table_from_the_rest(tiny_models) -> None:
    N, D = tiny_models.n, tiny_models.d
    for path, table_bytes in ((tiny_models.float_model, N * D * 4), (tiny_models.int8_model, N * D)):
        s = _summary(path)
        g = s["graph"]
        assert g["num_items"] == N  # the width of the scores output
        assert g["item_table_bytes"] == table_bytes  # the one shared table, counted once
        assert g["non_table_bytes"] == s["file_size_bytes"] - table_bytes
        assert g["graph_bytes"] == s["file_size_bytes"] - s["constant_bytes"] > 0
        sig = g["by_signature"]
        assert {k: v["num_operators"] for k, v in sig.items()} == {
            x["signature"]: x["num_operators"] for x in s["subgraphs"]}
        assert sig["recommend"]["constant_bytes"] >= table_bytes
        # the history [1, L] int32 and the gathered rows [1, L, D] are among the activations
        assert sig["recommend"]["activation_bytes"] >= 4 * tiny_models.length * (1 + D)


def test_graph_cost_without_a_scores_signature(tiny_models) -> None:
    s = _summary(tiny_models.recommend_only)
    assert s["graph"]["num_items"] is None
    assert s["graph"]["item_table_bytes"] > 0  # still found as the GATHER's table
