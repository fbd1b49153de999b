"""The transition head: its table is each item's most frequent successors; the numpy head and the
head inside the .tflite (float and QAT int8, both signatures) score the same; validation decides
whether a head ships (paired CI above 0) and prefers the smaller table."""
from pathlib import Path

import numpy as np
import pytest

from builder.data.dataset import EvalSplit, pad_left
from builder.evaluate.bootstrap import Bootstrap
from builder.models.transition import choose_head, head_scores, quantize, transition_table

N, L = 60, 6


def _chains(users: int = 150, length: int = 12, follow: float = 0.8, seed: int = 0) -> list[np.ndarray]:
    """Sequences where item i is followed by i % 59 + 1 with probability `follow`."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(users):
        s = [int(rng.integers(1, N))]
        for _ in range(length - 1):
            s.append(s[-1] % (N - 1) + 1 if rng.random() < follow else int(rng.integers(1, N)))
        out.append(np.array(s, dtype=np.int64))
    return out


def test_the_table_keeps_each_items_most_frequent_successors_in_order():
    seqs = [np.array([1, 2, 1, 2, 1, 3, 1, 2]), np.array([3, 1, 4]), np.array([5])]
    t = transition_table(seqs, 6, 2, smoothing=1.0)
    # 1 -> 2 three times; 1 -> 3 and 1 -> 4 once each: the tie goes to the larger boost, the rarer item 4
    np.testing.assert_array_equal(t.ids[1], [2, 4])
    assert t.boost[1, 0] > t.boost[1, 1] > 0
    np.testing.assert_array_equal(t.ids[0], [0, 0]) and np.testing.assert_array_equal(t.boost[0], [0, 0])
    np.testing.assert_array_equal(t.ids[4], [0, 0])  # never followed by anything
    np.testing.assert_array_equal(t.ids[2], [1, 0]) and t.boost[2, 1] == 0  # one successor, a free slot


def test_the_head_adds_the_quantized_boosts_of_the_last_item_only():
    t = transition_table(_chains(), N, 3, smoothing=1.0)
    head = quantize(t, weight=0.5)
    assert head.ids.dtype == np.int16 and head.codes.dtype == np.uint8 and head.nbytes == N * 3 * 3
    assert quantize(transition_table(_chains(), 40_000, 2, 1.0), 1.0).ids.dtype == np.int32
    x = pad_left([np.array([3, 7]), np.array([], dtype=np.int64), np.array([9])], L)
    got = head.scores(x)
    assert got.shape == (3, N) and not got[1].any() and not got[:, 0].any()  # empty history, padding
    np.testing.assert_allclose(got[0, t.ids[7]], 0.5 * t.boost[7], atol=head.scale)  # uint8 rounding
    assert np.count_nonzero(got[0]) == np.count_nonzero(t.boost[7])
    np.testing.assert_array_equal(head_scores(x, t.ids, t.boost)[2, t.ids[9]], t.boost[9])


def _split(seqs: list[np.ndarray]) -> EvalSplit:
    return EvalSplit([s[:-1] for s in seqs], np.array([s[-1] for s in seqs], dtype=np.int32))


def test_validation_ships_a_head_where_transitions_carry_the_signal_and_none_where_they_add_nothing():
    train, valid = _chains(seed=0), _chains(users=80, seed=1)
    split = _split(valid)
    flat = lambda x: np.zeros((len(x), N), np.float32)  # noqa: E731  a model that knows nothing
    c = choose_head(flat, split, L, train, N, (2, 8), (1.0,), (0.5, 1.0), Bootstrap.create(len(split), 200))
    assert c.head is not None and c.best > c.without + 0.3 and len(c.tried) == 4
    assert c.head.size == 2  # the chain has one successor: 8 slots are not better than 2

    def knows_the_chain(x: np.ndarray) -> np.ndarray:  # already ranks the successor first
        out = np.zeros((len(x), N), np.float32)
        out[np.arange(len(x)), x[:, -1] % (N - 1) + 1] = 100.0
        return out

    none = choose_head(knows_the_chain, split, L, train, N, (2,), (1.0,), (0.5,), Bootstrap.create(len(split), 200))
    assert none.head is None and none.best == none.without


@pytest.mark.slow
@pytest.mark.parametrize("quantize_mode", ["none", "qat"])
def test_the_head_inside_the_tflite_scores_like_the_numpy_head(quantize_mode, tmp_path: Path):
    from builder.compress.qat import prepare
    from builder.config import StudentConfig
    from builder.evaluate.evaluator import tflite_scorer
    from builder.export.tflite import ConversionOptions, convert
    from builder.model_file import open_interpreter
    from builder.models.student import build_student, calibrate_score_floor, views
    from builder.training import set_seed

    set_seed(0)
    head = quantize(transition_table(_chains(), N, 4, 1.0), 2.0)
    graph, _ = build_student(N, L, StudentConfig(dim=8, conv_layers=1, dropout=0.0))
    graph = prepare(graph) if quantize_mode == "qat" else graph
    last = views(graph).last
    x = np.random.default_rng(0).integers(0, N, size=(16, L)).astype(np.int32)
    x[0] = 0
    calibrate_score_floor(last, x, 10 + L)
    paths = {}
    for name, h in (("plain", None), ("head", head)):
        paths[name] = tmp_path / f"{name}.tflite"
        paths[name].write_bytes(convert(last, L, 10, N, ConversionOptions(quantize_mode, representative=x, head=h)))
    with_head = tflite_scorer(paths["head"])(x)
    np.testing.assert_allclose(with_head, tflite_scorer(paths["plain"])(x) + head.scores(x), rtol=1e-5, atol=1e-5)
    from builder.models.transition import GRAPH_BYTES  # what the head adds besides its table, roughly

    extra = paths["head"].stat().st_size - paths["plain"].stat().st_size - head.nbytes
    assert 0.5 * GRAPH_BYTES <= extra <= GRAPH_BYTES, extra
    runner = open_interpreter(paths["head"]).get_signature_runner("recommend")
    for h, s in zip(x[1:4], with_head[1:4]):
        top = runner(history=h[None])["top_ids"][0]
        assert not set(top.tolist()) & (set(h.tolist()) | {0})
        masked = s.copy()
        masked[np.r_[0, h]] = -np.inf
        np.testing.assert_allclose(np.sort(masked[top])[::-1], np.sort(masked)[::-1][:10], rtol=1e-5)


def test_table_bytes_are_the_heads_bytes():
    from builder.models.transition import table_bytes

    for n in (60, 40_000):
        assert table_bytes(n, 3) == quantize(transition_table(_chains(), n, 3, 1.0), 1.0).nbytes
