"""The low-rank item table (student.table_rank): layer, teacher init, pruning, QAT int8 export."""
import numpy as np
import pytest

from builder.benchmark.static import static_summary
from builder.compress.distill import init_items_from_teacher, low_rank_factors, pca_item_table
from builder.compress.prune import prune, weight_sparsity
from builder.compress.qat import qat
from builder.config import (ConfigError, DistillConfig, PruneConfig, QATConfig, StudentConfig, TeacherConfig,
                            load_config)
from builder.export.tflite import ConversionOptions, convert
from builder.models.layers import ItemEmbedding
from builder.models.student import build_student, calibrate_score_floor, views
from builder.models.teacher import build_teacher
from builder.recipe import architecture_key
from builder.training import set_seed
from files_for_tests import stepping_fit

# A @ B this large (9,600 values) is not constant-folded by the converter: the export test
# fails unless the lookup range is frozen before conversion (freeze_lookup_ranges)
N, L, D, R, K = 600, 6, 16, 4, 3


def test_lookup_gathers_rows_of_a_times_b_and_scoring_multiplies_codes_by_a():
    layer = ItemEmbedding(7, 5, rank=2)
    layer.build(None)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 2)).astype(np.float32), rng.normal(size=(2, 5)).astype(np.float32)
    layer.embeddings.assign(a)
    layer.projection.assign(b)
    ids = np.array([[0, 3, 6], [1, 1, 2]], np.int32)
    np.testing.assert_allclose(layer(ids).numpy(), (a @ b)[ids], rtol=1e-5, atol=1e-6)
    codes = rng.normal(size=(4, 2)).astype(np.float32)
    np.testing.assert_allclose(layer(codes).numpy(), codes @ a.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.full_table(), a @ b, rtol=1e-6)
    assert layer.code_dim == 2 and ItemEmbedding(7, 5).code_dim == 5


@pytest.mark.parametrize("rank", [-1, 5, 6])
def test_the_layer_refuses_a_rank_outside_0_to_dim(rank):
    with pytest.raises(ValueError, match="rank"):
        ItemEmbedding(7, 5, rank=rank)


def test_svd_factors_reproduce_a_rank_r_table_and_a_looks_like_a_pca_init():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(50, 3)) @ rng.normal(size=(3, 8))  # rank 3
    a, b = low_rank_factors(table, 3, std=0.05)
    assert a.shape == (50, 3) and b.shape == (3, 8) and a.dtype == b.dtype == np.float32
    np.testing.assert_allclose(a @ b, table, atol=1e-5 * np.abs(table).max())
    assert a[1:].std() == pytest.approx(0.05, rel=1e-4)
    gram = b @ b.T  # orthogonal rows of equal length
    np.testing.assert_allclose(gram, gram[0, 0] * np.eye(3), atol=1e-5 * gram[0, 0])


def test_svd_factors_of_lower_rank_are_the_best_approximation():
    rng = np.random.default_rng(2)
    table = rng.normal(size=(40, 6))
    a, b = low_rank_factors(table, 2)
    u, s, vt = np.linalg.svd(table, full_matrices=False)
    np.testing.assert_allclose(a @ b, (u[:, :2] * s[:2]) @ vt[:2], atol=1e-5)


def test_a_low_rank_student_starts_from_the_truncated_svd_of_the_teachers_pca_table():
    set_seed(0)
    teacher = build_teacher(N, L, TeacherConfig(dim=32, blocks=1, heads=1, dropout=0.0))
    graph, _ = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0, table_rank=R))
    kept = init_items_from_teacher(graph, teacher)
    pca, kept_dense = pca_item_table(teacher.sequence.get_layer("items").embeddings.numpy(), D)
    assert kept == pytest.approx(kept_dense)
    u, s, vt = np.linalg.svd(pca.astype(np.float64), full_matrices=False)
    items = graph.get_layer("items")
    np.testing.assert_allclose(items.full_table(), (u[:, :R] * s[:R]) @ vt[:R], atol=1e-6)
    assert graph.get_layer("user").units == R  # the scores are (h B^T) A^T: the user layer emits codes


def test_table_rank_is_validated_and_named():
    for rank in (-1, 8, 9):
        with pytest.raises(ConfigError, match="'student.table_rank'.*below student.dim"):
            StudentConfig(dim=8, table_rank=rank)
    with pytest.raises(ConfigError, match="student.table_rank"):
        load_config("smoke", overrides={"student": {"table_rank": 8}})  # smoke student.dim is 8
    with pytest.raises(ConfigError, match="student.table_rank.*integer"):
        load_config("smoke", overrides={"student": {"table_rank": 2.5}})
    assert load_config("smoke", overrides={"student": {"table_rank": 4}}).student.table_rank == 4


