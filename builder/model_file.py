"""The one way our commands open a .tflite: verified file, signatures and sidecar.

`inspect_model(path)` checks the artifact contract (a TFLite flatbuffer with a
`recommend` signature taking one int32 `[1, L]` input), reads the sidecar next to
it (`MODEL.tflite` -> `MODEL.json`, validated by `builder.export.sidecar.read_sidecar`)
and cross-checks the two: input length and name, vocabulary size, K and the
model's SHA-256. `require_sidecar=True` (recommend, export-android) makes a missing
sidecar an error; the benchmark accepts a bare .tflite and says what it inferred.
`open_interpreter` then loads the file into LiteRT. Every problem is a
`ModelFileError` whose message names the offending file; the CLI turns it into
exit code 2. Used by `recommend`, `benchmark`, `export-android` and the evaluator.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ai_edge_litert import schema_py_generated as schema

RECOMMEND = "recommend"
SCORES = "scores"
TFLITE_IDENTIFIER = b"TFL3"


class ModelFileError(ValueError):
    """A model file or its sidecar is missing, unreadable or inconsistent: exit code 2."""


@dataclass
class ModelInfo:
    """One validated model, ready to benchmark."""

    path: Path
    model_bytes: bytes
    model: Any  # schema.ModelT
    input_name: str
    length: int
    k: int | None
    num_items: int | None  # vocabulary size INCLUDING padding index 0
    signatures: list[str]
    sidecar_path: Path | None
    info_source: str  # "sidecar" or "model"
    stage: str | None = None
    notes: list[str] = field(default_factory=list)
    sidecar: dict[str, Any] | None = None  # the validated sidecar, when there is one

    @property
    def name(self) -> str:
        return self.path.name


def sidecar_path_for(model_path: Path) -> Path:
    """The sidecar of `MODEL.tflite` is `MODEL.json` in the same folder."""
    return model_path.with_suffix(".json")


def parse_flatbuffer(path: Path, data: bytes) -> Any:
    """Parse a .tflite file into a `schema.ModelT`, or raise naming the file."""
    if len(data) < 8 or data[4:8] != TFLITE_IDENTIFIER:
        raise ModelFileError(
            f"{path}: not a TFLite flatbuffer (no 'TFL3' file identifier at bytes 4-8)"
        )
    try:
        return schema.ModelT.InitFromPackedBuf(data, 0)
    except Exception as exc:  # corrupt/truncated flatbuffer: any decoding error
        raise ModelFileError(f"{path}: cannot parse the TFLite flatbuffer ({exc})") from exc


def _decode(name: bytes | str | None) -> str:
    if name is None:
        return ""
    return name.decode() if isinstance(name, bytes) else name


def signature_io(model: Any, key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Inputs and outputs (name -> TensorT) of signature `key`, or None when absent."""
    for sig in model.signatureDefs or []:
        if _decode(sig.signatureKey) == key:
            tensors = model.subgraphs[sig.subgraphIndex].tensors
            inputs = {_decode(t.name): tensors[t.tensorIndex] for t in sig.inputs or []}
            outputs = {_decode(t.name): tensors[t.tensorIndex] for t in sig.outputs or []}
            return inputs, outputs
    return None


def _shape(tensor: Any) -> list[int]:
    sig = tensor.shapeSignature if tensor.shapeSignature is not None else tensor.shape
    return [int(d) for d in (sig if sig is not None else [])]


def locate(path: str | Path) -> Path:
    """The model of a run directory (its model.tflite) or the path itself."""
    path = Path(path)
    return path / "model.tflite" if path.is_dir() else path


