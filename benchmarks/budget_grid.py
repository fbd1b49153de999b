"""Budget search vs an exhaustive grid: does the search find the best model that fits?

    python -m benchmarks.budget_grid --run-dir out/budget32/default        # after a budget build
    python -m benchmarks.budget_grid --run-dir ... --alphas 0.2,0.5 --sparsities 0

Every point of the budget search space (or the restricted one given by the flags) whose
exact int8 .tflite size fits the build's `budget.max_bytes` is trained with the full
recipe, exactly as the search trains its finalists (same code, same cache: the search's
own finalists are reused, not retrained), exported, and evaluated through LiteRT on the
validation and the test users. The result compares the search's choice with the grid's
best, on validation (what both select on) and on test. Sizes are measured by converting
each architecture once, untrained (an int8 table is stored dense: its bytes do not
depend on the weights).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any


from benchmarks.common import RESULTS_DIR, document_header, now_utc, say, write_results


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(","))


def architecture_bytes(ctx: Any, dim: int, conv: int, pool: bool) -> int:
    """Exact bytes of the QAT int8 export of an (untrained) student with this architecture."""
    from builder.compress.qat import prepare
    from builder.export.tflite import ConversionOptions, convert
    from builder.models.student import build_student, calibrate_score_floor, views

    sc = replace(ctx.cfg.student, dim=dim, conv_layers=conv, pool_window=ctx.max_len if pool else 0)
    graph, _ = build_student(ctx.dataset.num_items, ctx.max_len, sc)
    last = views(prepare(graph)).last
    rep = ctx.fit_data().inputs[:32]
    calibrate_score_floor(last, rep, ctx.cfg.export.k + ctx.max_len)
    return len(convert(last, ctx.max_len, ctx.cfg.export.k, ctx.dataset.num_items, ConversionOptions("qat")))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.budget_grid", description=__doc__.split("\n")[0])
    p.add_argument("--run-dir", type=Path, required=True, help="a finished budget build (frontier.json)")
    p.add_argument("--alphas", type=_floats, help="restrict the grid's alphas (default: the search space's)")
    p.add_argument("--sparsities", type=_floats, help="restrict the grid's sparsities")
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = p.parse_args(argv)

    from builder.budget import FULL, Params, Search, space
    from builder.config import BuildConfig
    from builder.evaluate.evaluator import evaluate, tflite_scorer
    from builder.pipeline import prepare, run_teacher
    from builder.progress import Progress

    frontier = json.loads((args.run_dir / "frontier.json").read_text())
    cfg = BuildConfig.from_dict(json.loads((args.run_dir / "config.json").read_text()))
    started, t0 = now_utc(), time.perf_counter()
    ctx = prepare(cfg, args.run_dir.parent, Progress(1), force=False)
    run_teacher(ctx)  # cached by the budget build
    choices = space(cfg.budget, cfg)
    alphas = args.alphas or choices["alpha"]
    sparsities = args.sparsities or choices["sparsity"]
    search = Search(ctx)
    archs = []
    for conv, pool in itertools.product(choices["conv_layers"], choices["pool"]):
        for dim in sorted(choices["dim"]):  # bytes grow with dim: stop at the first that is over
            size = architecture_bytes(ctx, dim, conv, pool)
            say(f"grid: d{dim} c{conv}{' avg' if pool else ''}: {size:,} B")
            if size > cfg.budget.max_bytes:
                break
            archs.append((dim, conv, pool, size))
    points = [Params(d, c, pl, a, s) for (d, c, pl, _), a, s in itertools.product(archs, alphas, sparsities)]
    say(f"grid: {len(points)} points fit {cfg.budget.max_bytes:,} B; training each in full")
    rows = []
    for i, params in enumerate(points, 1):
        for c in search.measure(params, FULL):  # the QAT model, and with its transition head if one won
            test = evaluate(tflite_scorer(args.run_dir / c.tflite), ctx.test, ctx.max_len, c.label)
            rows.append({**c.to_dict(), "test_ndcg10": test.mean("ndcg@10"),
                         "test_per_user": test.per_user["ndcg@10"]})
            say(search.line(c, i, len(points)) + f"  test {rows[-1]['test_ndcg10']:.4f}")
    fitting = [r for r in rows if r["fits"]]
    best_val = max(fitting, key=lambda r: r["val_ndcg10"])
    best_test = max(fitting, key=lambda r: r["test_ndcg10"])
    chosen_label = frontier["chosen"]
    chosen = next((r for r in rows if r["label"] == chosen_label), None)
    if chosen is None:  # the choice lies outside a restricted grid: evaluate it on test too
        c = next(c for c in frontier["candidates"] if c["rung"] == "full" and c["label"] == chosen_label)
        test = evaluate(tflite_scorer(args.run_dir / c["tflite"]), ctx.test, ctx.max_len, chosen_label)
        chosen = {**c, "test_ndcg10": test.mean("ndcg@10"), "test_per_user": test.per_user["ndcg@10"]}
    paired = ctx.boot.paired(chosen["test_per_user"], best_test["test_per_user"])
    for r in [*rows, chosen]:
        r.pop("test_per_user", None)
    doc = {**document_header("budget_grid", started, time.perf_counter() - t0),
           "run_dir": str(args.run_dir), "max_bytes": cfg.budget.max_bytes,
           "grid": {"alphas": list(alphas), "sparsities": list(sparsities), "architectures": len(archs),
                    "points": len(points)},
           "search": {"chosen": chosen_label, "seconds": frontier["seconds"],
                      "candidates": len(frontier["candidates"])},
           "chosen": chosen, "grid_best_validation": best_val, "grid_best_test": best_test,
           "chosen_minus_grid_best_test": paired,
           "chosen_over_grid_best_test": chosen["test_ndcg10"] / best_test["test_ndcg10"],
           "chosen_over_grid_best_validation": chosen["val_ndcg10"] / best_val["val_ndcg10"],
           "rows": rows}
    write_results(args.out, "budget_grid", doc, markdown(doc))
    return 0


def markdown(doc: dict[str, Any]) -> str:
    c, bv, bt, d = doc["chosen"], doc["grid_best_validation"], doc["grid_best_test"], doc["chosen_minus_grid_best_test"]
    out = [f"# Budget search vs exhaustive grid (<= {doc['max_bytes']:,} B)", "",
           f"Measured {doc['created_utc']}; grid: {doc['grid']['points']} points ({doc['grid']['architectures']} "
           f"architectures that fit x alphas {doc['grid']['alphas']} x sparsities {doc['grid']['sparsities']}), "
           f"each trained in full, {doc['seconds']:.0f} s. The search screened {doc['search']['candidates']} "
           f"candidate runs in {doc['search']['seconds']:.0f} s.", "",
           f"- search's choice: **{c['label']}**, {c['size_bytes']:,} B, validation {c['val_ndcg10']:.4f}, "
           f"test {c['test_ndcg10']:.4f}",
           f"- grid's best on validation: {bv['label']}, {bv['size_bytes']:,} B, validation {bv['val_ndcg10']:.4f}, "
           f"test {bv['test_ndcg10']:.4f}",
           f"- grid's best on test: {bt['label']}, {bt['size_bytes']:,} B, test {bt['test_ndcg10']:.4f}",
           f"- choice / grid best: validation {doc['chosen_over_grid_best_validation']:.1%}, test "
           f"{doc['chosen_over_grid_best_test']:.1%}; paired test difference {d['value']:+.4f} "
           f"[{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]", "",
           "| point | .tflite B | val NDCG@10 | test NDCG@10 | p50 us |", "|---|---|---|---|---|"]
    for r in sorted(doc["rows"], key=lambda r: -r["val_ndcg10"]):
        out.append(f"| {r['label']} | {r['size_bytes']:,} | {r['val_ndcg10']:.4f} | {r['test_ndcg10']:.4f} | "
                   f"{r['p50_us']:.0f} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
