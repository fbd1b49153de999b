"""Shared fixtures: tiny synthetic data, and one real smoke build reused by slow tests."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def smoke_build(tmp_path_factory: pytest.TempPathFactory):
    """The real pipeline on the `smoke` preset (MovieLens-100K, tiny models), built once."""
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path_factory.mktemp("smoke_out")
    return build(load_config("smoke"), out, Progress(0))


@pytest.fixture(scope="session")
def shared_table_build(smoke_build, tmp_path_factory: pytest.TempPathFactory):
    """The smoke build again with a shared item table (files_for_tests.SHARED_TABLE: 32 own rows, 16
    remainder buckets; the teacher from the smoke build's cache)."""
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress
    from files_for_tests import SHARED_TABLE

    out = tmp_path_factory.mktemp("shared_out")
    shutil.copytree(smoke_build.run_dir, out / "smoke")
    return build(load_config("smoke", overrides={"student": SHARED_TABLE}), out, Progress(0))


@pytest.fixture(scope="session")
def smoke_run_dir(smoke_build) -> Path:
    """Directory holding the smoke build's model.tflite + model.json (and the report)."""
    return Path(smoke_build.run_dir)


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """6 users x 6 items, chronological, with a planted 1->2->3 pattern."""
    rows = []
    rng = np.random.default_rng(0)
    for u in range(6):
        items = [1, 2, 3, 4, 5, 6]
        rng.shuffle(items[3:])
        for t, i in enumerate(items):
            rows.append(f"{u},{i},{1000 + t * 10},{4 if i % 2 else 3}")
    from files_for_tests import write_csv

    return write_csv(tmp_path / "inter.csv", "user_id,item_id,timestamp,rating", rows)


@pytest.fixture(scope="session")
def template_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory with models/<stage>.tflite + .json for RUN_STAGES and a root model.* copy."""
    from builder._keras import keras, tf
    from files_for_tests import RUN_K, RUN_L, RUN_N, RUN_STAGES
    from builder.data.dataset import SequenceDataset
    from builder.export.sidecar import make_sidecar
    from builder.export.tflite import serving_module

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Embedding(RUN_N, 4), keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(RUN_N)])
    model.build((None, RUN_L))
    module = serving_module(model, RUN_L, RUN_K, RUN_N)
    fns = [module.recommend.get_concrete_function(), module.scores.get_concrete_function()]
    blob = tf.lite.TFLiteConverter.from_concrete_functions(fns, module).convert()
    dataset = SequenceDataset(item_ids=[""] + [str(i) for i in range(1, RUN_N)],
                              titles=[""] + [f"Movie {i}" for i in range(1, RUN_N)],
                              genres=[()] + [("Drama",)] * (RUN_N - 1), user_ids=["u1", "u2"],
                              sequences=[np.array([1, 2, 3, 4], np.int32), np.array([2, 5, 6], np.int32)])
    run_dir = tmp_path_factory.mktemp("run")
    (run_dir / "models").mkdir()
    for stage, directory, name in [(s, run_dir / "models", s) for s in RUN_STAGES] + [
            ("final_int8", run_dir, "model")]:
        (directory / f"{name}.tflite").write_bytes(blob)
        sidecar = make_sidecar(dataset=dataset, stage=stage, model_file=f"{name}.tflite", model_bytes=blob,
                               max_len=RUN_L, k=RUN_K, config_hash="test", metrics={}, sizes={})
        (directory / f"{name}.json").write_text(json.dumps(sidecar))
    return run_dir


@pytest.fixture
def run_dir(template_run: Path, tmp_path: Path) -> Path:
    """A private copy of the template run that a test may break."""
    return Path(shutil.copytree(template_run, tmp_path / "run"))