def inspect_model(path: str | Path, require_sidecar: bool = False) -> ModelInfo:
    """Validate `path` (and its sidecar) against the artifact contract."""
    from builder.export.sidecar import read_sidecar

    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path}: model file not found")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a regular file")
    data = path.read_bytes()
    if not data:
        raise ModelFileError(f"{path}: the file is empty (0 bytes), not a TFLite model")
    model = parse_flatbuffer(path, data)

    signatures = [_decode(s.signatureKey) for s in model.signatureDefs or []]
    io = signature_io(model, RECOMMEND)
    if io is None:
        found = ", ".join(signatures) or "none"
        raise ModelFileError(
            f"{path}: no '{RECOMMEND}' signature (signatures found: {found})"
        )
    inputs, outputs = io
    if len(inputs) != 1:
        raise ModelFileError(
            f"{path}: signature '{RECOMMEND}' must have exactly one input, has {sorted(inputs)}"
        )
    input_name, input_tensor = next(iter(inputs.items()))
    shape = _shape(input_tensor)
    if input_tensor.type != schema.TensorType.INT32 or len(shape) != 2 or shape[1] <= 0:
        raise ModelFileError(
            f"{path}: input '{input_name}' of '{RECOMMEND}' must be int32 [1, L], "
            f"got type {input_tensor.type} shape {shape}"
        )
    length = shape[1]
    k = _shape(outputs["top_ids"])[-1] if "top_ids" in outputs else None
    scores_io = signature_io(model, SCORES)
    model_num_items = None
    if scores_io is not None and "scores" in scores_io[1]:
        last = _shape(scores_io[1]["scores"])[-1]
        model_num_items = last if last > 0 else None

    info = ModelInfo(
        path=path, model_bytes=data, model=model, input_name=input_name, length=length,
        k=k, num_items=model_num_items, signatures=signatures, sidecar_path=None,
        info_source="model",
    )
    sidecar_path = sidecar_path_for(path)
    if sidecar_path.is_file():
        _apply_sidecar(info, sidecar_path, read_sidecar(sidecar_path), model_num_items)
    elif require_sidecar:
        raise ModelFileError(f"{path}: its sidecar {sidecar_path} is missing (a build writes every "
                             f".tflite with its .json beside it: copy {sidecar_path.name} along)")
    else:
        where = (
            f"vocabulary size {model_num_items} from the '{SCORES}' output"
            if model_num_items is not None
            else "no vocabulary size (no 'scores' signature)"
        )
        info.notes.append(
            f"no sidecar {sidecar_path.name} next to {path.name}: using input length "
            f"{length} from the '{RECOMMEND}' signature and {where}"
        )
    return info


def _apply_sidecar(
    info: ModelInfo, sidecar_path: Path, sidecar: dict[str, Any], model_num_items: int | None
) -> None:
    """Cross-check the sidecar with the model; mismatches are errors, never silent."""
    where = f"{sidecar_path} does not match {info.path}"
    spec = sidecar.get("input") or {}
    length = spec.get("length")
    if length != info.length:
        raise ModelFileError(
            f"{where}: sidecar input length {length!r} but the model's "
            f"'{info.input_name}' input has length {info.length}"
        )
    name = spec.get("name")
    if name is not None and name != info.input_name:
        raise ModelFileError(
            f"{where}: sidecar input name {name!r} but the model's input is {info.input_name!r}"
        )
    num_items = sidecar.get("num_items")
    if not isinstance(num_items, int) or num_items < 2:
        raise ModelFileError(f"{sidecar_path}: 'num_items' must be an integer >= 2")
    if model_num_items is not None and num_items != model_num_items:
        raise ModelFileError(
            f"{where}: sidecar vocabulary size (num_items) {num_items} but the model's "
            f"'{SCORES}' output has {model_num_items} items"
        )
    k = sidecar.get("k")
    if info.k is not None and k is not None and k != info.k:
        raise ModelFileError(
            f"{where}: sidecar k={k} but the model's 'top_ids' output has {info.k}"
        )
    digest = sidecar.get("model_sha256")
    if digest and hashlib.sha256(info.model_bytes).hexdigest() != digest:
        raise ModelFileError(f"{where}: model_sha256 differs from the model file's SHA-256 "
                             "(the model was changed or replaced after its sidecar was written)")
    info.num_items = num_items
    info.k = info.k if info.k is not None else k
    info.sidecar_path = sidecar_path
    info.info_source = "sidecar"
    info.stage = sidecar.get("stage")
    info.sidecar = sidecar


_announced = False  # LiteRT's once-per-process XNNPACK INFO line has been printed (and held back)


def _interpreter(path: str | Path, threads: int) -> Any:
    from ai_edge_litert.interpreter import Interpreter

    try:
        return Interpreter(model_path=str(path), num_threads=threads)
    except (ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: LiteRT cannot load the model ({exc})") from exc


def prime_litert(path: str | Path) -> None:
    """Once per process, load and allocate `path` with stderr held back: the first allocation is
    when LiteRT prints "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.". Timed code
    calls this before its clock starts, so no measured load pays for it."""
    global _announced
    if _announced:
        return
    from builder.quiet import native_stderr_quiet

    with native_stderr_quiet():
        interpreter = _interpreter(path, 1)
        try:
            interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelFileError(f"{path}: LiteRT cannot load the model ({exc})") from exc
    _announced = True


def open_interpreter(path: str | Path, threads: int = 1) -> Any:
    """A LiteRT interpreter on `path`, its load failures a ModelFileError naming the file."""
    prime_litert(path)
    return _interpreter(path, threads)
