"""Is the teacher the ceiling? The students' teacher against the best student, on validation.

Distillation passes on what the teacher knows; a student above its teacher on validation says
the teacher caps the build. The training loops' validation NDCG@10 (Keras, best epoch) picks
the teacher (SASRec, or the assistant that took over from it) and the best student; both
exported .tflite files are then run through LiteRT on the same validation users and compared
paired, so that a gap inside the noise of a few hundred users is called so.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from builder.evaluate.bootstrap import Bootstrap
from builder.evaluate.evaluator import evaluate, tflite_scorer

VERDICTS = {
    "holds": "the teacher is the ceiling",
    "level": "the best student is above the teacher inside the noise (paired CI contains 0)",
    "broken": "**the teacher is not the ceiling**: a stronger teacher (teacher.dim, dropout, blocks, or an "
              "`assistant` step) would raise what distillation can pass on",
}


def pick(stages: Iterable[tuple[str, dict[str, Any]]], teacher: str) -> tuple[str, str] | None:
    """(teacher stage, best student stage) by the training loops' validation NDCG@10, from
    (name, extra) pairs; None without a trained student. Teacher candidates (SASRec, an assistant,
    whether it took over or not) are not students."""
    val = {n: e["train"]["best_val_ndcg10"] for n, e in stages
           if e.get("train") and e["train"].get("best_val_ndcg10", -1) >= 0
           and n != "teacher" and "takes_over" not in e}
    if not val:
        return None
    return teacher, max(val, key=val.get)


def verdict(paired: dict[str, float]) -> str:
    """holds (student not above) | level (above, CI contains 0) | broken (above, CI > 0)."""
    if paired["value"] <= 0:
        return "holds"
    return "broken" if paired["ci_low"] > 0 else "level"


def ceiling_check(run_dir: Path, stages: list[Any], teacher: str, valid: Any, max_len: int,
                  boot: Bootstrap) -> dict[str, Any] | None:
    """Run the teacher's and the best student's .tflite on `valid` (the validation users the
    training loops used) and compare them paired; -> the report's `ceiling` entry."""
    by_name = {s.name: s for s in stages}
    chosen = pick(((s.name, s.extra) for s in stages), teacher)
    if chosen is None or teacher not in by_name or any(by_name[n].tflite is None for n in chosen):
        return None
    res = {n: evaluate(tflite_scorer(run_dir / by_name[n].tflite), valid, max_len, f"{n}_validation")
           for n in chosen}
    t, s = chosen
    paired = boot.paired(res[s].per_user["ndcg@10"], res[t].per_user["ndcg@10"])
    return {"teacher": t, "student": s, "users": res[t].n_users,
            "teacher_training_val_ndcg10": by_name[t].extra["train"]["best_val_ndcg10"],
            "student_training_val_ndcg10": by_name[s].extra["train"]["best_val_ndcg10"],
            "teacher_val_ndcg10": res[t].mean("ndcg@10"), "student_val_ndcg10": res[s].mean("ndcg@10"),
            "student_minus_teacher": paired, "verdict": verdict(paired)}


def ceiling_line(c: dict[str, Any]) -> str:
    """One sentence for the report."""
    d = c["student_minus_teacher"]
    who = "teacher" if c["teacher"] == "teacher" else f"teacher ({c['teacher']}, the assistant that took over)"
    return (f"Is the teacher the ceiling? Validation NDCG@10 through LiteRT on the {c['users']:,} validation users: "
            f"{who} {c['teacher_val_ndcg10']:.4f}, best student {c['student_val_ndcg10']:.4f} ({c['student']}, "
            f"the best in training: {c['student_training_val_ndcg10']:.4f} against "
            f"{c['teacher_training_val_ndcg10']:.4f}); paired {d['value']:+.4f} [{d['ci_low']:+.4f}, "
            f"{d['ci_high']:+.4f}]: {VERDICTS[c['verdict']]}.")
