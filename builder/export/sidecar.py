"""The `model.json` sidecar: everything an app needs to use a .tflite correctly.

Schema version 1 (read by the Android demo, `rec-builder benchmark` and
`rec-builder recommend`; a mismatch with the model is an error, never a guess):

    schema_version, builder_version, stage, model_file, model_sha256, config_hash,
    input {name, length, pad_id, dtype}, signatures {recommend, scores},
    k, num_items (vocabulary size INCLUDING padding index 0),
    items [{index, id, title, genres}] for index 1..num_items-1, popular [indices],
    metrics {...}, sizes {...}
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from builder import __version__
from builder.data.dataset import SequenceDataset
from builder.model_file import ModelFileError

SCHEMA_VERSION = 1
POPULAR_COUNT = 100


class SidecarError(ModelFileError):
    """A sidecar does not match its model or is malformed."""


def make_sidecar(*, dataset: SequenceDataset, stage: str, model_file: str, model_bytes: bytes,
                 max_len: int, k: int, config_hash: str, metrics: dict[str, Any],
                 sizes: dict[str, Any]) -> dict[str, Any]:
    pop = dataset.popularity()
    order = np.argsort(-pop, kind="stable")
    popular = [int(i) for i in order if i != 0 and pop[i] > 0][:POPULAR_COUNT]
    return {
        "schema_version": SCHEMA_VERSION,
        "builder_version": __version__,
        "stage": stage,
        "model_file": model_file,
        "model_sha256": hashlib.sha256(model_bytes).hexdigest(),
        "config_hash": config_hash,
        "input": {"name": "history", "length": max_len, "pad_id": 0, "dtype": "int32"},
        "signatures": {
            "recommend": {"inputs": ["history"], "outputs": ["top_ids", "top_scores"]},
            "scores": {"inputs": ["history"], "outputs": ["scores"]},
        },
        "k": k,
        "num_items": dataset.num_items,
        "items": dataset.vocabulary(),
        "popular": popular,
        "metrics": metrics,
        "sizes": sizes,
    }


def read_sidecar(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise SidecarError(f"sidecar not found: {path}") from e
    except json.JSONDecodeError as e:
        raise SidecarError(f"{path} line {e.lineno}: invalid JSON: {e.msg}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise SidecarError(f"{path}: cannot read the sidecar ({e})") from e
    if not isinstance(data, dict):
        raise SidecarError(f"{path}: the sidecar is not a JSON object")
    for key in ("schema_version", "input", "k", "num_items", "items", "popular"):
        if key not in data:
            raise SidecarError(f"{path}: missing key '{key}'")
    if data["schema_version"] != SCHEMA_VERSION:
        raise SidecarError(f"{path}: schema_version {data['schema_version']} is not supported "
                           f"(this builder reads {SCHEMA_VERSION})")
    if not isinstance(data["num_items"], int) or data["num_items"] < 2 or not isinstance(data["items"], list):
        raise SidecarError(f"{path}: 'num_items' must be an integer >= 2 and 'items' a list")
    if len(data["items"]) != data["num_items"] - 1:
        raise SidecarError(f"{path}: 'items' has {len(data['items'])} entries, expected "
                           f"num_items - 1 = {data['num_items'] - 1}")
    return data
