"""The shared (weight-sharing) item table (student.table_buckets): layer math, slots, teacher init,
config errors, QAT int8 export."""
import numpy as np
import pytest

from builder.compress.distill import fit_popularity, init_items_from_teacher, pca_item_table, shared_rows, shared_slots
from builder.compress.qat import qat
from builder.config import ConfigError, DistillConfig, QATConfig, StudentConfig, TeacherConfig, load_config
from builder.export.tflite import ConversionOptions, convert
from builder.models.layers import SharedItemEmbedding
from builder.models.student import build_student, calibrate_score_floor, views
from builder.models.teacher import build_teacher
from builder.recipe import architecture_key
from builder.training import set_seed
from files_for_tests import stepping_fit
from test_low_rank_table import flatbuffer, float_ops

N, L, D, M, H, K = 600, 6, 16, 8, 40, 3  # tail 559 items: 70 quotients x 8 remainders


def random_layer(n: int, d: int, buckets: int, head: int, seed: int = 0) -> SharedItemEmbedding:
    layer = SharedItemEmbedding(n, d, buckets=buckets, head=head)
    layer.build(None)
    rng = np.random.default_rng(seed)
    layer.embeddings.assign(rng.normal(size=(layer.rows, d)).astype(np.float32))
    layer.slots.assign(rng.permutation(np.asarray(layer.slots)))  # any assignment of items to slots
    return layer


def test_rows_compose_by_hand():
    # 7 items + padding, 2 own rows, 2 buckets: 5 tail items in 3 quotients; rows: 2 R, 3 Q, 3 head
    layer = SharedItemEmbedding(8, 1, buckets=2, head=2)
    layer.build(None)
    assert (layer.rows, layer.quotients, layer.tail, layer.head_slot) == (8, 3, 5, 6)
    layer.embeddings.assign(np.array([[0.1], [0.2], [10.], [20.], [30.], [100.], [200.], [300.]], np.float32))
    # tail slot s -> Q[s // 2] + R[s % 2]; head slot 6 + k -> 2 Head[k]; default slots: padding 6,
    # items 1..5 the tail slots 0..4, items 6 and 7 the head slots 7 and 8
    assert list(np.asarray(layer.slots)) == [6, 0, 1, 2, 3, 4, 7, 8]
    np.testing.assert_allclose(layer.full_table()[:, 0], [200, 10.1, 10.2, 20.1, 20.2, 30.1, 400, 600], rtol=1e-6)
    layer.slots.assign(np.array([6, 8, 7, 4, 3, 2, 1, 0], np.int16))
    np.testing.assert_allclose(layer.full_table()[:, 0], [200, 600, 400, 30.1, 20.2, 20.1, 10.2, 10.1], rtol=1e-6)
    ids = np.array([[0, 1, 3, 7]], np.int32)
    np.testing.assert_allclose(layer(ids).numpy()[0, :, 0], [200, 600, 30.1, 10.1], rtol=1e-6)
    np.testing.assert_allclose(layer(np.array([[2.0]], np.float32)).numpy()[0],
                               2 * np.array([200, 600, 400, 30.1, 20.2, 20.1, 10.2, 10.1]), rtol=1e-6)