def test_dense_students_keep_their_cache_keys():
    assert "table_rank" not in architecture_key(StudentConfig(dim=8))
    assert architecture_key(StudentConfig(dim=8, table_rank=4))["table_rank"] == 4


@pytest.fixture(scope="module")
def fit():
    return stepping_fit(N, L)


@pytest.fixture(scope="module")
def pruned_low_rank(fit):
    set_seed(0)
    graph, _ = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0, table_rank=R))
    stripped, _ = prune(graph, PruneConfig(target_sparsity=0.5, epochs=2), fit, None, DistillConfig(),
                        batch_size=32)
    return stripped


def test_pruning_sparsifies_a_and_leaves_b_dense(pruned_low_rank):
    items = pruned_low_rank.get_layer("items")
    assert (items.embeddings.numpy() == 0).mean() == pytest.approx(0.5, abs=0.03)
    assert (items.projection.numpy() == 0).mean() == 0.0
    assert weight_sparsity(pruned_low_rank) == pytest.approx(0.5, abs=0.03)


def flatbuffer(blob: bytes):
    from ai_edge_litert import schema_py_generated as schema

    return static_summary(schema.ModelT.InitFromPackedBuf(blob, 0), blob)


def float_ops(blob: bytes) -> list[str]:
    """Operators that take or make a float32 tensor, other than the DEQUANTIZE of an output."""
    from ai_edge_litert import schema_py_generated as schema

    model = schema.ModelT.InitFromPackedBuf(blob, 0)
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    out = []
    for sg in model.subgraphs:
        for op in sg.operators:
            name = names[max(model.operatorCodes[op.opcodeIndex].builtinCode,
                             model.operatorCodes[op.opcodeIndex].deprecatedBuiltinCode)]
            tensors = [sg.tensors[i] for i in list(op.inputs) + list(op.outputs) if i >= 0]
            if any(t.type == schema.TensorType.FLOAT32 for t in tensors):
                if not (name == "DEQUANTIZE" and all(i in sg.outputs for i in op.outputs)):
                    out.append(name)
    return out


def int8_weight_bytes(graph) -> int:
    """Bytes of the weights the int8 model should hold once each: kernels, A (and B)."""
    return sum(int(np.prod(w.shape)) for w in graph.weights
               if any(k in w.name for k in ("kernel", "embeddings", "projection")))


def test_qat_int8_export_stores_a_and_b_once_in_a_full_integer_graph(pruned_low_rank, fit, tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    qgraph, _ = qat(pruned_low_rank, QATConfig(epochs=1), fit, None, DistillConfig(), batch_size=32)
    calibrate_score_floor(views(qgraph).last, fit.inputs[:32], K + L)
    blob = convert(views(qgraph).last, L, K, N, ConversionOptions("qat"))
    s = flatbuffer(blob)
    assert s["constant_bytes_by_type"].get("FLOAT32", 0) == 0
    # A [N, R] + B [R, D] + conv + user [D, R]: every int8 weight stored exactly once
    assert s["constant_bytes_by_type"]["INT8"] == int8_weight_bytes(pruned_low_rank)
    assert int8_weight_bytes(pruned_low_rank) == N * R + R * D + 3 * D * D + D * R
    assert s["op_counts"]["DEQUANTIZE"] == 2  # only at the two float outputs, as for a dense table
    assert float_ops(blob) == []
    assert s["op_counts"]["GATHER"] >= 2  # the table lookup in both signatures

    interp = Interpreter(model_content=blob)
    assert set(interp.get_signature_list()) == {"recommend", "scores"}
    history = fit.inputs[:4]
    scores = interp.get_signature_runner("scores")(history=history)["scores"]
    assert scores.shape == (4, N) and scores.dtype == np.float32
    top = interp.get_signature_runner("recommend")(history=history[:1])
    assert top["top_ids"].shape == (1, K)
    assert not set(top["top_ids"][0]) & (set(history[0]) | {0})


def test_the_dense_int8_export_is_unchanged_by_the_option(fit):
    """Same rule for the dense table (its table stored once): the option adds nothing to it."""
    set_seed(0)
    graph, _ = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    assert [w.name for w in graph.get_layer("items").weights] == ["items/embeddings:0"]
    qgraph, _ = qat(graph, QATConfig(epochs=1), fit, None, DistillConfig(), batch_size=32)
    calibrate_score_floor(views(qgraph).last, fit.inputs[:32], K + L)
    blob = convert(views(qgraph).last, L, K, N, ConversionOptions("qat"))
    s = flatbuffer(blob)
    assert s["constant_bytes_by_type"]["INT8"] == int8_weight_bytes(graph) == N * D + 3 * D * D + D * D
    assert float_ops(blob) == []
