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
        d = self.root / name
        if not self.enabled or not (d / "meta.json").is_file():
            return None
        try:
            meta = json.loads((d / "meta.json").read_text())
            if meta.get("key") != key:
                return None
            with np.load(d / "weights.npz") as z:
                weights = [z[f"w{i}"] for i in range(len(z.files))]
            model.set_weights(weights)
        except (OSError, ValueError, KeyError, json.JSONDecodeError):
            return None
        return meta

    def save(self, name: str, key: str, model: Any, meta: dict[str, Any]) -> None:
        with atomic_directory(self.root / name) as tmp:
            np.savez(tmp / "weights.npz", **{f"w{i}": w for i, w in enumerate(model.get_weights())})
            write_json_atomic(tmp / "meta.json", {**meta, "key": key})
