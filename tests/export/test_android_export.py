"""`rec-builder export-android`: validated copy of models + sidecars into the app's assets."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from builder.export.android import add_arguments, export_android, run
from builder.export.sidecar import read_sidecar
from builder.model_file import inspect_model

from files_for_tests import RUN_K as K, RUN_L as L, RUN_N as N, RUN_STAGES as STAGES


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
        assert inspect_model(assets / sidecar["model_file"], require_sidecar=True).sidecar == sidecar
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
    return "vocabulary size (num_items) 13"


def _drop_model(run_dir: Path) -> str:
    (run_dir / "models" / "student_fp32.tflite").unlink()
    return "student_fp32.tflite not found (stages in"


def _change_model(run_dir: Path) -> str:
    path = run_dir / "models" / "student_fp32.tflite"
    path.write_bytes(path.read_bytes() + b"\0")
    return "model_sha256 differs"


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


def test_by_default_the_stage_the_report_shipped_is_exported(run_dir: Path, tmp_path: Path) -> None:
    """The shipped stage is final_int8 or final_int8_transition (a transition head won): the
    export follows report.json's `shipped`, then adds the fp32 student."""
    (run_dir / "report.json").write_text(json.dumps({"shipped": "student_fp32"}))
    assets = tmp_path / "assets"
    assert cli(str(run_dir), "--assets", str(assets)) == 0
    assert sorted(p.name for p in assets.iterdir()) == ["student_fp32.json", "student_fp32.tflite"]
    (run_dir / "report.json").write_text(json.dumps({"shipped": "final_int9"}))
    assert cli(str(run_dir), "--assets", str(tmp_path / "other")) == 2  # a stage the run lacks: named, nothing copied
    assert not (tmp_path / "other").exists()
