"""Scale sweep: the real pipeline on realistic synthetic catalogs of 1K, 10K, 100K and 1M items.

Each catalog size is one `builder.pipeline.build` in its own subprocess
(`python -m benchmarks.scale --worker ...`) with a wall-time budget (the process group is
killed at the deadline) and an address-space cap (`resource.setrlimit(RLIMIT_AS)`), so a
size that does not fit is reported as "failed: <reason>" instead of taking the machine
down. The worker builds with `force=True` (no stage cache), then times every stage's
.tflite (`recommend`, 1 thread, interleaved, engine random histories) and writes its
JSON after each step, so a size that runs out of time after the build keeps its
build numbers.

Every stage is trained for quality with the plateau schedule (see `size_overrides`):
sampled softmax and candidate distillation from 10K items, validation every CHUNK_STEPS
steps with epoch caps from 100K. The JSON records each size's exact config, each stage's
test NDCG@10 with its CI and paired difference to the teacher, and the baselines'.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import document_header, now_utc, say

SIZES = (1_000, 10_000, 100_000, 1_000_000)
STAGE_NAMES = ("teacher", "student_fp32", "student_ptq_int8", "final_int8", "final_int8_transition")
BASELINES = ("most_popular", "item_transition")
ITEMS_PER_CLUSTER = 200  # every size: taste clusters of ~200 items
CHUNK_STEPS = 300  # big sizes: validation every 300 optimizer steps (an "epoch" of the schedule)


@dataclass(frozen=True)
class SizePlan:
    """Data and training knobs for one catalog size (everything else is the default preset's)."""

    num_items: int
    num_users: int
    mean_length: int
    negatives: int  # 0: full softmax and full-catalog KD; > 0: sampled softmax and candidate KD
    chunked: bool  # validate every CHUNK_STEPS steps, with epoch caps that fit the time budget
    max_users: int = 2000  # validation and test users (a seeded subset)

    @property
    def num_clusters(self) -> int:
        return max(5, self.num_items // ITEMS_PER_CLUSTER)


def size_plan(num_items: int, quick: bool = False) -> SizePlan:
    """The realistic generator (latent factors, clustered sampler) at every size: ~100K
    interactions at 1K items, 500K at 10K, 5M at 100K and 1M items."""
    if quick:
        return SizePlan(num_items, num_users=60, mean_length=12, negatives=0, chunked=False, max_users=30)
    if num_items <= 2_000:
        return SizePlan(num_items, 2_000, 50, negatives=0, chunked=False)
    if num_items <= 20_000:
        return SizePlan(num_items, 5_000, 100, negatives=2048, chunked=False)
    return SizePlan(num_items, 50_000, 100, negatives=2048, chunked=True)


def size_overrides(plan: SizePlan, quick: bool = False) -> dict[str, Any]:
    """The config overrides (on top of the `default` preset) for one size.

    Every stage keeps the plateau schedule (validation decides when to stop); the big sizes
    validate every CHUNK_STEPS steps and cap the stages so that the build fits the sweep's
    budget: a cap that ends training while validation still improves shows as best epoch =
    last epoch in the JSON."""
    if quick:
        train = {"epochs": 1, "batch_size": 32, "max_steps_per_epoch": 2, "patience": 1, "eval_every": 1}
        teacher, student, qat = train, train, {"epochs": 1}
    elif plan.chunked:
        chunk = {"max_steps_per_epoch": CHUNK_STEPS, "patience": 1, "eval_every": 1}
        teacher, student, qat = {**chunk, "epochs": 12}, {**chunk, "epochs": 10}, {"epochs": 2}
    else:
        teacher, student, qat = {}, {}, {}
    distill = ({"negatives": plan.negatives, "max_candidates": 4 * plan.negatives} if plan.negatives else {})
    if plan.chunked:
        # from 100K items the batch's targets and draws fill most of the capped set (~5.5K of 8,192),
        # and the teacher's top 10 add little: the 100K student without them, same teacher and 6
        # chunks, 0.0919 test NDCG@10 against 0.0925 with them (validation 0.1008 against 0.1055),
        # in 592 s against 1,045 s plus the 332-s index search (benchmarks/results/scale_100k_student.md).
        # The freed time goes to 10 student chunks instead of 6.
        distill["top_k"] = 0
    return {
        "run_name": f"scale_{plan.num_items}",
        "seed": 0,
        "data": {"source": "synthetic", "max_len": 10 if quick else 50,
                 "min_user_interactions": 5, "min_item_interactions": 1,
                 "synthetic": {"kind": "latent", "sampler": "clustered", "num_users": plan.num_users,
                               "num_items": plan.num_items, "mean_length": plan.mean_length,
                               "num_clusters": plan.num_clusters, "follow_prob": 0.2}},
        # from 10K items the teacher reads histories through a table of its own (teacher.tied):
        # validation NDCG@10 0.1152 against 0.1093 tied at 10K items (the sweep's 10K generator
        # settings with seed 42, /work/exp/tied; one run)
        "teacher": {"dim": 8 if quick else 64, "blocks": 1 if quick else 2, "heads": 1 if quick else 2,
                    "dropout": 0.2, "negatives": plan.negatives, "tied": not plan.negatives, **teacher},
        # up to 10K items the student's width is the default build's (validation widens it while it
        # falls short of the teacher). From 100K items it is fixed, since each widening there repeats
        # a 19-min stage, at 64: at 32 its one table (input and scoring) learned slowly (validation
        # NDCG@10 0.0334 -> 0.0398 over the first two 300-step chunks), at 64 it tracks the teacher
        # (0.0338 -> 0.0873; teacher 0.0805 -> 0.0968), as does a 32-wide student with an input table
        # of its own (0.0355 -> 0.0817, the same bytes; seed 0, one run each)
        "student": {"dim": 8 if quick else 64 if plan.chunked else 32,
                    **({"max_dim": 0} if quick or plan.chunked else {}), **student},
        "distill": distill,
        "qat": qat,
        "export": {"representative_samples": 16 if quick else 256},
        "evaluate": {"bootstrap_samples": 20 if quick else 1000, "max_users": plan.max_users},
        # the default recipe's last step too: a transition head where one wins on validation (the
        # realistic generator plants item-to-item successors; sizes run before it have no such row)
        "recipe": [{"step": "distill"}, {"step": "ptq"}, {"step": "qat"}, {"step": "transition"}],
    }


def size_config(num_items: int, quick: bool = False) -> Any:
    from builder.config import load_config

    return load_config("default", overrides=size_overrides(size_plan(num_items, quick), quick))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # kB on Linux


def build_numbers(run_dir: Path) -> dict[str, Any]:
    """Per-stage size and build time of one build, from its report.json."""
    report = json.loads((Path(run_dir) / "report.json").read_text())
    stages = {s["name"]: s for s in report["stages"]}
    return {
        "run_dir": str(run_dir),
        "dataset": report["dataset"],
        "vocabulary_items": report["dataset"]["items"],
        "build_seconds": report["seconds"],
        "stages": {n: {"size_bytes": stages[n]["size_bytes"], "gzip_bytes": stages[n]["gzip_bytes"],
                       "params": stages[n]["params"], "nonzero_params": stages[n]["nonzero_params"],
                       "build_seconds": round(stages[n]["seconds"], 2), "cached": stages[n]["cached"],
                       **_quality(stages[n]), "train": _schedule(stages[n])}
                   for n in STAGE_NAMES if n in stages},
        "baselines": {n: {"build_seconds": round(stages[n]["seconds"], 2), **_quality(stages[n])}
                      for n in BASELINES if n in stages},
        "evaluated_users": report["protocol"].get("users"),
    }


def _quality(stage: dict[str, Any]) -> dict[str, Any]:
    """Test NDCG@10 with its CI, and the paired difference to the teacher (None for the teacher)."""
    return {"ndcg@10": stage["ndcg@10"], "ndcg@10_ci": stage.get("ndcg@10_ci"), "vs_teacher": stage.get("vs_teacher")}


def _schedule(stage: dict[str, Any]) -> dict[str, Any] | None:
    """Epochs run and the best (validation) epoch of a trained stage: did a cap end it?"""
    train = (stage.get("extra") or {}).get("train")
    if not train:
        return None
    return {k: train.get(k) for k in ("epochs_run", "best_epoch", "best_val_ndcg10", "seconds")}


def time_stages(run_dir: Path, names: list[str], runs: int,
                max_seconds: float) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """p50/p99 of each stage's `recommend` (1 thread, interleaved); and the engine parameters."""
    from builder.benchmark.engine import BenchmarkOptions, run_benchmark

    models = tuple(str(Path(run_dir) / "models" / f"{n}.tflite") for n in names)
    bench = run_benchmark(BenchmarkOptions(models=models, threads=(1,), runs=runs, warmup_runs=5,
                                           max_seconds=max_seconds, memory=False))
    out = {}
    for r in bench["results"]:
        lat = r["latency_us"]
        out[names[r["model_index"]]] = {"latency_p50_us": lat["p50"], "latency_p99_us": lat["p99"],
                                        "latency_mean_us": lat["mean"], "latency_runs": lat["count"],
                                        "init_us": r["init_us"]}
    return out, bench["parameters"]


# ----------------------------------------------------------------------------- worker


def worker(num_items: int, work_dir: Path, json_out: Path, quick: bool, runs: int, max_seconds: float) -> int:
    """Build one size and time its stages; JSON written after each step."""
    from benchmarks.common import write_json

    t_start = time.perf_counter()
    from builder.pipeline import build
    from builder.progress import Progress

    cfg = size_config(num_items, quick)
    doc: dict[str, Any] = {"num_items": num_items, "status": "building", "config": cfg.to_dict(),
                           "plan": size_plan(num_items, quick).__dict__}
    write_json(json_out, doc)
    import_s = time.perf_counter() - t_start
    result = build(cfg, work_dir, Progress(1), force=True)
    doc.update({"status": "built", "import_seconds": round(import_s, 1),
                "peak_rss_build_mb": round(_peak_rss_mb(), 1), **build_numbers(result.run_dir)})
    write_json(json_out, doc)
    t0 = time.perf_counter()
    latency, params = time_stages(result.run_dir, list(doc["stages"]), runs, max_seconds)
    for name, lat in latency.items():
        doc["stages"][name].update(lat)
    doc.update({"status": "ok", "benchmark_seconds": round(time.perf_counter() - t0, 1),
                "benchmark_parameters": params,
                "peak_rss_mb": round(_peak_rss_mb(), 1),
                "worker_seconds": round(time.perf_counter() - t_start, 1)})
    write_json(json_out, doc)
    return 0


# ----------------------------------------------------------------------------- parent


def _limit_memory(max_bytes: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))
    return apply


def run_size(num_items: int, work_dir: Path, *, quick: bool = False, budget_s: float = 900.0,
             mem_limit_gib: float = 18.0, runs: int = 100, max_seconds: float = 30.0) -> dict[str, Any]:
    """One size in a subprocess with a time budget and a memory cap; never raises for a failure."""
    work_dir.mkdir(parents=True, exist_ok=True)
    json_out = work_dir / f"scale_{num_items}.worker.json"
    log = work_dir / f"scale_{num_items}.log"
    json_out.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "benchmarks.scale", "--worker", str(num_items), "--work-dir", str(work_dir),
           "--json", str(json_out), "--runs", str(runs), "--max-seconds", str(max_seconds)]
    if quick:
        cmd.append("--quick")
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(root)}
    say(f"scale: {num_items} items (budget {budget_s:.0f} s, memory cap {mem_limit_gib} GiB, log {log})")
    t0 = time.perf_counter()
    failure = None
    with open(log, "w") as log_f:
        proc = subprocess.Popen(cmd, stdout=log_f, stderr=subprocess.STDOUT, cwd=root, env=env,
                                preexec_fn=_limit_memory(int(mem_limit_gib * 2**30)), start_new_session=True)
        try:
            rc = proc.wait(timeout=budget_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
            failure = f"failed: time budget of {budget_s:.0f} s exceeded"
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    doc: dict[str, Any] = json.loads(json_out.read_text()) if json_out.is_file() else {"num_items": num_items}
    if failure is None and rc != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        reason = next((ln for ln in reversed(tail) if "Error" in ln or "error" in ln), tail[-1] if tail else "")
        if rc < 0:
            reason = f"killed by signal {-rc} ({reason})"
        text = "\n".join(tail)
        if any(m in text for m in ("MemoryError", "bad_alloc", "OOM", "ResourceExhausted",
                                   "failed to map segment", "Cannot allocate memory")):
            reason = f"out of memory under the {mem_limit_gib} GiB cap ({reason})"
        failure = f"failed: exit {rc}: {reason.strip()[:400]}"
    if failure is not None and not doc.get("stages"):
        doc.update(partial_numbers(log))  # what it measured before it died
    if failure is not None:
        doc["status"] = (failure if doc.get("status") in (None, "building")
                         else f"{failure} (after the build; build numbers kept)")
    doc.update({"wall_seconds": round(wall, 1), "time_budget_s": budget_s, "memory_cap_gib": mem_limit_gib,
                "log": str(log), "children_max_rss_mb_so_far": round(usage.ru_maxrss / 1024.0, 1)})
    say(f"scale: {num_items} items -> {doc['status']} in {wall:.0f} s")
    return doc


_STAGE_LINE = re.compile(r"^(\w+)\s+NDCG@10 ([\d.]+) \[([\d.]+), ([\d.]+)\]\s+HR@10 [\d.]+"
                         r"(?:, ([\d.]+) KiB)?\s+([\d.]+) s(?: \(cached\))?$")
_DATA_LINE = re.compile(r"^data: .*: (\d+) users, (\d+) items, (\d+) interactions$", re.M)


def completed_stages(log: Path) -> dict[str, dict[str, Any]]:
    """The stages (and baselines) a failed worker finished, from the build's log lines: test
    NDCG@10 with its CI, the .tflite KiB (stages) and the training seconds."""
    done = {}
    for line in log.read_text(errors="replace").replace("\r", "\n").splitlines():
        m = _STAGE_LINE.match(line.strip())
        if m:
            name, ndcg, lo, hi, kib, seconds = m.groups()
            done[name] = {"ndcg@10": float(ndcg), "ndcg@10_ci": [float(lo), float(hi)],
                          "build_seconds": float(seconds),
                          **({"size_bytes": round(float(kib) * 1024)} if kib else {})}  # to 0.1 KiB
    return done


def partial_numbers(log: Path) -> dict[str, Any]:
    """`stages` and `baselines` of a size whose worker died in the build (see completed_stages);
    empty when it finished none."""
    done = completed_stages(log)
    parts: dict[str, Any] = {"stages": {n: done[n] for n in STAGE_NAMES if n in done},
                             "baselines": {n: done[n] for n in BASELINES if n in done}}
    data = _DATA_LINE.search(log.read_text(errors="replace").replace("\r", "\n"))
    if data:
        users, items, interactions = (int(g) for g in data.groups())
        parts.update(vocabulary_items=items, dataset={"users": users, "items": items, "interactions": interactions})
    return {k: v for k, v in parts.items() if v}


def merge_sizes(previous: dict[str, Any] | None, new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The new size results, plus the previous document's sizes that were not re-run."""
    rerun = {s["num_items"] for s in new}
    kept = [s for s in (previous or {}).get("sizes", []) if s["num_items"] not in rerun]
    return sorted(kept + new, key=lambda s: s["num_items"])


def run_scale(sizes: tuple[int, ...], work_dir: Path, *, quick: bool = False, budget_s: float = 900.0,
              mem_limit_gib: float = 18.0, runs: int = 100, max_seconds: float = 30.0) -> dict[str, Any]:
    started = now_utc()
    t0 = time.perf_counter()
    results = [run_size(n, Path(work_dir), quick=quick, budget_s=budget_s, mem_limit_gib=mem_limit_gib,
                        runs=runs, max_seconds=max_seconds) for n in sizes]
    return {
        **document_header("benchmarks.scale", started, time.perf_counter() - t0),
        "quick": quick,
        "work_dir": str(work_dir),
        "time_budget_s_per_size": budget_s,
        "memory_cap_gib": mem_limit_gib,
        "notes": [
            "Data: the realistic synthetic generator (builder.data.synthetic, kind latent, clustered "
            "sampler): taste clusters of ~200 items, Zipf popularity, drifting users, 4 planted "
            "successors per item followed with probability 0.2; min_item_interactions=1, so the "
            "vocabulary is the items that occur at least once (`vocabulary_items`).",
            "Training: the default preset's models and plateau schedules (validation decides), teacher "
            "dim 64. From 10K items the teacher trains with sampled softmax and the student with KD on "
            "candidate sets (distill.negatives, max_candidates); from 100K items every stage validates "
            "every 300 steps and has an epoch cap that fits the budget (see each stage's epochs run and "
            "best epoch). The student starts 32 wide and validation widens it up to 128 (the default "
            "build's rule) up to 10K items; from 100K it is 64 wide, fixed, and its candidate sets are "
            "the batch's targets and draws without the teacher's top items (distill.top_k 0: no index "
            "search). Recipe: distill, PTQ int8, QAT int8 (no pruning: LiteRT stores tables dense, so it "
            "does not shrink the file), and the transition head where validation keeps it.",
            "Quality: test NDCG@10 by full-catalog ranking on a seeded subset of at most 2,000 test "
            "users (the same users validate), 95% bootstrap CIs; differences to the teacher paired on "
            "the same users.",
            "Latency: `recommend` signature, batch 1, 1 thread, all stages of a size interleaved "
            "(builder.benchmark engine, random histories).",
            "Build seconds per stage are the stage's training time from report.json (`seconds`); "
            "`build_seconds` is the whole build (data generation, baselines, training, export, evaluation, "
            "report).",
            "Peak RSS: ru_maxrss of the worker process (after the build, and after the latency run).",
        ],
        "sizes": results,
    }


def plot_scale(doc: dict[str, Any], out_dir: Path) -> list[Path]:
    """size_vs_catalog.png and latency_vs_catalog.png (log-log); only sizes with numbers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from builder.io import write_bytes_atomic

    ok = [s for s in doc["sizes"] if s.get("stages")]
    paths = []
    for fname, key, ylabel, title in (
        ("scale_size.png", "size_bytes", ".tflite size (MiB)", "Model size vs catalog size"),
        ("scale_latency.png", "latency_p50_us", "latency p50 (ms, 1 thread)", "Latency vs catalog size"),
    ):
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        for stage in STAGE_NAMES:
            pts = [(s.get("vocabulary_items") or s["num_items"], s["stages"][stage].get(key))
                   for s in ok if stage in s["stages"] and s["stages"][stage].get(key) is not None]
            if not pts:
                continue
            xs, ys = zip(*pts)
            ys = [y / 2**20 for y in ys] if key == "size_bytes" else [y / 1000 for y in ys]
            ax.plot(xs, ys, marker="o", label=stage)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("catalog (items in the vocabulary)")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
        else:
            ax.text(0.5, 0.5, "no size completed", ha="center", va="center", transform=ax.transAxes)
        fig.tight_layout()
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
        path = Path(out_dir) / fname
        write_bytes_atomic(path, buf.getvalue())
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="scale sweep worker (use `python -m benchmarks.run`)")
    p.add_argument("--worker", type=int, required=True, metavar="NUM_ITEMS")
    p.add_argument("--work-dir", type=Path, required=True)
    p.add_argument("--json", type=Path, required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--max-seconds", type=float, default=30.0)
    a = p.parse_args(argv)
    return worker(a.worker, a.work_dir, a.json, a.quick, a.runs, a.max_seconds)


if __name__ == "__main__":
    sys.exit(main())
