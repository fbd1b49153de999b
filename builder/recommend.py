"""`rec-builder recommend`: run the shipped .tflite on a history given as original item ids."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from builder.model_file import RECOMMEND, inspect_model, locate, open_interpreter


def recommend(model: Path, item_ids: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Top-K items for a history of original ids (most recent last); also the unknown ids.

    The model and its sidecar are verified first (ModelFileError naming the file)."""
    info = inspect_model(locate(model), require_sidecar=True)
    sidecar = info.sidecar
    runner = open_interpreter(info.path).get_signature_runner(RECOMMEND)  # loads, even for a cold start
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
    out = runner(**{info.input_name: history})
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
