"""The Android demo's core on the host JVM, against the real LiteRT runtime.

Runs android_demo/scripts/jvm_test.sh on the smoke build's model.tflite + model.json: core's
JUnit tests, then the same .tflite through LiteRT's C API from Java (JNA -> libLiteRt.so) must
give identical top_ids and scores within 1e-6 of the Python LiteRT interpreter on >= 200
histories, and a sidecar that does not match the model must be a clear error. Then the sdk and
app modules compile against the Android 14 framework and LiteRT API jars (resolved by Maven),
and their Robolectric tests (both screens, fake engine) pass.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "android_demo" / "scripts" / "jvm_test.sh"
LATENCY_JSON = REPO / "android_demo" / "build" / "jvm" / "latency.json"


# slow: needs the session's smoke build (smoke_run_dir), and the script itself takes ~40 s on a
# 2-core machine with a warm ~/.m2 (five javac runs, five JVM starts, Robolectric's ~10 s); the
# first run also downloads ~500 MB of jars with Maven.
@pytest.mark.slow
@pytest.mark.parametrize("run", ["smoke_run_dir", "shared_table_build"])
def test_jvm_core_and_litert_parity(run: str, request: pytest.FixtureRequest) -> None:
    """The smoke build's model, and the same build with a weight-sharing item table (its graph
    has GATHERs by computed rows and an int16 slots index: the Java side runs it unchanged)."""
    found = request.getfixturevalue(run)
    model_dir = Path(found if run == "smoke_run_dir" else found.run_dir)
    assert (model_dir / "model.tflite").is_file()
    assert (model_dir / "model.json").is_file()
    if shutil.which("bash") is None:
        pytest.fail("bash is required to run android_demo/scripts/jvm_test.sh")

    env = dict(os.environ, PYTHON=sys.executable)
    parity_only = run != "smoke_run_dir"  # the sdk/app compile and Robolectric do not depend on the model
    if parity_only:
        env["JVM_TEST_PARITY_ONLY"] = "1"
    proc = subprocess.run(
        ["bash", str(SCRIPT), str(model_dir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = proc.stdout + proc.stderr
    print(proc.stdout)
    assert proc.returncode == 0, f"jvm_test.sh failed (rc={proc.returncode}):\n{out[-6000:]}"

    assert "core unit tests: PASSED" in out
    parity = re.search(
        r"PARITY histories=(\d+) ids_identical=(\d+) max_abs_score_diff=(\S+)", out
    )
    assert parity, out[-4000:]
    histories, identical, max_diff = int(parity[1]), int(parity[2]), float(parity[3])
    assert histories >= 200
    assert identical == histories
    assert max_diff <= 1e-6
    assert "MISMATCH (expected): model.json key 'input.length'" in out
    assert "MISMATCH (expected): model.json key 'num_items'" in out
    if parity_only:
        assert "not run (JVM_TEST_PARITY_ONLY" in out
        return
    # sdk and app compile against the real Android 14 and LiteRT API jars (from Maven), and the
    # Robolectric tests drive both screens; a SKIPPED line here means they were not checked.
    assert "sdk + app compile: PASSED (" in out, out[-4000:]
    robolectric = re.search(r"Robolectric sdk \+ screen tests \(.*\): PASSED \((\d+) tests\)", out)
    assert robolectric, out[-4000:]
    assert int(robolectric[1]) >= 15

    latency = json.loads(LATENCY_JSON.read_text())
    print(json.dumps(latency, indent=2))
    assert latency["host_jvm"]["label"] == "host JVM (JNA -> libLiteRt C API)"
    assert latency["host_jvm"]["runs"] == 500
    assert latency["python"]["runs"] == 500
    for side in ("host_jvm", "python"):
        assert 0 < latency[side]["p50_us"] <= latency[side]["p99_us"]
