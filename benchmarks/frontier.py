"""Frontier: what each item-table representation buys, bytes against NDCG@10, on ML-100K and at 100K items.

    python -m benchmarks.frontier                              # 3 seeds x the default points -> results/frontier.*
    python -m benchmarks.frontier --seeds 42 --points dense:16,low_rank:32x8
    python -m benchmarks.frontier --catalog-only               # the 100K-item bytes / latency table only

ML-100K part: for each seed, the `default` preset's teacher (trained once per seed, cached
under --work-dir) and every point, a student with one item-table representation at one size:

- `dense:D`          dense table, student dim D
- `low_rank:DxR`     A [N, R] x B [R, D] (student.table_rank R)
- `shared:DxB`       weight sharing: 64 own rows for the most popular items, the rest quotient-
                     remainder over B buckets (student.table_buckets B, student.table_head 64)

Each point is trained exactly as budget mode trains a finalist (`builder.budget.Search.measure`,
rung `full`: distill at the preset's alpha with validation-decided length, then QAT, no pruning:
unstructured pruning does not shrink the .tflite), exported to full-integer int8, and evaluated
through LiteRT: validation NDCG@10 (what a search would select on) and test NDCG@10 with the
paired 95% CI against that seed's teacher. QAT against PTQ: every point also exports the PTQ
int8 of the float weights QAT starts from (the same distilled student), paired on the test users. Latency: the first seed's models, `recommend` p50
(1 thread, batch 1) interleaved round by round with the fp32 teacher in one process.

Catalog part (`--catalog-items`, default 100,000): bytes and latency do not depend on trained
weights (an int8 table is stored dense), so each representation is converted untrained at that
catalog size and timed interleaved with the fp32 teacher of the same catalog. No quality claim.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import RESULTS_DIR, document_header, now_utc, say, write_results

SEEDS = (42, 43, 44)
POINTS = ("dense:8", "dense:12", "dense:16", "dense:32", "dense:64",
          "low_rank:16x4", "low_rank:16x8", "low_rank:32x4", "low_rank:32x8", "low_rank:32x16",
          "shared:32x4", "shared:32x16", "shared:32x64")
CATALOG_POINTS = ("dense:32", "low_rank:32x8", "low_rank:32x16", "shared:32x16", "shared:32x64")
SHARED_HEAD = 64  # own rows of a shared table (its most popular items)
KIND_LABEL = {"dense": "dense", "low_rank": "low rank", "shared": "shared (QR + own rows)"}


def parse_point(text: str) -> tuple[str, int, int]:
    """'dense:32' -> ('dense', 32, 0); 'low_rank:32x8' -> ('low_rank', 32, 8); 'shared:32x16' likewise."""
    kind, _, size = text.partition(":")
    if kind not in KIND_LABEL or not size:
        raise ValueError(f"point {text!r}: expected dense:D, low_rank:DxR or shared:DxB")
    dim, _, extra = size.partition("x")
    try:
        d, e = int(dim), int(extra or 0)
    except ValueError:
        raise ValueError(f"point {text!r}: sizes must be integers") from None
    if (kind == "dense") != (e == 0):
        raise ValueError(f"point {text!r}: dense takes D only, low_rank / shared take DxR / DxB")
    return kind, d, e


def point_params(cfg: Any, text: str) -> Any:
    """The budget-search point (builder.budget.Params) of one frontier point on `cfg`'s student."""
    from builder.budget import Params

    kind, dim, extra = parse_point(text)
    s = cfg.student
    return Params(dim, s.conv_layers, bool(s.pool_window), cfg.distill.alpha, 0.0,
                  rank=extra if kind == "low_rank" else 0, buckets=extra if kind == "shared" else 0)


def seed_config(seed: int, preset: str = "default", config: Path | None = None) -> Any:
    from builder.config import load_config

    # Only a shared point reads student.table_head (budget.candidate_config sets each point's table and
    # keeps the head only with buckets); table_buckets is set here because a head needs it to be valid.
    return load_config(preset, config, overrides={"seed": seed,
                                             "student": {"table_buckets": 2, "table_head": SHARED_HEAD}})


