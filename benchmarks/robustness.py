"""Robustness: the default build on three data regimes and several seeds, judged by its own reports.

    python -m benchmarks.robustness                              # 3 regimes x seeds 42,43 -> results/
    python -m benchmarks.robustness --regimes ml100k_sparse --seeds 42
    python -m benchmarks.robustness --summarize-only             # rebuild the tables from the builds

Regimes are config files in `benchmarks/regimes/` applied on top of the `default` preset
(ML-100K as shipped; ML-100K made sparser; a realistic synthetic catalog of >5K items).
Each build runs in its own process (`rec-builder build`), so one regime's memory never
leaks into the next; the numbers come from each build's report.json: test NDCG@10 of
the teacher, the item-transition baseline, the distilled fp32 student and the shipped
int8 model, the paired differences (final - teacher, final - item transition) with
95% CIs, and the validation NDCG@10 of the teacher and of the best student (is the
teacher the ceiling?).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS_DIR, document_header, now_utc, say, write_results
from builder.evaluate.ceiling import pick

REGIMES_DIR = Path(__file__).parent / "regimes"
REGIMES = ("ml100k", "ml100k_sparse", "synthetic_latent")
SEEDS = (42, 43)
TARGET_RATIO = 0.95
NOTES = "robustness_notes.md"  # beside the generated table, in the results directory


def run_build(regime: str, seed: int, work: Path) -> Path:
    """Build one regime with one seed in a subprocess; returns its run dir."""
    out = work / f"seed{seed}"
    cmd = [sys.executable, "-m", "builder.cli", "-q", "build", "--preset", "default",
           "--config", str(REGIMES_DIR / f"{regime}.yaml"), "--seed", str(seed), "--out", str(out)]
    say(f"robustness: {regime} seed {seed}: {' '.join(cmd[2:])}")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    say(f"  exit {proc.returncode} after {time.perf_counter() - t0:.0f} s: {proc.stdout.strip()[-300:]}")
    if proc.returncode not in (0, 1):  # 1 = the gate failed: still a result
        raise RuntimeError(f"{regime} seed {seed} failed:\n{proc.stderr[-3000:]}")
    return out / regime


def _comparison(report: dict[str, Any], a: str, b: str) -> dict[str, float] | None:
    return next(({k: c[k] for k in ("value", "ci_low", "ci_high")} for c in report["comparisons"]
                 if c["a"] == a and c["b"] == b), None)


def summarize_run(run_dir: Path, regime: str, seed: int) -> dict[str, Any]:
    report = json.loads((run_dir / "report.json").read_text())
    stages = {s["name"]: s for s in report["stages"]}
    shipped = report["shipped"]
    # the students' teacher: SASRec, or the assistant that took over from it on validation
    ref = report["gate"].get("teacher", "teacher")
    best = pick(((n, s["extra"]) for n, s in stages.items()), ref)  # the report's own choice of students
    teacher, final = stages[ref]["ndcg@10"], stages[shipped]["ndcg@10"]
    vs_markov = _comparison(report, shipped, "item_transition")
    return {
        "regime": regime, "seed": seed, "dataset": report["dataset"], "seconds": report["seconds"],
        "ndcg@10": {n: stages[n]["ndcg@10"] for n in ("most_popular", "item_transition", "teacher", "assistant_fp32",
                                                      "student_nodistill_fp32", "student_fp32", "final_int8", shipped)
                    if n in stages},
        "shipped": shipped,
        "head": (stages.get("final_int8", {}).get("extra", {}).get("transition_head") or {}).get("chosen"),
        "teacher_stage": ref,
        "final_over_teacher": final / teacher if teacher else None,
        "final_vs_teacher": stages[shipped]["vs_teacher"] if ref == "teacher" else _comparison(report, shipped, ref),
        "final_vs_item_transition": vs_markov,
        "final_bytes": stages[shipped]["size_bytes"],
        "student_dim": student_width(report),
        "teacher_val_ndcg10": stages[ref]["extra"]["train"]["best_val_ndcg10"],
        "best_student_val_ndcg10": stages[best[1]]["extra"]["train"]["best_val_ndcg10"] if best else None,
        "ceiling": report.get("ceiling"),  # the same on validation through LiteRT, paired (newer builds)
        "epochs": {n: s["extra"]["train"]["epochs_run"] for n, s in stages.items() if s["extra"].get("train")},
        "gate": report["gate"]["status"],
    }


def student_width(report: dict[str, Any]) -> int:
    """The distilled student's width: the configured one, or the one validation chose."""
    widths = next((s["extra"].get("widths_val_ndcg10") for s in report["stages"] if s["name"] == "student_fp32"), None)
    if widths:
        return int(max(widths, key=lambda d: widths[d]))
    return int(report["config"]["student"]["dim"])


def _ceiling(r: dict[str, Any]) -> str:
    """Teacher vs best student on validation: through LiteRT with the paired difference where the
    build measured it (report.json `ceiling`), else the training loops' values."""
    c = r.get("ceiling")
    if not c:
        return f"{r['teacher_val_ndcg10']:.4f} / {r['best_student_val_ndcg10']:.4f}"
    return (f"{c['teacher_val_ndcg10']:.4f} / {c['student_val_ndcg10']:.4f} ({c['student']}), "
            f"{_ci(c['student_minus_teacher'])}: {c['verdict']}")


def _head(h: dict[str, Any] | None) -> str:
    return "none" if not h else f"{h['size']}, {h['bytes'] / 1024:.1f} KiB"


def _ci(d: dict[str, float] | None) -> str:
    return "" if not d else f"{d['value']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]"