@pytest.mark.parametrize("n,d,buckets,head", [(12, 3, 3, 2), (50, 4, 7, 0), (30, 5, 2, 10)])
def test_lookups_and_composed_scores_equal_the_dense_table_they_compose(n, d, buckets, head):
    layer = random_layer(n, d, buckets, head)
    full = layer.full_table()
    rng = np.random.default_rng(1)
    ids = rng.integers(0, n, size=(3, 4)).astype(np.int32)
    np.testing.assert_allclose(layer(ids).numpy(), full[ids], rtol=1e-5, atol=1e-5)
    for shape in ((4, d), (2, 5, d)):
        x = rng.normal(size=shape).astype(np.float32)
        np.testing.assert_allclose(layer(x).numpy(), x @ full.T, rtol=1e-5, atol=1e-4)
    assert layer.code_dim == d and layer.rows == head + 1 + -(-(n - 1 - head) // buckets) + buckets


def test_the_layer_refuses_impossible_shapes():
    for buckets, head in ((1, 0), (2, -1), (5, 7)):  # 11 items: head 7 leaves 4 < 5 tail items
        with pytest.raises(ValueError, match="buckets"):
            SharedItemEmbedding(12, 3, buckets=buckets, head=head)


def test_slots_give_the_most_popular_items_the_head():
    popularity = np.array([0, 5, 9, 1, 9, 0, 3])
    slots = shared_slots(popularity, head=2, buckets=2)
    assert list(slots[[1, 3, 5, 6]]) == [0, 1, 2, 3]  # the tail, index order without a table
    assert list(slots[[0, 2, 4]]) == [4, 5, 6]  # padding, then the two items with 9 interactions


def test_slots_lay_the_tail_out_on_the_tables_coordinates():
    table = np.array([[0, 0], [0, 0], [3, 1], [1, 2], [2, 0], [4, 9], [0, 5]], float)
    slots = shared_slots(np.array([0, 9, 1, 1, 1, 1, 1]), head=1, buckets=2, table=table)
    # tail sorted on coordinate 0: 6, 3 | 4, 2 | 5; inside a quotient on coordinate 1: 3, 6 | 4, 2 | 5
    assert list(slots[[3, 6, 4, 2, 5]]) == [0, 1, 2, 3, 4]
    assert list(slots[[0, 1]]) == [6, 7]  # 3 quotients x 2: head slots from 6


def test_least_squares_rows_reproduce_a_composable_table():
    layer = random_layer(40, 4, buckets=5, head=6, seed=3)
    table = layer.full_table()
    rows = shared_rows(table, np.asarray(layer.slots).astype(np.int64), head=6, buckets=5, sweeps=50)
    layer.embeddings.assign(rows)
    np.testing.assert_allclose(layer.full_table(), table, atol=1e-4)


def test_a_shared_student_starts_from_a_fit_of_the_teachers_pca_table():
    set_seed(0)
    teacher = build_teacher(N, L, TeacherConfig(dim=32, blocks=1, heads=1, dropout=0.0))
    graph, _ = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0, table_buckets=M, table_head=H))
    items = graph.get_layer("items")
    pca, _ = pca_item_table(teacher.sequence.get_layer("items").embeddings.numpy(), D)
    popularity = fit_popularity(stepping_fit(N, L), N)
    items.slots.assign(shared_slots(popularity, H, M, pca).astype(np.int16))
    init_items_from_teacher(graph, teacher)
    err = np.linalg.norm(items.full_table() - pca) / np.linalg.norm(pca)
    head = np.argsort(-popularity[1:], kind="stable")[:H] + 1
    np.testing.assert_allclose(items.full_table()[head], pca[head], atol=1e-5)  # own rows: exact
    assert err < 0.9  # the tail: a fit, better than nothing (random rows: err > 1)
    assert items.embeddings.shape == (H + 1 + 70 + M, D)


def test_table_buckets_is_validated_and_named():
    for buckets in (-1, 1):
        with pytest.raises(ConfigError, match="'student.table_buckets'"):
            StudentConfig(dim=8, table_buckets=buckets)
    with pytest.raises(ConfigError, match="'student.table_buckets'.*table_rank"):
        StudentConfig(dim=8, table_buckets=4, table_rank=2)
    for cfg in ({"table_head": 3}, {"table_buckets": 4, "table_head": -1}):
        with pytest.raises(ConfigError, match="'student.table_head'"):
            StudentConfig(dim=8, **cfg)
    with pytest.raises(ConfigError, match="student.table_buckets.*integer"):
        load_config("smoke", overrides={"student": {"table_buckets": 2.5}})
    sc = load_config("smoke", overrides={"student": {"table_buckets": 4}}).student
    assert (sc.table_buckets, sc.shared_head) == (4, 4)


