"""The serving view computes only the last position's receptive field, and equals the training
view's last position (float and QAT), for convolutions, the causal average, both, and windows
longer than the history."""
import numpy as np
import pytest

from builder.config import StudentConfig
from builder.models.student import build_student, receptive_field
from builder.training import set_seed

N = 40
CONFIGS = {  # name: (history length, config)
    "default_like": (12, StudentConfig(dim=8, conv_layers=2, kernel_size=3, pool_window=12, dropout=0.0)),
    "conv_only": (10, StudentConfig(dim=8, conv_layers=1, kernel_size=4, dropout=0.0)),
    "pool_only_short_window": (10, StudentConfig(dim=8, conv_layers=0, pool_window=3, dropout=0.0)),
    "field_longer_than_history": (4, StudentConfig(dim=8, conv_layers=3, kernel_size=3, pool_window=9, dropout=0.1)),
    "low_rank_table": (9, StudentConfig(dim=8, conv_layers=2, kernel_size=2, pool_window=5, dropout=0.0,
                                        table_rank=3)),
    "shared_table": (9, StudentConfig(dim=8, conv_layers=2, kernel_size=2, pool_window=5, dropout=0.0,
                                      table_buckets=4, table_head=6)),
}


def _histories(length: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    h = rng.integers(1, N, size=(48, length)).astype(np.int32)
    for i, n in enumerate(rng.integers(0, length + 1, size=len(h))):
        h[i, :length - n] = 0  # left padding, every history length from 0 to L
    return h


def _graph(length: int, cfg: StudentConfig):
    set_seed(0)
    graph, v = build_student(N, length, cfg)
    rng = np.random.default_rng(1)  # weights of a trained scale (the init's biases are all zero)
    graph.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in graph.get_weights()])
    return graph, v


@pytest.mark.parametrize("name", list(CONFIGS))
def test_serving_view_is_the_last_position_of_the_training_view(name):
    length, cfg = CONFIGS[name]
    _, v = _graph(length, cfg)
    h = _histories(length)
    every = v.sequence(h, training=False).numpy()[:, -1]
    last = v.last(h, training=False).numpy()
    assert np.abs(every).max() > 0.1
    np.testing.assert_allclose(last, every, rtol=0, atol=1e-5 * np.abs(every).max())


@pytest.mark.parametrize("name", ["default_like", "field_longer_than_history"])
def test_qat_serving_view_is_the_last_position_too(name):
    from builder.compress.qat import calibrate_ranges, prepare
    from builder.models.student import views

    length, cfg = CONFIGS[name]
    graph, _ = _graph(length, cfg)
    h = _histories(length)
    qgraph = prepare(graph)
    calibrate_ranges(qgraph, graph, h)
    q = views(qgraph)
    every = q.sequence(h, training=False).numpy()[:, -1]
    last = q.last(h, training=False).numpy()
    np.testing.assert_allclose(last, every, rtol=0, atol=1e-5 * np.abs(every).max())


def test_the_exported_recommend_graph_convolves_only_the_receptive_field():
    from ai_edge_litert import schema_py_generated as schema

    from builder.benchmark.static import op_name
    from builder.export.tflite import convert

    length, cfg = 12, StudentConfig(dim=8, conv_layers=2, kernel_size=3, pool_window=4, dropout=0.0)
    assert receptive_field(cfg, length) == 5
    _, v = _graph(length, cfg)
    blob = convert(v.last, length, 3, N)
    model = schema.ModelT.InitFromPackedBuf(blob, 0)
    sub = next(model.subgraphs[s.subgraphIndex] for s in model.signatureDefs if s.signatureKey == b"recommend")
    widths: dict[str, list[int]] = {}  # op -> width of its [1, 1, width, D] input
    for op in sub.operators:
        shape = sub.tensors[op.inputs[0]].shape
        widths.setdefault(op_name(model, op.opcodeIndex), []).append(int(shape[2]) if len(shape) == 4 else -1)
    assert sorted(widths["CONV_2D"]) == [3, 5]  # 5 inputs -> 3 -> 1, unpadded
    assert widths["AVERAGE_POOL_2D"] == [4]  # one window of the causal average
    assert "PAD" not in widths
