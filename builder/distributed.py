"""Multi-worker data-parallel training on tf.distribute.MultiWorkerMirroredStrategy.

Every worker runs the same `rec-builder build` on the same data and config; they
differ only in their index (`--workers h0:p0,h1:p1 --worker-index I`, or the
standard TF_CONFIG). Each optimizer step takes one global batch, the same rows on
every worker (same seed); worker i computes the gradient of its shard (rows i,
i+n, i+2n, ...) and the all-reduce sums the shards, so n workers take the same
steps as one worker with the same batch size (up to the order of float sums)
while each computes 1/n of every step. Validation, export and evaluation run on
every worker on identical weights, so every decision (early stopping, the width
search, what ships) is the same everywhere; only the chief (index 0) writes the
run directory.

The strategy must exist before TensorFlow runs any op (a TensorFlow rule), so
`start` is the first thing a distributed build does; the build then runs inside
its scope, which makes every model and optimizer variable a mirrored one.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Cluster:
    workers: tuple[str, ...]  # host:port of every worker, the chief first
    index: int  # this worker's

    @property
    def chief(self) -> bool:
        return self.index == 0

    def tf_config(self) -> str:
        return json.dumps({"cluster": {"worker": list(self.workers)},
                           "task": {"type": "worker", "index": self.index}})


def parse_workers(text: str) -> tuple[str, ...]:
    """'host:port,host:port' -> the addresses; ValueError on anything else."""
    workers = tuple(w.strip() for w in text.split(",") if w.strip())
    for w in workers:
        host, _, port = w.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{w!r} is not host:port")
    if len(set(workers)) != len(workers):
        raise ValueError("a worker address appears twice")
    if len(workers) < 2:
        raise ValueError("needs at least two host:port addresses (one worker trains without this)")
    return workers


def cluster_from(workers: str | None, index: int | None) -> Cluster | None:
    """The cluster of `--workers`/`--worker-index`, else of TF_CONFIG, else None (one process).
    ValueError names the flag or variable at fault."""
    if workers is None:
        if index is not None:
            raise ValueError("--worker-index: needs --workers")
        raw = os.environ.get("TF_CONFIG")
        if not raw:
            return None
        try:
            spec = json.loads(raw)
            addresses = tuple(spec["cluster"]["worker"])
            if spec["task"]["type"] != "worker":
                raise ValueError(f"task type {spec['task']['type']!r}: only 'worker' tasks train here")
            index = int(spec["task"]["index"])
        except (KeyError, TypeError, json.JSONDecodeError) as e:
            raise ValueError(f"TF_CONFIG: not a worker cluster spec ({e})") from e
        if len(addresses) < 2:
            return None
    else:
        try:
            addresses = parse_workers(workers)
        except ValueError as e:
            raise ValueError(f"--workers: {e}") from e
        if index is None:
            raise ValueError("--worker-index: required with --workers (0 is the chief)")
    if not 0 <= index < len(addresses):
        raise ValueError(f"--worker-index: {index} is not in 0..{len(addresses) - 1}")
    return Cluster(addresses, index)


_STRATEGY: Any = None
_CLUSTER: Cluster | None = None
_SCOPE: Any = None  # the entered scope: it must stay referenced, or variables are created outside it


def start(cluster: Cluster) -> Any:
    """Create the strategy for `cluster` (before any other TensorFlow op) and enter its scope for
    the rest of the process. Blocks until every worker has joined."""
    global _STRATEGY, _CLUSTER, _SCOPE
    os.environ["TF_CONFIG"] = cluster.tf_config()
    import tensorflow as tf

    _STRATEGY = tf.distribute.MultiWorkerMirroredStrategy()
    _CLUSTER = cluster
    _SCOPE = _STRATEGY.scope()
    _SCOPE.__enter__()
    return _STRATEGY


def strategy() -> Any:
    """The active multi-worker strategy, or None in a single-process build."""
    return _STRATEGY


def cluster() -> Cluster | None:
    return _CLUSTER


def shard(rows: np.ndarray) -> np.ndarray:
    """This worker's rows of a global batch (all of them in a single-process build)."""
    if _CLUSTER is None:
        return rows
    return rows[_CLUSTER.index::len(_CLUSTER.workers)]