def run_seed(seed: int, points: tuple[str, ...], work: Path, preset: str = "default",
             config: Path | None = None) -> dict[str, Any]:
    """Teacher, baselines and every point of one seed, trained (or found in the cache) and measured."""
    from builder.budget import FULL, Search
    from builder.evaluate.evaluator import evaluate, tflite_scorer
    from builder.models.baselines import ItemTransition, MostPopular
    from builder.pipeline import prepare, run_teacher
    from builder.progress import Progress

    cfg = seed_config(seed, preset, config)
    ctx = prepare(cfg, work / f"seed{seed}", Progress(1), force=False)
    run_teacher(ctx)
    teacher_path = ctx.run_dir / "models" / "teacher.tflite"
    teacher = ctx.evaluate("teacher", tflite_scorer(teacher_path))
    t_users = teacher.per_user["ndcg@10"]
    out: dict[str, Any] = {"seed": seed, "run_dir": str(ctx.run_dir), "teacher": {
        "test_ndcg10": teacher.mean("ndcg@10"), "val_ndcg10": ctx.teacher_val,
        "size_bytes": teacher_path.stat().st_size}, "baselines": {}, "points": []}
    for cls in (MostPopular, ItemTransition):
        res = ctx.evaluate(cls.name, cls(ctx.dataset.train_sequences(), ctx.dataset.num_items))
        out["baselines"][cls.name] = {"test_ndcg10": res.mean("ndcg@10"),
                                      "vs_teacher": ctx.boot.paired(res.per_user["ndcg@10"], t_users)}
    search = Search(ctx)
    for i, text in enumerate(points, 1):
        params = point_params(cfg, text)
        c = search.measure(params, FULL, ptq=True)[0]  # the QAT model (a transition head, if any, is not a point here)
        test = evaluate(tflite_scorer(ctx.run_dir / c.tflite), ctx.test, ctx.max_len, params.label)
        users = test.per_user["ndcg@10"]
        ptq_path = ctx.run_dir / str(c.ptq_tflite)
        ptq = evaluate(tflite_scorer(ptq_path), ctx.test, ctx.max_len, params.label + "_ptq").per_user["ndcg@10"]
        row = {"point": text, "label": params.label, "size_bytes": c.size_bytes, "gzip_bytes": c.gzip_bytes,
               "val_ndcg10": c.val_ndcg10, "test_ndcg10": test.mean("ndcg@10"),
               "test_ci": list(ctx.boot.summarize(users)[k] for k in ("ci_low", "ci_high")),
               "vs_teacher": ctx.boot.paired(users, t_users), "seconds": round(c.seconds, 1),
               "tflite": str(ctx.run_dir / c.tflite),
               "ptq": {"size_bytes": ptq_path.stat().st_size, "test_ndcg10": float(np.mean(ptq)),
                       "qat_minus_ptq": ctx.boot.paired(users, ptq)}}
        out["points"].append(row)
        say(f"frontier seed {seed} [{i}/{len(points)}] {text:<15} {c.size_bytes:>9,} B  val {c.val_ndcg10:.4f}  "
            f"test {row['test_ndcg10']:.4f} ({row['test_ndcg10'] / out['teacher']['test_ndcg10']:.1%} of the "
            f"teacher)  {c.seconds:.0f} s")
    return out


def interleaved_p50(models: list[Path], teacher: Path, runs: int) -> tuple[list[float], float]:
    from builder.budget import latencies_us

    return latencies_us(models, teacher, runs=runs)


def catalog_models(num_items: int, points: tuple[str, ...], tmp: Path) -> tuple[Path, list[tuple[str, Path]]]:
    """The fp32 default teacher and each point's int8 student at `num_items` items, untrained."""
    from builder.benchmark.histories import random_histories
    from builder.compress.qat import prepare
    from builder.export.tflite import ConversionOptions, convert
    from builder.models.student import build_student, calibrate_score_floor, views
    from builder.models.teacher import build_teacher

    cfg = seed_config(SEEDS[0])
    L, k = cfg.data.max_len, cfg.export.k
    teacher = build_teacher(num_items, L, cfg.teacher)
    t_path = tmp / "teacher.tflite"
    t_path.write_bytes(convert(teacher.last, L, k, num_items))
    rep = random_histories(32, L, num_items, seed=0)
    out = []
    for text in points:
        p = point_params(cfg, text)
        sc = replace(cfg.student, dim=p.dim, max_dim=0, table_rank=p.rank, table_buckets=p.buckets,
                     table_head=SHARED_HEAD if p.buckets else None)
        graph, _ = build_student(num_items, L, sc)
        last = views(prepare(graph)).last
        calibrate_score_floor(last, rep, k + L)
        path = tmp / f"{p.label}.tflite"
        path.write_bytes(convert(last, L, k, num_items, ConversionOptions("qat", representative=rep)))
        say(f"frontier catalog {num_items:,} items: {text:<15} {path.stat().st_size:>12,} B")
        out.append((text, path))
    return t_path, out


