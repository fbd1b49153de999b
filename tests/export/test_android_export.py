"""`rec-builder export-android`: validated copy of models + sidecars into the app's assets."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from builder.export.android import add_arguments, export_android, run
from builder.export.sidecar import check_against_model, read_sidecar

N, L, K = 12, 3, 2  # vocabulary incl. padding, history length, top-K
STAGES = ("final_int8", "student_fp32")


@pytest.fixture(scope="session")
def template_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory with models/<stage>.tflite + .json for STAGES and a root model.* copy."""
    from builder._keras import keras, tf
    from builder.data.dataset import SequenceDataset
    from builder.export.sidecar import make_sidecar
    from builder.export.tflite import serving_module

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Embedding(N, 4), keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(N)])
    model.build((None, L))
    module = serving_module(model, L, K, N)
    fns = [module.recommend.get_concrete_function(), module.scores.get_concrete_function()]
    blob = tf.lite.TFLiteConverter.from_concrete_functions(fns, module).convert()
    dataset = SequenceDataset(item_ids=[""] + [str(i) for i in range(1, N)],
                              titles=[""] + [f"Movie {i}" for i in range(1, N)],
                              genres=[()] + [("Drama",)] * (N - 1), user_ids=["u1", "u2"],
                              sequences=[np.array([1, 2, 3, 4], np.int32), np.array([2, 5, 6], np.int32)])
    run_dir = tmp_path_factory.mktemp("run")
    (run_dir / "models").mkdir()
    for stage, directory, name in [(s, run_dir / "models", s) for s in STAGES] + [
            ("final_int8", run_dir, "model")]:
        (directory / f"{name}.tflite").write_bytes(blob)
        sidecar = make_sidecar(dataset=dataset, stage=stage, model_file=f"{name}.tflite", model_bytes=blob,
                               max_len=L, k=K, config_hash="test", metrics={}, sizes={})
        (directory / f"{name}.json").write_text(json.dumps(sidecar))
    return run_dir


@pytest.fixture
def run_dir(template_run: Path, tmp_path: Path) -> Path:
    """A private copy of the template run that a test may break."""
    return Path(shutil.copytree(template_run, tmp_path / "run"))


def cli(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return run(parser.parse_args(list(argv)))


def test_copies_validated_models_with_plain_model_file(run_dir: Path, tmp_path: Path, capsys) -> None:
    assets = tmp_path / "assets"
    assert cli(str(run_dir), "--assets", str(assets)) == 0
    assert sorted(p.name for p in assets.iterdir()) == sorted(
        f"{s}{ext}" for s in STAGES for ext in (".json", ".tflite"))
    for stage in STAGES:
        sidecar = read_sidecar(assets / f"{stage}.json")
        assert sidecar["model_file"] == f"{stage}.tflite"
        source = run_dir / "models" / f"{stage}.tflite"
        assert (assets / f"{stage}.tflite").read_bytes() == source.read_bytes()
        original = json.loads((run_dir / "models" / f"{stage}.json").read_text())
        assert {**sidecar, "model_file": original["model_file"]} == original
        check_against_model(sidecar, assets / sidecar["model_file"], assets / f"{stage}.json")
    out = capsys.readouterr()
    assert "final_int8.tflite" in out.out and "bytes" in out.out and out.err == ""


def test_warns_about_other_sidecars_and_keeps_them(run_dir: Path, tmp_path: Path, capsys) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "model.json").write_text(json.dumps({"stage": "final_int8", "model_file": "model.tflite"}))
    written = export_android(run_dir, assets, ["final_int8"])
    assert [p.name for p in written] == ["final_int8.tflite", "final_int8.json"]
    assert cli(str(run_dir), "--assets", str(assets), "--stages", "final_int8") == 0
    assert (assets / "model.json").exists()
    err = capsys.readouterr().err
    assert "warning:" in err and "model.json" in err and "'final_int8'" in err


def _break_num_items(run_dir: Path) -> str:
    path = run_dir / "models" / "student_fp32.json"
    doc = json.loads(path.read_text())
    doc["num_items"] += 1
    doc["items"].append({"index": N, "id": "extra", "title": "Extra", "genres": []})
    path.write_text(json.dumps(doc))
    return "num_items is 13"


def _drop_model(run_dir: Path) -> str:
    (run_dir / "models" / "student_fp32.tflite").unlink()
    return "student_fp32.tflite not found (stages in"


def _change_model(run_dir: Path) -> str:
    path = run_dir / "models" / "student_fp32.tflite"
    path.write_bytes(path.read_bytes() + b"\0")
    return "model_sha256 does not match"


@pytest.mark.parametrize("breaker", [_drop_model, _break_num_items, _change_model])
def test_bad_stage_is_exit_2_and_nothing_written(breaker, run_dir: Path, tmp_path: Path, capsys) -> None:
    expected = breaker(run_dir)
    assets = tmp_path / "assets"
    assert cli(str(run_dir), "--assets", str(assets)) == 2
    err = capsys.readouterr().err
    assert expected in err and "nothing was copied" in err
    if breaker is _drop_model:
        assert "stages in" in err and "final_int8" in err
    assert not assets.exists() or not any(assets.iterdir())


def test_missing_run_dir_is_exit_2(tmp_path: Path, capsys) -> None:
    assert cli(str(tmp_path / "nope"), "--assets", str(tmp_path / "assets")) == 2
    assert "nope not found" in capsys.readouterr().err


def test_default_assets_outside_the_repository_asks_for_assets(run_dir: Path, tmp_path: Path,
                                                              monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(str(run_dir)) == 2
    assert "--assets" in capsys.readouterr().err
    assert not (tmp_path / "android_demo").exists()
