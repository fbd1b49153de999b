"""Pruning, QAT and int8 export on a tiny student: the properties the product relies on."""
import numpy as np
import pytest

from builder.benchmark.static import static_summary
from builder.compress.prune import prune, weight_sparsity
from builder.compress.qat import prepare, qat
from builder.config import DistillConfig, PruneConfig, QATConfig, StudentConfig
from builder.export.tflite import ConversionOptions, convert
from builder.models.student import build_student, calibrate_score_floor, views
from builder.progress import SILENT
from builder.training import FitData, set_seed
from files_for_tests import stepping_fit

N, L, D, K = 60, 6, 8, 3


@pytest.fixture(scope="module")
def fit():
    return stepping_fit(N, L)


@pytest.fixture(scope="module")
def pruned(fit):
    set_seed(0)
    graph, _ = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    stripped, _ = prune(graph, PruneConfig(target_sparsity=0.5, epochs=2), fit, None, DistillConfig(),
                        batch_size=32)
    return graph, stripped


def flatbuffer(blob: bytes):
    from ai_edge_litert import schema_py_generated as schema

    return static_summary(schema.ModelT.InitFromPackedBuf(blob, 0), blob)


def test_pruning_reaches_target_and_leaves_the_float_student_alone(pruned):
    graph, stripped = pruned
    assert weight_sparsity(stripped) == pytest.approx(0.5, abs=0.03)
    assert weight_sparsity(graph) < 0.05  # the source model was copied, not pruned in place
    assert not any("prune" in l.__class__.__name__.lower() for l in stripped.layers)


def test_qat_int8_export_is_full_integer_with_one_table(pruned, fit):
    _, stripped = pruned
    qgraph, _ = qat(stripped, QATConfig(epochs=1), fit, None, DistillConfig(), batch_size=32)
    calibrate_score_floor(views(qgraph).last, fit.inputs[:32], K + L)
    blob = convert(views(qgraph).last, L, K, N, ConversionOptions("qat"))
    s = flatbuffer(blob)
    # no float weights left (int32 constants are biases and shapes, big only in tiny models)
    assert s["constant_bytes_by_type"].get("FLOAT32", 0) == 0
    assert N * D <= s["constant_bytes_by_type"]["INT8"] < 2 * N * D  # the table is stored once
    assert s["weights"]["sparsity"] > 0.4  # pruned zeros survive quantization
    assert {"GATHER", "FULLY_CONNECTED", "CONV_2D", "TOPK_V2"} <= set(s["op_counts"])
    assert "DEQUANTIZE" in s["op_counts"]  # only at the float outputs
    # the lookup's range went to the converter as a number, not a REDUCE_MAX over the table
    # (which it stops folding for large tables: a 722K x 64 table failed to export)
    wrapper = next(l for l in views(qgraph).last.layers if getattr(l, "layer", None) is not None
                   and l.layer.name == "items")
    wrapper(np.zeros((1, 1), np.int32), training=False)  # eager: the int8-simulated table on the layer
    table = np.asarray(wrapper.layer.embeddings)
    assert wrapper.layer.table_range == pytest.approx(float(np.abs(table).max()))


def test_qat_ranges_start_from_the_float_activations_not_tfmots_default(pruned, fit):
    from builder._keras import keras
    from builder.compress.qat import calibrate_ranges

    _, stripped = pruned
    qgraph = prepare(stripped)
    ranges = {v.name: float(v.numpy()) for v in qgraph.weights if "post_activation_m" in v.name}
    assert ranges and set(ranges.values()) == {-6.0, 6.0}  # TFMOT's initial [-6, 6]
    every = [v for v in qgraph.weights if v.name.endswith(("_min:0", "_max:0")) and "kernel" not in v.name
             and "embeddings" not in v.name]
    assert calibrate_ranges(qgraph, stripped, fit.inputs) == len(every) > len(ranges)  # all activations
    from builder.models.layers import CUSTOM_OBJECTS

    with keras.utils.custom_object_scope(CUSTOM_OBJECTS):
        fresh = keras.models.clone_model(stripped)
    fresh.set_weights(stripped.get_weights())
    conv = keras.Model(fresh.inputs, fresh.get_layer("conv0").output)(fit.inputs).numpy()
    lo = next(float(v.numpy()) for v in qgraph.weights if v.name == "quant_conv0/post_activation_min:0")
    hi = next(float(v.numpy()) for v in qgraph.weights if v.name == "quant_conv0/post_activation_max:0")
    assert lo == pytest.approx(min(conv.min(), 0.0), rel=1e-5) and hi == pytest.approx(max(conv.max(), 0.0), rel=1e-5)


def test_qat_keeps_the_calibrated_start_when_no_fine_tuned_epoch_beats_it(pruned, fit):
    from dataclasses import replace

    _, stripped = pruned
    valid_fit = replace(fit, valid=_valid_split(fit))
    _, result = qat(stripped, QATConfig(epochs=2), valid_fit, None, DistillConfig(), batch_size=32)
    assert result.history[0]["epoch"] == 0 and "val_ndcg@10" in result.history[0]
    best = max(result.history, key=lambda r: r["val_ndcg@10"])
    assert result.best_epoch == best["epoch"] and result.best_val_ndcg10 == best["val_ndcg@10"]


def _valid_split(fit):
    from builder.data.dataset import EvalSplit

    return EvalSplit([h[h > 0] for h in fit.inputs[:40]], fit.targets[:40, -1].astype(np.int32))


