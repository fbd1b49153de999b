"""Pure parts: percentile math on hand-checked arrays, interleaving order, labels, atomic writes."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from builder.benchmark.engine import model_labels
from builder.benchmark.histories import random_histories
from builder.io import write_bytes_atomic
from builder.benchmark.runner import Session, run_interleaved
from builder.benchmark.stats import latency_stats, percentile


def test_percentiles_on_hand_checked_arrays() -> None:
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)  # 1 + 0.9 * 3
    assert percentile([1, 2, 3, 4], 99) == pytest.approx(3.97)
    one_to_100 = list(range(1, 101))
    assert percentile(one_to_100, 50) == pytest.approx(50.5)
    assert percentile(one_to_100, 90) == pytest.approx(90.1)  # 1 + 0.9 * 99
    assert percentile(one_to_100, 99) == pytest.approx(99.01)
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_latency_stats_fields() -> None:
    stats = latency_stats([1.0, 2.0, 3.0, 4.0])
    assert stats["count"] == 4
    assert stats["mean"] == pytest.approx(2.5)
    assert stats["std"] == pytest.approx(math.sqrt(1.25))  # population std
    assert (stats["min"], stats["max"]) == (1.0, 4.0)
    assert stats["p50"] == pytest.approx(2.5)
    assert stats["throughput_per_s"] == pytest.approx(4 / 10e-6)  # 4 calls in 10 us


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def session(self, name: str) -> Session:
        return Session(invoke=lambda x: self.calls.append((name, int(x[0, 0]))), init_us=1.0)


def test_interleaving_order_and_inputs() -> None:
    rec = _Recorder()
    pools = [[np.array([[i]], np.int32) for i in range(3)], [np.array([[10 + i]], np.int32) for i in range(3)]]
    timings = run_interleaved([rec.session("A"), rec.session("B")], pools, warmup_runs=1, runs=4)
    names = [n for n, _ in rec.calls]
    # first inference A B, one warm-up round A B, then 4 measured rounds A B A B ...
    assert names == ["A", "B"] * 6
    measured = rec.calls[4:]
    # round r feeds history r mod M to every model: the same row index for A and B
    assert [v for _, v in measured] == [0, 10, 1, 11, 2, 12, 0, 10]
    assert [len(t.latencies_us) for t in timings] == [4, 4]
    assert [len(t.warmup_us) for t in timings] == [1, 1]


def test_min_seconds_extends_and_max_seconds_caps() -> None:
    now = [0]

    def clock() -> int:  # every reading advances 1 ms
        now[0] += 1_000_000
        return now[0]

    rec = _Recorder()
    pools = [[np.zeros((1, 1), np.int32)]]
    t = run_interleaved([rec.session("A")], pools, warmup_runs=0, runs=2, min_seconds=0.01, clock=clock)
    assert len(t[0].latencies_us) > 2  # ran on until 10 ms of measured time
    t = run_interleaved([rec.session("A")], pools, warmup_runs=0, runs=1000, max_seconds=0.01, clock=clock)
    assert len(t[0].latencies_us) < 1000


def test_random_histories_are_valid_and_left_padded() -> None:
    h = random_histories(200, 6, 10, seed=3)
    assert h.dtype == np.int32 and h.shape == (200, 6)
    assert h.min() >= 0 and h.max() < 10
    assert (h[:, -1] > 0).all()  # at least one item, most recent last
    for row in h:  # no padding after the first real item
        nz = np.flatnonzero(row)
        assert (row[nz[0]:] > 0).all()
    np.testing.assert_array_equal(h, random_histories(200, 6, 10, seed=3))


def test_model_labels_disambiguate(tmp_path: Path) -> None:
    a, b = tmp_path / "s1" / "model.tflite", tmp_path / "s2" / "model.tflite"
    assert model_labels([a, b]) == ["s1/model.tflite", "s2/model.tflite"]
    assert model_labels([a, tmp_path / "x.tflite"]) == ["model.tflite", "x.tflite"]


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out" / "r.json"
    write_bytes_atomic(target, b"one")
    write_bytes_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]