def run_catalog(num_items: int, points: tuple[str, ...], runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as d:
        t_path, models = catalog_models(num_items, points, Path(d))
        p50, t_p50 = interleaved_p50([p for _, p in models], t_path, runs)
        t_bytes = t_path.stat().st_size
        rows = [{"point": text, "size_bytes": path.stat().st_size, "of_teacher_bytes": path.stat().st_size / t_bytes,
                 "p50_us": us, "of_teacher_p50": us / t_p50} for (text, path), us in zip(models, p50)]
    return {"num_items": num_items, "teacher": {"size_bytes": t_bytes, "p50_us": t_p50}, "runs": runs,
            "points": rows}


def mean_rows(seeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per point, over seeds: bytes, mean test NDCG@10, mean of test / teacher, per-seed values."""
    out = []
    for i, first in enumerate(seeds[0]["points"]):
        rows = [s["points"][i] for s in seeds]
        ratios = [r["test_ndcg10"] / s["teacher"]["test_ndcg10"] for r, s in zip(rows, seeds)]
        out.append({"point": first["point"], "size_bytes": first["size_bytes"],
                    "test_ndcg10": float(np.mean([r["test_ndcg10"] for r in rows])),
                    "test_min": min(r["test_ndcg10"] for r in rows), "test_max": max(r["test_ndcg10"] for r in rows),
                    "of_teacher": float(np.mean(ratios)), "of_teacher_per_seed": ratios,
                    "qat_minus_ptq": float(np.mean([r["ptq"]["qat_minus_ptq"]["value"] for r in rows])),
                    "qat_minus_ptq_excludes_zero": sum(r["ptq"]["qat_minus_ptq"]["excludes_zero"] for r in rows),
                    "val_ndcg10": float(np.mean([r["val_ndcg10"] for r in rows]))})
    return out


def plot(doc: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seeds, rows = doc["seeds"], doc["mean"]
    teacher = float(np.mean([s["teacher"]["test_ndcg10"] for s in seeds]))
    fig, ax = plt.subplots(figsize=(8, 5))
    for kind, marker in (("dense", "o"), ("low_rank", "s"), ("shared", "^")):
        pts = sorted((r for r in rows if r["point"].startswith(kind + ":")), key=lambda r: r["size_bytes"])
        if not pts:
            continue
        x = [r["size_bytes"] / 1024 for r in pts]
        y = [r["test_ndcg10"] for r in pts]
        err = [[r["test_ndcg10"] - r["test_min"] for r in pts], [r["test_max"] - r["test_ndcg10"] for r in pts]]
        ax.errorbar(x, y, yerr=err, marker=marker, capsize=3, label=KIND_LABEL[kind])
        for k, (r, xi, yi) in enumerate(zip(pts, x, y)):  # alternate sides: close points stay legible
            ax.annotate(r["point"].split(":")[1], (xi, yi), textcoords="offset points",
                        xytext=(5, 4) if k % 2 == 0 else (5, -10), fontsize=7)
    ax.axhline(teacher, color="k", lw=1, label=f"fp32 teacher ({np.mean([s['teacher']['size_bytes'] for s in seeds]) / 1024:,.0f} KiB)")
    for frac, ls in ((0.97, "--"), (0.90, ":")):
        ax.axhline(frac * teacher, color="grey", lw=0.8, ls=ls, label=f"{frac:.0%} of the teacher")
    for name, color in (("item_transition", "tab:red"), ("most_popular", "tab:brown")):
        v = float(np.mean([s["baselines"][name]["test_ndcg10"] for s in seeds]))
        ax.axhline(v, color=color, lw=0.8, ls="-.", label=name.replace("_", " "))
    for kib in (16, 32):
        ax.axvline(kib, color="grey", lw=0.6)
    ax.set_xscale("log")
    ticks = [t for t in (8, 16, 24, 32, 48, 64, 128, 256, 512) if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel(".tflite bytes (KiB, log scale; full-integer int8)")
    ax.set_ylabel("test NDCG@10 (LiteRT)")
    ax.set_title(f"ML-100K frontier: mean of seeds {', '.join(str(s['seed']) for s in seeds)} (bars: min-max)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _ci(d: dict[str, float]) -> str:
    return f"{d['value']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]"


def markdown(doc: dict[str, Any]) -> str:
    seeds = doc["seeds"]
    out = ["# Frontier: item-table representations, bytes vs NDCG@10", "",
           f"Measured {doc['created_utc']} on {doc['machine'].get('cpu_model', 'this machine')} "
           f"({doc['machine'].get('cpu_count', '?')} cores), {doc['seconds']:.0f} s. Command: "
           f"`python -m benchmarks.frontier {' '.join(doc['machine']['argv'][1:])}`. See the module docstring "
           "for how each point is trained; every number is the exported full-integer int8 `.tflite` run "
           "through LiteRT (test NDCG@10, full ranking, leave-one-out, paired 95% bootstrap CIs against the "
           "same seed's fp32 teacher).", ""]
    if seeds:
        out += ["![frontier](frontier.png)", "",
                "## ML-100K, mean over seeds", "",
                "| point | .tflite B | KiB | test NDCG@10 mean [min, max] | of teacher: mean (per seed) | val NDCG@10 |",
                "|---|---|---|---|---|---|"]
        for r in sorted(doc["mean"], key=lambda r: r["size_bytes"]):
            out.append(f"| {r['point']} | {r['size_bytes']:,} | {r['size_bytes'] / 1024:.1f} | {r['test_ndcg10']:.4f} "
                       f"[{r['test_min']:.4f}, {r['test_max']:.4f}] | {r['of_teacher']:.1%} "
                       f"({', '.join(f'{x:.1%}' for x in r['of_teacher_per_seed'])}) | {r['val_ndcg10']:.4f} |")
        out += ["", "## QAT against PTQ of the same float weights (test NDCG@10, paired per seed)", "",
                "PTQ: the converter's post-training full-integer int8 of the distilled float student (calibrated "
                "on training windows); QAT: the shipped recipe's model, fine-tuned from those weights. A PTQ file "
                "can be larger: the converter re-quantizes the scoring weights per channel and keeps a second "
                "copy of the table.", "",
                "| point | PTQ B | QAT B | QAT - PTQ, mean over seeds | per seed (paired 95% CI) | seeds with CI excluding 0 |",
                "|---|---|---|---|---|---|"]
        for i, r in enumerate(doc["mean"]):
            per = [s["points"][i] for s in seeds]
            out.append(f"| {r['point']} | {per[0]['ptq']['size_bytes']:,} | {r['size_bytes']:,} | "
                       f"{r['qat_minus_ptq']:+.4f} | {'; '.join(_ci(x['ptq']['qat_minus_ptq']) for x in per)} | "
                       f"{r['qat_minus_ptq_excludes_zero']} of {len(per)} |")
        lat = doc.get("latency")
        for s in seeds:
            t = s["teacher"]
            out += ["", f"## Seed {s['seed']}", "",
                    f"Teacher: test {t['test_ndcg10']:.4f}, validation {t['val_ndcg10']:.4f}, {t['size_bytes']:,} B. "
                    + "; ".join(f"{n.replace('_', ' ')} {b['test_ndcg10']:.4f} ({_ci(b['vs_teacher'])} vs teacher)"
                                for n, b in s["baselines"].items()) + ".", "",
                    "| point | .tflite B | gzip B | val NDCG@10 | test NDCG@10 [95% CI] | vs teacher (paired) | of teacher "
                    + ("| p50 us (teacher's in the same run) | of teacher p50 " if lat and lat["seed"] == s["seed"] else "")
                    + "| train s |",
                    "|---|---|---|---|---|---|---|" + ("---|---|" if lat and lat["seed"] == s["seed"] else "") + "---|"]
            for j, r in enumerate(s["points"]):
                timing = ""
                if lat and lat["seed"] == s["seed"]:
                    us = lat["p50_us"][j]
                    timing = f"| {us:.0f} ({lat['teacher_p50_us']:.0f}) | {us / lat['teacher_p50_us']:.2f}x "
                out.append(f"| {r['point']} | {r['size_bytes']:,} | {r['gzip_bytes']:,} | {r['val_ndcg10']:.4f} | "
                           f"{r['test_ndcg10']:.4f} [{r['test_ci'][0]:.4f}, {r['test_ci'][1]:.4f}] | "
                           f"{_ci(r['vs_teacher'])} | {r['test_ndcg10'] / t['test_ndcg10']:.1%} {timing}| "
                           f"{r['seconds']:.0f} |")
        if lat:
            out += ["", f"Latency: `recommend`, 1 thread, batch 1, {lat['runs']} rounds interleaved with the teacher in "
                    "one process (random histories); absolute times are this machine's, the ratios are the result."]
    cat = doc.get("catalog")
    if cat:
        t = cat["teacher"]
        out += ["", f"## {cat['num_items']:,}-item catalog: bytes and latency (untrained weights, no quality claim)", "",
                f"fp32 teacher (the default preset's architecture): {t['size_bytes']:,} B, p50 {t['p50_us']:.0f} us; "
                f"{cat['runs']} interleaved rounds, 1 thread.", "",
                "| point | .tflite B | of teacher bytes | p50 us | of teacher p50 |", "|---|---|---|---|---|"]
        for r in cat["points"]:
            out.append(f"| {r['point']} | {r['size_bytes']:,} | 1/{1 / r['of_teacher_bytes']:.1f} | {r['p50_us']:.0f} | "
                       f"{r['of_teacher_p50']:.3f}x |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.frontier", description=__doc__.split("\n")[0])
    p.add_argument("--preset", default="default", help="the builds' preset (ML-100K: default)")
    p.add_argument("--config", type=Path, help="a config file on top of the preset (your own data)")
    p.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="comma-separated seeds (teacher and students)")
    p.add_argument("--points", default=",".join(POINTS), help="comma-separated points (dense:D, low_rank:DxR, shared:DxB)")
    p.add_argument("--catalog-items", type=int, default=100_000, help="catalog size of the bytes/latency table (0: skip)")
    p.add_argument("--catalog-points", default=",".join(CATALOG_POINTS))
    p.add_argument("--catalog-only", action="store_true", help="only the catalog table (no training)")
    p.add_argument("--runs", type=int, default=1000, help="interleaved timing rounds")
    p.add_argument("--work-dir", type=Path, default=Path("out") / "frontier", help="builds and their cache")
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    p.add_argument("--name", default="frontier")
    args = p.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s]
        points = tuple(x for x in args.points.split(",") if x)
        catalog_points = tuple(x for x in args.catalog_points.split(",") if x)
        for x in (*points, *catalog_points):
            parse_point(x)
    except ValueError as e:
        p.error(str(e))
    started, t0 = now_utc(), time.perf_counter()
    runs = [] if args.catalog_only else [run_seed(s, points, args.work_dir, args.preset, args.config)
                                        for s in seeds]
    doc: dict[str, Any] = {"points": list(points), "seeds": runs, "mean": mean_rows(runs) if runs else []}
    if runs:
        first = runs[0]
        p50, t_p50 = interleaved_p50([Path(r["tflite"]) for r in first["points"]],
                                     Path(first["run_dir"]) / "models" / "teacher.tflite", args.runs)
        doc["latency"] = {"seed": first["seed"], "runs": args.runs, "p50_us": p50, "teacher_p50_us": t_p50}
    if args.catalog_items:
        doc["catalog"] = run_catalog(args.catalog_items, catalog_points, args.runs)
    doc = {**document_header("frontier", started, time.perf_counter() - t0), **doc}
    if runs:
        plot(doc, args.out / f"{args.name}.png")
    write_results(args.out, args.name, doc, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