def test_a_shared_table_too_large_for_the_catalog_fails_before_training():
    from types import SimpleNamespace

    from builder.pipeline import validate_against_data

    catalog = SimpleNamespace(num_items=101)  # 100 items
    cfg = load_config("smoke", overrides={"student": {"table_buckets": 4, "table_head": 97},
                                          "export": {"k": 2}, "data": {"max_len": 5}})
    with pytest.raises(ConfigError, match="'student.table_head'.*catalog has 100"):
        validate_against_data(cfg, catalog)
    cfg = load_config("smoke", overrides={"student": {"table_buckets": 200}, "export": {"k": 2},
                                          "data": {"max_len": 5}})
    with pytest.raises(ConfigError, match="'student.table_buckets'"):
        validate_against_data(cfg, catalog)
    validate_against_data(load_config("smoke", overrides={"student": {"table_buckets": 4, "table_head": 96},
                                                          "export": {"k": 2}, "data": {"max_len": 5}}), catalog)


def test_dense_students_keep_their_cache_keys():
    assert not {"table_buckets", "table_head"} & set(architecture_key(StudentConfig(dim=8)))
    key = architecture_key(StudentConfig(dim=8, table_buckets=4))
    assert key["table_buckets"] == 4 and "table_head" not in key  # None: the default, table_buckets own rows


@pytest.fixture(scope="module")
def fit():
    return stepping_fit(N, L)


def test_qat_int8_export_is_full_integer_and_stores_only_the_shared_rows_and_slots(fit):
    from ai_edge_litert.interpreter import Interpreter

    set_seed(0)
    graph, v = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0, table_buckets=M, table_head=H))
    items = graph.get_layer("items")
    items.slots.assign(shared_slots(fit_popularity(fit, N), H, M).astype(np.int16))
    qgraph, _ = qat(graph, QATConfig(epochs=1), fit, None, DistillConfig(), batch_size=32)
    last = views(qgraph).last
    calibrate_score_floor(last, fit.inputs[:32], K + L)
    with pytest.raises(ValueError, match="calibration histories"):
        convert(last, L, K, N, ConversionOptions("qat"))  # the score ranges are frozen on histories
    blob = convert(last, L, K, N, ConversionOptions("qat", representative=fit.inputs[:64]))
    inner = qgraph.get_layer("quant_items").layer
    assert inner.lookup_range > 0 and all(r > 0 for r in inner.score_range)
    s = flatbuffer(blob)
    rows = H + 1 + 70 + M
    by_type = s["constant_bytes_by_type"]
    assert by_type.get("FLOAT32", 0) == 0 and float_ops(blob) == []
    # the rows once (GATHERs and the scoring FULLY_CONNECTED share them), conv, user; no [N, D] table
    assert by_type["INT8"] == rows * D + 3 * D * D + D * D
    assert by_type["INT16"] == 2 * N  # the slots, the only per-item constant
    assert s["op_counts"]["DEQUANTIZE"] == 2
    print(sorted(s["op_counts"].items()), by_type, len(blob))

    interp = Interpreter(model_content=blob)
    assert set(interp.get_signature_list()) == {"recommend", "scores"}
    history = fit.inputs[:8]
    scores = interp.get_signature_runner("scores")(history=history)["scores"]
    assert scores.shape == (8, N) and scores.dtype == np.float32
    ref = last(history, training=False).numpy()
    # int8 scores follow the QAT model's (same item order: the slots permutation is inside the graph)
    assert np.corrcoef(scores.ravel(), ref.ravel())[0, 1] > 0.95
    top = interp.get_signature_runner("recommend")(history=history[:1])
    assert top["top_ids"].shape == (1, K)
    assert not set(top["top_ids"][0]) & (set(history[0]) | {0})
