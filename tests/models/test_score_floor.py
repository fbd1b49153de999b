"""The serving score floor: int8 levels go to the part of the score range that gets ranked."""
import numpy as np
import pytest

from builder.config import StudentConfig
from builder.export.tflite import ConversionOptions, convert
from builder.models.student import build_student, calibrate_score_floor, score_floor_layer
from builder.training import set_seed

N, L, D, K = 200, 6, 8, 3


def _student():
    set_seed(0)
    graph, v = build_student(N, L, StudentConfig(dim=D, conv_layers=1, dropout=0.0))
    items = graph.get_layer("items")  # a trained student's logits span ~20, not ~0.01
    items.embeddings.assign(items.embeddings * 60.0)
    return v


def _histories(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, N, size=(n, L)).astype(np.int32)


def test_identity_until_calibrated_then_clamps_only_below_the_floor():
    v = _student()
    h = _histories(100, 0)
    raw = v.last(h).numpy()
    assert raw.min() < -1  # a wide range, as after training
    floor, ceiling = calibrate_score_floor(v.last, h, K + L)
    assert floor <= 0 < ceiling and ceiling == pytest.approx(raw.max())
    np.testing.assert_allclose(v.last(h).numpy(), np.maximum(raw, floor), rtol=1e-6)
    kth = np.sort(raw, axis=1)[:, -(K + L)]  # every candidate the recommend signature ranks
    assert (kth >= floor).mean() >= 0.99


def test_floor_is_negative_when_the_ranked_scores_are():
    v = _student()
    h = _histories(100, 0)
    raw = v.last(h).numpy()
    floor, _ = calibrate_score_floor(v.last, h, N - 1)  # rank (almost) the whole catalog
    assert floor < 0
    assert (np.sort(raw, axis=1)[:, 1] >= floor).mean() >= 0.99


def test_floor_refines_the_int8_scores():
    from ai_edge_litert.interpreter import Interpreter

    v = _student()
    reps, test = _histories(128, 1), _histories(64, 2)

    def int8_step() -> float:
        blob = convert(v.last, L, K, N, ConversionOptions("ptq", representative=reps))
        scores = Interpreter(model_content=blob).get_signature_runner("scores")(history=test)["scores"]
        return float(np.diff(np.unique(scores)).min())

    whole_range = int8_step()
    floor, _ = calibrate_score_floor(v.last, reps, K + L)
    assert floor == 0.0
    assert int8_step() < 0.7 * whole_range


def test_uncalibrated_layer_is_found_and_reported():
    v = _student()
    layer = score_floor_layer(v.last)
    assert layer.floor is None and layer.ceiling is None
    from builder._keras import keras

    with pytest.raises(TypeError, match="not a ScoreFloor"):
        score_floor_layer(keras.Model(v.last.input, v.last.layers[-2].output))
