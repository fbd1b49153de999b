"""In-process latency measurement with LiteRT, interleaving all configurations.

A configuration is one (model, thread count) pair, each with its own
`Interpreter(num_threads=...)`. The phases, in order, each interleaved over the
configurations (A1 B1 A2 B2 ...):

1. init: `Interpreter(model_path, num_threads)` + tensor allocation + the
   `recommend` signature runner (benchmark_model's "Init").
2. first inference: one call (benchmark_model's "First inference").
3. warm-up: `warmup_runs` rounds (benchmark_model's "Warmup (avg)").
4. measured rounds: round r calls every configuration once, in order, on the same
   history (history r mod M of that model's pool), until at least `runs` rounds
   AND at least `min_seconds` of measured time, or `max_seconds` (whichever first
   after the first round): the benchmark_model rule "at least N iterations and at
   least S seconds but terminate if exceeding T seconds".

Interleaving means slow phases of a noisy machine hit every configuration alike,
so the ratios between models hold even when the absolute numbers drift. Each
latency is the wall time (perf_counter_ns) of one signature-runner call: input
copy, invoke and output fetch, i.e. what a Python caller pays per recommendation.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from builder.model_file import RECOMMEND, open_interpreter, prime_litert

Invoke = Callable[[np.ndarray], Any]


@dataclass
class Session:
    """One configuration, opened: the callable and its init time."""

    invoke: Invoke
    init_us: float
    keepalive: Any = None


@dataclass
class Timings:
    """Raw timings of one configuration (microseconds)."""

    init_us: float
    first_inference_us: float
    warmup_us: list[float] = field(default_factory=list)
    latencies_us: list[float] = field(default_factory=list)


def open_session(model_path: str | Path, input_name: str, threads: int) -> Session:
    """Load + allocate a LiteRT interpreter on the `recommend` signature, timed."""
    prime_litert(model_path)  # LiteRT's once-per-process announcement, outside the clock
    start = time.perf_counter_ns()
    interpreter = open_interpreter(model_path, threads)
    runner = interpreter.get_signature_runner(RECOMMEND)
    subgraph = getattr(runner, "_subgraph_index", 0)
    wrapper = getattr(runner, "_interpreter_wrapper", None)
    if wrapper is not None:  # allocate the recommend subgraph now, not at the first call
        wrapper.AllocateTensors(subgraph)
    else:  # pragma: no cover - other LiteRT versions
        interpreter.allocate_tensors()
    init_us = (time.perf_counter_ns() - start) / 1e3

    def invoke(history: np.ndarray) -> Any:
        return runner(**{input_name: history})

    return Session(invoke=invoke, init_us=init_us, keepalive=interpreter)


def as_batches(histories: np.ndarray) -> list[np.ndarray]:
    """Pre-shaped contiguous [1, L] int32 inputs, so slicing stays out of the timing."""
    return [np.ascontiguousarray(row[None, :], dtype=np.int32) for row in histories]


def run_interleaved(
    sessions: Sequence[Session],
    inputs: Sequence[Sequence[np.ndarray]],
    warmup_runs: int,
    runs: int,
    min_seconds: float = 0.0,
    max_seconds: float = 150.0,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> list[Timings]:
    """Time every session interleaved; `inputs[i]` is session i's pool of [1, L] inputs."""
    if len(sessions) != len(inputs):
        raise ValueError("one input pool per session")
    n = len(sessions)

    def timed(i: int, r: int) -> float:
        pool = inputs[i]
        x = pool[r % len(pool)]
        start = clock()
        sessions[i].invoke(x)
        return (clock() - start) / 1e3

    results = [Timings(init_us=s.init_us, first_inference_us=0.0) for s in sessions]
    for i in range(n):
        results[i].first_inference_us = timed(i, 0)
    for r in range(warmup_runs):
        for i in range(n):
            results[i].warmup_us.append(timed(i, r + 1))
    measured_ns = 0
    r = 0
    while True:
        round_start = clock()
        for i in range(n):
            results[i].latencies_us.append(timed(i, r))
        measured_ns += clock() - round_start
        r += 1
        seconds = measured_ns / 1e9
        if seconds >= max_seconds:
            break
        if r >= runs and seconds >= min_seconds:
            break
    return results
