"""Stage cache: completed stages are reused when their key (config + data hash) matches.

Each stage directory holds `weights.npz` (the Keras model's weights in order)
and `meta.json` (the key and what the stage reported). Both are written into a
temp directory that is renamed into place, so an interrupted build never
leaves a half-written stage behind; a stage without a valid meta.json is redone.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from builder.io import atomic_directory, write_json_atomic


class StageCache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = Path(root)
        self.enabled = enabled

    def load(self, name: str, key: str, model: Any) -> dict[str, Any] | None:
        """Set `model`'s weights from the cache and return the stage meta, or None on a miss."""
        found = self.load_arrays(name, key)
        if found is None:
            return None
        meta, arrays = found
        try:
            model.set_weights([arrays[f"w{i}"] for i in range(len(arrays))])
        except (ValueError, KeyError):
            return None
        return meta

    def save(self, name: str, key: str, model: Any, meta: dict[str, Any]) -> None:
        self.save_arrays(name, key, {f"w{i}": w for i, w in enumerate(model.get_weights())}, meta)

    def load_arrays(self, name: str, key: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
        """(meta, arrays) of entry `name` if it was saved under `key`, else None."""
        d = self.root / name
        if not self.enabled or not (d / "meta.json").is_file():
            return None
        try:
            meta = json.loads((d / "meta.json").read_text())
            if meta.get("key") != key:
                return None
            with np.load(d / "weights.npz") as z:
                return meta, {f: z[f] for f in z.files}
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None

    def save_arrays(self, name: str, key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        with atomic_directory(self.root / name) as tmp:
            np.savez(tmp / "weights.npz", **arrays)
            write_json_atomic(tmp / "meta.json", {**meta, "key": key})