def test_recommend_masks_history_and_padding_and_matches_scores(tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    set_seed(1)
    _, v = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    it = Interpreter(model_content=convert(v.last, L, K, N))
    rec, scores = it.get_signature_runner("recommend"), it.get_signature_runner("scores")
    rng = np.random.default_rng(0)
    for _ in range(20):
        h = np.zeros((1, L), np.int32)
        n = rng.integers(0, L + 1)
        h[0, L - n:] = rng.integers(1, N, size=n)
        out = rec(history=h)
        ids = out["top_ids"][0]
        assert len(set(ids.tolist())) == K and 0 not in ids and not set(ids) & set(h[0].tolist())
        s = scores(history=h)["scores"][0].copy()
        s[0] = -np.inf
        s[h[0]] = -np.inf
        assert ids.tolist() == np.argsort(-s, kind="stable")[:K].tolist()
        np.testing.assert_allclose(out["top_scores"][0], s[ids], rtol=1e-6)


def test_ptq_export_runs(fit):
    set_seed(2)
    _, v = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    blob = convert(v.last, L, K, N, ConversionOptions("ptq", representative=fit.inputs[:32]))
    by_type = flatbuffer(blob)["constant_bytes_by_type"]
    assert by_type.get("FLOAT32", 0) == 0 and by_type["INT8"] >= N * D


def test_stripping_tensor_names_changes_nothing_but_the_names(fit):
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.interpreter import Interpreter

    set_seed(3)
    _, v = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    opts = dict(quantize="ptq", representative=fit.inputs[:32])
    named = convert(v.last, L, K, N, ConversionOptions(**opts, strip_names=False))
    blob = convert(v.last, L, K, N, ConversionOptions(**opts))
    assert len(blob) < len(named)
    model = schema.Model.GetRootAsModel(blob, 0)
    assert all(model.Subgraphs(g).Tensors(t).Name() in (None, b"")
               for g in range(model.SubgraphsLength()) for t in range(model.Subgraphs(g).TensorsLength()))
    for i in range(model.BuffersLength()):  # weights keep the converter's 16-byte alignment
        b = model.Buffers(i)
        if b.DataLength():
            assert b._tab.Vector(b._tab.Offset(4)) % 16 == 0
    a, b = Interpreter(model_content=named), Interpreter(model_content=blob)
    assert a.get_signature_list() == b.get_signature_list()
    for sig, h in (("scores", fit.inputs[:16]), ("recommend", fit.inputs[:1])):
        ra, rb = a.get_signature_runner(sig)(history=h), b.get_signature_runner(sig)(history=h)
        assert ra.keys() == rb.keys() and all(np.array_equal(ra[k], rb[k]) for k in ra)


def test_k_plus_history_must_fit_the_catalog():
    _, v = build_student(N, L, StudentConfig(dim=D, conv_layers=0, dropout=0.0))
    with pytest.raises(ValueError, match="export.k"):
        convert(v.last, L, N, N)


def test_prepare_keeps_the_ids_integer():
    _, v = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    q = prepare(build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))[0])
    assert q.input.dtype.name == "int32"
    assert any(l.name == "quant_items" for l in q.layers)


@pytest.mark.parametrize("structure", ["block", "2:4"])
def test_structured_pruning(fit, structure):
    graph, _ = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    stripped, _ = prune(graph, PruneConfig(structure=structure, block_size=(1, 4), epochs=2),
                        fit, None, DistillConfig(), batch_size=32)
    table = stripped.get_layer("items").embeddings.numpy().reshape(N, D // 4, 4)
    if structure == "block":  # whole 1x4 blocks are zero
        zero_blocks = np.all(table == 0, axis=-1)
        assert zero_blocks.mean() == pytest.approx(0.5, abs=0.05)
        assert np.array_equal(np.any(table == 0, axis=-1), zero_blocks)
    else:  # at most 2 non-zeros in every group of 4 along TFMOT's grouping axis (the first)
        groups = stripped.get_layer("items").embeddings.numpy().T.reshape(D, N // 4, 4)
        assert (np.count_nonzero(groups, axis=-1) <= 2).all()


def test_qat_conversion_refuses_an_uncalibrated_score_floor():
    qgraph = prepare(build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))[0])
    with pytest.raises(ValueError, match="calibrate_score_floor"):
        convert(views(qgraph).last, L, K, N, ConversionOptions("qat"))


def test_pruning_recovery_trains_on_at_the_target_sparsity_and_keeps_its_best_epoch():
    from builder.data.dataset import EvalSplit
    from builder.training import TrainSpec

    set_seed(1)
    rng = np.random.default_rng(1)
    seq = np.cumsum(rng.integers(1, 3, size=(200, L + 2)), axis=1) % (N - 1) + 1
    valid = EvalSplit([s[:-1] for s in seq[:60]], seq[:60, -1].astype(np.int32))
    fit = FitData(seq[:, :L].astype(np.int32), seq[:, 1:L + 1].astype(np.int32), valid, L, SILENT)
    graph, _ = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    recover = TrainSpec(epochs=6, batch_size=32, learning_rate=1e-3, patience=2, eval_every=1,
                        lr_schedule="plateau")
    stripped, res = prune(graph, PruneConfig(target_sparsity=0.5, epochs=2), fit, None, DistillConfig(),
                          batch_size=32, recover=recover)
    assert 2 < res.epochs_run <= 8 and res.best_epoch > 2  # the best epoch comes from the recovery
    assert [r["epoch"] for r in res.history] == list(range(1, res.epochs_run + 1))
    assert weight_sparsity(stripped) == pytest.approx(0.5, abs=0.02)  # still at the target
