"""`rec-builder export-android RUN_DIR`: copy validated models + sidecars into the app's assets.

For each chosen stage, `RUN_DIR/models/<stage>.tflite` and its sidecar
`<stage>.json` are checked (files exist, sidecar readable, sha256 and
signatures match the model) and only when every stage passed are they written
to the assets folder as `<stage>.tflite` + `<stage>.json`, the sidecar's
`model_file` rewritten to the plain new name (the app requires it next to the
sidecar). Each model is written before its sidecar, so the app never sees a
sidecar without its model. Other files in the assets folder are left alone, but
every other `*.json` there is reported: the app loads it as a sidecar too.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from builder.model_file import ModelFileError, inspect_model, open_interpreter
from builder.io import write_bytes_atomic, write_json_atomic

DEFAULT_STAGES = ("final_int8", "student_fp32")  # without a report naming the shipped stage
DEFAULT_ASSETS = Path("android_demo/app/src/main/assets")
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class ExportError(ValueError):
    """The run directory or the assets folder cannot be used (missing files, bad names)."""


@dataclass(frozen=True)
class _Checked:
    stage: str
    model: bytes
    sidecar: dict[str, Any]


def present_stages(run_dir: Path) -> list[str]:
    """Stages of `run_dir` with both `models/<stage>.tflite` and `models/<stage>.json`."""
    models = Path(run_dir) / "models"
    return sorted(p.stem for p in models.glob("*.tflite") if p.with_suffix(".json").is_file())


def _check_stage(run_dir: Path, stage: str) -> _Checked:
    if not stage or Path(stage).name != stage or stage.startswith("."):
        raise ExportError(f"bad stage name {stage!r}: expected a plain name such as final_int8")
    model_path = run_dir / "models" / f"{stage}.tflite"
    sidecar_path = model_path.with_suffix(".json")
    for path in (model_path, sidecar_path):
        if not path.is_file():
            have = ", ".join(present_stages(run_dir)) or "none"
            raise ExportError(f"stage '{stage}': {path} not found (stages in {run_dir}: {have})")
    info = inspect_model(model_path, require_sidecar=True)  # sha256, length, vocabulary, K
    open_interpreter(model_path)  # LiteRT accepts it
    model, sidecar = info.model_bytes, info.sidecar
    return _Checked(stage, model, sidecar)


def default_stages(run_dir: Path) -> list[str]:
    """The build's shipped stage (report.json `shipped`: final_int8, or final_int8_transition when
    a transition head won) and the fp32 student; DEFAULT_STAGES when no report says."""
    try:
        shipped = json.loads((Path(run_dir) / "report.json").read_text(encoding="utf-8")).get("shipped")
    except (OSError, ValueError, AttributeError):
        shipped = None
    return [shipped, "student_fp32"] if isinstance(shipped, str) and shipped else list(DEFAULT_STAGES)


def export_android(run_dir: Path, assets_dir: Path,
                   stages: Sequence[str] | None = None) -> list[Path]:
    """Validate every stage, then copy each as `<stage>.tflite` + `<stage>.json`; returns the paths written.

    Raises ExportError or ModelFileError before writing anything when any stage fails.
    """
    run_dir, assets_dir = Path(run_dir), Path(assets_dir)
    if not run_dir.is_dir():
        raise ExportError(f"run directory {run_dir} not found (expected the output of rec-builder build)")
    if assets_dir.exists() and not assets_dir.is_dir():
        raise ExportError(f"assets path {assets_dir} exists and is not a directory")
    stages = list(dict.fromkeys(default_stages(run_dir) if stages is None else stages))
    if not stages:
        raise ExportError("no stages to export")
    checked = [_check_stage(run_dir, s) for s in stages]
    written: list[Path] = []
    for c in checked:
        model_path = assets_dir / f"{c.stage}.tflite"
        write_bytes_atomic(model_path, c.model)
        write_json_atomic(model_path.with_suffix(".json"), {**c.sidecar, "model_file": model_path.name})
        written += [model_path, model_path.with_suffix(".json")]
    return written


def other_sidecars(assets_dir: Path, stages: Sequence[str]) -> list[Path]:
    """`*.json` files in `assets_dir` other than the chosen stages' sidecars (the app loads them too)."""
    ours = {f"{s}.json" for s in stages}
    return sorted(p for p in Path(assets_dir).glob("*.json") if p.name not in ours)


def _describe(path: Path) -> str:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return f"stage {doc.get('stage')!r}, model_file {doc.get('model_file')!r}"
    except (OSError, ValueError, AttributeError):
        return "not a readable sidecar"


def _stage_list(text: str) -> list[str]:
    stages = [s.strip() for s in text.split(",") if s.strip()]
    if not stages:
        raise argparse.ArgumentTypeError("expected comma-separated stage names, e.g. final_int8,student_fp32")
    return stages


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `export-android` subcommand's arguments to `parser`."""
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR",
                        help="a build run directory (out/<run_name>) holding models/<stage>.tflite + .json")
    parser.add_argument("--assets", type=Path, default=None, metavar="DIR",
                        help=f"the app's assets folder (default: {DEFAULT_ASSETS}, "
                             "relative to the current directory)")
    parser.add_argument("--stages", type=_stage_list, default=None, metavar="S[,S...]",
                        help="stages to copy (default: the shipped stage named in the run's report.json "
                             f"and student_fp32; {','.join(DEFAULT_STAGES)} without a report)")


def run(args: argparse.Namespace) -> int:
    """Run `export-android`; 0 on success, 2 on bad input (nothing written), 1 when writing fails."""
    assets = args.assets
    if assets is None:
        if not DEFAULT_ASSETS.parent.parent.is_dir():
            print(f"error: {DEFAULT_ASSETS.parent.parent}/ not found in {Path.cwd()}: run from the "
                  "repository root or pass --assets DIR (the app's src/main/assets folder)", file=sys.stderr)
            return EXIT_BAD_INPUT
        assets = DEFAULT_ASSETS
    stages = default_stages(args.run_dir) if args.stages is None else args.stages
    try:
        written = export_android(args.run_dir, assets, stages)
    except (ExportError, ModelFileError) as exc:
        print(f"error: {exc}; nothing was copied", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: cannot write to {assets}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not getattr(args, "quiet", False):
        for path in written:
            print(f"{path}  {path.stat().st_size:,} bytes")
    for path in other_sidecars(assets, stages):
        print(f"warning: {path} ({_describe(path)}) is also in the assets; the app loads every "
              "*.json there as a model: delete it if it is stale", file=sys.stderr)
    return EXIT_OK
