"""One verified model loader for every command: a broken model or sidecar is exit 2 naming the file.

Each breakage goes through the real CLI of `recommend`, `benchmark` and `export-android`, and
through the evaluator's LiteRT scorer; none may end in a traceback.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from builder.cli import run
from builder.model_file import ModelFileError


def _truncate(model: Path) -> str:
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    return "flatbuffer"


def _empty(model: Path) -> str:
    model.write_bytes(b"")
    return "empty"


def _not_tflite(model: Path) -> str:
    model.write_bytes(b"user_id,item_id,timestamp\n" * 20)
    return "not a TFLite flatbuffer"


def _wrong_sidecar(model: Path) -> str:
    path = model.with_suffix(".json")
    doc = json.loads(path.read_text())
    doc["input"]["length"] += 1
    path.write_text(json.dumps(doc))
    return "input length"


def _missing_sidecar(model: Path) -> str:
    model.with_suffix(".json").unlink()
    return "sidecar"


BREAKAGES = [_truncate, _empty, _not_tflite, _wrong_sidecar, _missing_sidecar]


def _commands(run_dir: Path, tmp_path: Path) -> dict[str, tuple[Path, list[str]]]:
    """command -> (the model file it reads, its argv)."""
    final = run_dir / "models" / "final_int8.tflite"
    return {
        "recommend": (run_dir / "model.tflite", ["recommend", str(run_dir), "--items", "1,2"]),
        "benchmark": (final, ["benchmark", str(final), "--runs", "3", "--warmup-runs", "1", "--no-memory",
                              "--quiet"]),
        "export-android": (final, ["export-android", str(run_dir), "--assets", str(tmp_path / "assets")]),
    }


@pytest.mark.parametrize("command", ["recommend", "benchmark", "export-android"])
@pytest.mark.parametrize("breaker", BREAKAGES)
def test_broken_model_or_sidecar_is_exit_2_naming_the_file(
        command: str, breaker: Callable[[Path], str], run_dir: Path, tmp_path: Path, capsys) -> None:
    model, argv = _commands(run_dir, tmp_path)[command]
    expected = breaker(model)
    code = run(argv)
    out = capsys.readouterr()
    if command == "benchmark" and breaker is _missing_sidecar:
        # documented: the benchmark runs a bare .tflite, saying what it read from the model instead
        assert code == 0 and "no sidecar final_int8.json" in out.out + out.err
        return
    assert code == 2, out
    named = model.with_suffix(".json") if breaker is _missing_sidecar else model
    assert expected in out.err and str(named) in out.err and "Traceback" not in out.err + out.out
    if command == "export-android":
        assert not (tmp_path / "assets").exists() or not any((tmp_path / "assets").iterdir())


@pytest.mark.parametrize("breaker", [_truncate, _empty, _not_tflite, _wrong_sidecar])
def test_the_evaluator_refuses_the_same_files(breaker: Callable[[Path], str], run_dir: Path) -> None:
    from builder.evaluate.evaluator import tflite_scorer

    model = run_dir / "models" / "final_int8.tflite"
    expected = breaker(model)
    with pytest.raises(ModelFileError, match=expected) as err:
        tflite_scorer(model)
    assert str(model) in str(err.value)


def test_the_intact_run_directory_works_through_every_command(run_dir: Path, tmp_path: Path, capsys) -> None:
    for command, (_, argv) in _commands(run_dir, tmp_path).items():
        assert run(argv) == 0, command
    assert "(id " in capsys.readouterr().out  # recommend printed its list
