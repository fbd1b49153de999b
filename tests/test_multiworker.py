"""Multi-worker training (builder.distributed): flag parsing, and two worker processes on
loopback that train the same steps as one process."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from builder.distributed import cluster_from

SCRIPT = Path(__file__).with_name("multiworker_train.py")
ROOT = SCRIPT.parent.parent


def test_cluster_from_flags_and_tf_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert cluster_from(None, None) is None
    c = cluster_from("a:1,b:2", 1)
    assert c.workers == ("a:1", "b:2") and c.index == 1 and not c.chief
    monkeypatch.setenv("TF_CONFIG", c.tf_config())
    assert cluster_from(None, None) == c


@pytest.mark.parametrize("workers, index, message", [
    ("a:1", 0, "--workers: needs at least two"),
    ("a:1,b", 0, "--workers: 'b' is not host:port"),
    ("a:1,a:1", 0, "--workers: a worker address appears twice"),
    ("a:1,b:70000", 0, "is not host:port"),
    ("a:1,b:2", None, "--worker-index: required"),
    ("a:1,b:2", 2, "--worker-index: 2 is not in 0..1"),
    (None, 0, "--worker-index: needs --workers"),
])
def test_bad_cluster_flags_name_the_flag(workers, index, message, monkeypatch) -> None:
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        cluster_from(workers, index)


def test_bad_tf_config_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG"):
        cluster_from(None, None)


def test_cli_rejects_bad_workers_before_training(tmp_path: Path) -> None:
    from builder.cli import EXIT_BAD_INPUT, run

    out = tmp_path / "out"
    assert run(["build", "--preset", "smoke", "--out", str(out), "--workers", "127.0.0.1:1"]) == EXIT_BAD_INPUT
    assert not out.exists()


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _run(*args: str, timeout: float = 240) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}
    env.pop("TF_CONFIG", None)
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen, timeout: float = 240) -> dict:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"worker timed out; stderr tail:\n{err[-3000:]}")
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow
def test_two_workers_train_the_same_steps_as_one_process() -> None:
    workers = ",".join(f"127.0.0.1:{p}" for p in _free_ports(2))
    procs = [_run(workers, "0"), _run(workers, "1")]
    single = _result(_run())
    chief, other = (_result(p) for p in procs)
    # the workers hold the same (mirrored) weights
    assert chief["weights"] == other["weights"]
    # and took the steps of one process with the same global batches (float sums in another order)
    np.testing.assert_allclose(chief["losses"], single["losses"], rtol=1e-4)
    np.testing.assert_allclose(chief["weights"], single["weights"], rtol=1e-3, atol=1e-4)
    assert chief["checksum"] == pytest.approx(single["checksum"], rel=1e-3)
    assert chief["losses"][-1] < chief["losses"][0]  # it learned
