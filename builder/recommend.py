"""`rec-builder recommend`: run the shipped .tflite on a history given as original item ids."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from builder.export.sidecar import SidecarError, check_against_model, read_sidecar


def locate(path: Path) -> tuple[Path, Path]:
    """(model.tflite, sidecar) from a run directory or a .tflite path."""
    if path.is_dir():
        path = path / "model.tflite"
    sidecar = path.with_suffix(".json")
    if not path.is_file():
        raise SidecarError(f"model not found: {path}")
    return path, sidecar


def recommend(model: Path, item_ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Top-K items for a history of original ids (most recent last); also the unknown ids."""
    from ai_edge_litert.interpreter import Interpreter

    model, sidecar_path = locate(model)
    sidecar = read_sidecar(sidecar_path)
    check_against_model(sidecar, model, sidecar_path)
    index = {it["id"]: it["index"] for it in sidecar["items"]}
    unknown = [i for i in item_ids if i not in index]
    known = [index[i] for i in item_ids if i in index]
    by_index = {it["index"]: it for it in sidecar["items"]}
    if not known:  # cold start: the popularity list
        return [{**by_index[i], "score": None} for i in sidecar["popular"][:sidecar["k"]]], unknown
    length = sidecar["input"]["length"]
    history = np.zeros((1, length), np.int32)
    known = known[-length:]
    history[0, length - len(known):] = known
    runner = Interpreter(model_path=str(model)).get_signature_runner("recommend")
    out = runner(history=history)
    return [{**by_index[int(i)], "score": float(s)}
            for i, s in zip(out["top_ids"][0], out["top_scores"][0]) if int(i) in by_index], unknown


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path, help="a run directory (uses model.tflite) or a .tflite with its .json")
    p.add_argument("--items", default="", help="comma-separated original item ids, oldest first")


def run(args: argparse.Namespace) -> int:
    ids = [s.strip() for s in args.items.split(",") if s.strip()]
    recs, unknown = recommend(args.model, ids)
    if unknown:
        print(f"rec-builder: ignoring ids not in the vocabulary: {', '.join(unknown)}", file=sys.stderr)
    for rank, r in enumerate(recs, 1):
        score = "popular" if r["score"] is None else f"{r['score']:.3f}"
        print(f"{rank:>2}. {r['title']}  (id {r['id']}; {score})")
    return 0