def markdown(doc: dict[str, Any]) -> str:
    rows = doc["runs"]
    out = ["# Robustness: the default build on three data regimes", "",
           f"Measured {doc['created_utc']} on {doc['machine'].get('cpu_model', 'this machine')} "
           f"({doc['machine'].get('cpu_count', '?')} cores); one build per row, each in its own process; "
           "test NDCG@10 (full ranking, leave-one-out) of the shipped int8 .tflite through LiteRT, paired 95% "
           "bootstrap CIs. Target: final >= "
           f"{TARGET_RATIO:.0%} of the teacher and above the item-transition baseline. `build s` is the "
           "wall time of that build, which reuses stages found in its cache (each report marks them "
           "`cached`): it is a full build's time only for a fresh work directory.", "",
           "The teacher of a row is the one its students learned from: the SASRec teacher, or the teacher "
           "assistant (the student's architecture, wider, distilled from SASRec) where the assistant beat SASRec "
           "on validation and took over (marked *). The ratio, the paired difference and the validation "
           "ceiling are against that teacher.", "",
           "`teacher val / best student val`: is the teacher the ceiling? Validation NDCG@10 of the teacher's and "
           "the best student's .tflite (the best by the training loops' validation) through LiteRT on the "
           "validation users, the paired difference student - teacher, and the verdict: holds (student not "
           "above), level (above inside the CI), broken (above, CI > 0).", "",
           "`final` is the shipped model: the QAT int8 model (`final int8`), plus a transition head (a sparse "
           "table of each item's most frequent successors added to its scores in the .tflite; its size in "
           "successors per item and KiB) where one beat it on validation.", "",
           "| regime | seed | users / items | item transition | SASRec | assistant | student fp32 | final int8 "
           "| transition head | final | final / teacher | final - teacher | final - item transition "
           "| teacher val / best student val | student dim, final KiB | epochs (teacher, student) | build s |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        n = r["ndcg@10"]
        shipped = r["shipped"]
        ok = "" if r["final_over_teacher"] is None else f"{r['final_over_teacher']:.1%}"
        took = r.get("teacher_stage", "teacher") != "teacher"
        assistant = "" if "assistant_fp32" not in n else f"{n['assistant_fp32']:.4f}{'*' if took else ''}"
        out.append(
            f"| {r['regime']} | {r['seed']} | {r['dataset']['users']:,} / {r['dataset']['items']:,} | "
            f"{n['item_transition']:.4f} | {n['teacher']:.4f}{'' if took else '*'} | {assistant} | "
            f"{n.get('student_fp32', float('nan')):.4f} | {n.get('final_int8', float('nan')):.4f} | "
            f"{_head(r.get('head'))} | {n[shipped]:.4f} | {ok} | {_ci(r['final_vs_teacher'])} | {_ci(r['final_vs_item_transition'])} | "
            f"{_ceiling(r)} | "
            f"{r.get('student_dim', '?')}, {r['final_bytes'] / 1024:.1f} | "
            f"{r['epochs'].get('teacher')}, {r['epochs'].get('student_fp32')} | {r['seconds']:.0f} |")
    out += ["", "Over seeds (per regime: the spread is the headline, not one run):", "",
            "| regime | seeds | final / teacher: mean [min, max] | builds >= target | above item transition (CI > 0) "
            "| teacher not below a student (CI) |",
            "|---|---|---|---|---|---|"]
    for regime in dict.fromkeys(r["regime"] for r in rows):
        rs = [r for r in rows if r["regime"] == regime and r["final_over_teacher"] is not None]
        if not rs:
            continue
        ratios = [r["final_over_teacher"] for r in rs]
        above = sum(1 for r in rs if r["final_vs_item_transition"] and r["final_vs_item_transition"]["ci_low"] > 0)
        measured = [r["ceiling"] for r in rs if r.get("ceiling")]
        ceiling = (f"{sum(c['verdict'] != 'broken' for c in measured)} of {len(measured)}"
                   f" ({sum(c['verdict'] == 'holds' for c in measured)} holds)" if measured else "")
        out.append(f"| {regime} | {', '.join(str(r['seed']) for r in rs)} | {sum(ratios) / len(ratios):.1%} "
                   f"[{min(ratios):.1%}, {max(ratios):.1%}] | {sum(x >= TARGET_RATIO for x in ratios)} of {len(rs)} "
                   f"| {above} of {len(rs)} | {ceiling} |")
    out += ["", f"How each row ran (hand-written, kept when this file is regenerated): [{NOTES}]({NOTES}).", ""]
    return "\n".join(out)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.robustness", description=__doc__.split("\n")[0])
    p.add_argument("--regimes", type=lambda t: tuple(t.split(",")), default=REGIMES)
    p.add_argument("--seeds", type=lambda t: tuple(int(s) for s in t.split(",")), default=SEEDS)
    p.add_argument("--work-dir", type=Path, default=Path("out") / "robustness")
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    p.add_argument("--summarize-only", action="store_true", help="do not build; read the existing builds")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for r in args.regimes:
        if not (REGIMES_DIR / f"{r}.yaml").is_file():
            say(f"unknown regime {r!r} (have: {', '.join(p.stem for p in REGIMES_DIR.glob('*.yaml'))})")
            return 2
    started, t0 = now_utc(), time.perf_counter()
    runs = []
    for seed in args.seeds:
        for regime in args.regimes:
            run_dir = args.work_dir / f"seed{seed}" / regime
            if not args.summarize_only:
                run_dir = run_build(regime, seed, args.work_dir)
            if (run_dir / "report.json").is_file():
                runs.append(summarize_run(run_dir, regime, seed))
            else:
                say(f"robustness: no report in {run_dir}; skipped")
    doc = {**document_header("robustness", started, time.perf_counter() - t0), "runs": runs}
    write_results(args.out, "robustness", doc, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
