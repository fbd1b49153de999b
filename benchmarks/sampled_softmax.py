"""Full vs sampled softmax for the teacher at a 10K-item catalog: quality and training time, paired.

    python -m benchmarks.sampled_softmax                       # 10K items, 2048 and 8192 draws -> results/
    python -m benchmarks.sampled_softmax --items 10000 --users 3000 --negatives 512,1024
    python -m benchmarks.sampled_softmax --step-times 10000,100000,1000000   # cost per step only
    python -m benchmarks.sampled_softmax --step-times 1000000 --negatives 2048 --optimizers adam,lazy_adam

The data is the realistic synthetic generator (builder.data.synthetic, kind latent:
taste clusters, Zipf popularity, drift, short-range successors) at `--items` items.
The same teacher config as the default preset (early stopping on validation NDCG@10
over the full catalog, plateau schedule) and the same seed train once with full-softmax
CE and once per `--negatives` value with sampled softmax (builder.sampled); each is
evaluated on the same test users by full-catalog ranking, with the paired difference
to full softmax and its 95% bootstrap CI, and its training time (the training loop's
own clock, validation included) as a ratio to full softmax's. One process, one run
after the other, on this machine.

`--step-times` measures what the catalog size does to the cost of one training step (the
production step, builder.training.training_step, XLA-compiled, the sampler's draw included)
at each size: the default teacher, batch x history of the default preset, Zipf(0.8) targets;
full softmax and each `--negatives` value take turns step by step (medians of `--steps`
steps after 2 warm-up steps). Full softmax is skipped where its [B, L, N] logits, their
softmax, gradient and a work copy would not fit in half of this machine's memory.
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from typing import Any

import numpy as np

from benchmarks.common import RESULTS_DIR, document_header, now_utc, say, write_results

TARGET_QUALITY, TARGET_SPEEDUP = 0.98, 5.0  # issue 12: >= 98% of full NDCG@10 at >= 5x less time


def _data(items: int, users: int, seed: int, source: str) -> tuple[Any, Any, Any, Any, Any]:
    """(default config, dataset, data config, FitData, test split): the realistic synthetic catalog
    at `items` x `users`, or the default preset's data."""
    from builder.config import DataConfig, SyntheticConfig, load_config
    from builder.data.dataset import load_dataset, training_windows
    from builder.progress import Progress
    from builder.training import FitData

    base = load_config("default")
    data = base.data if source == "default" else DataConfig(
        source="synthetic", max_len=base.data.max_len, synthetic=SyntheticConfig(
            kind="latent", num_users=users, num_items=items, mean_length=40, num_clusters=60,
            follow_prob=0.2, taste_temperature=0.25))
    ds = load_dataset(data, seed=seed)
    x, y = training_windows(ds.train_sequences(), data.max_len)
    return base, ds, data, FitData(x, y, ds.validation(), data.max_len, Progress(1), seed), ds.test()


def run(items: int, users: int, negatives: list[int], seed: int, source: str = "synthetic") -> dict[str, Any]:
    from builder.evaluate.bootstrap import Bootstrap
    from builder.evaluate.evaluator import evaluate, keras_scorer
    from builder.models.teacher import build_teacher
    from builder.sampled import NegativeSampler, log_popularity
    from builder.training import set_seed, spec_from, train

    base, ds, data, fit, test = _data(items, users, seed, source)
    x, y = fit.inputs, fit.targets
    boot = Bootstrap.create(len(test), 1000, 0.95, seed=seed)
    say(f"sampled softmax: {ds.stats['users']} users, {ds.stats['items']} items, "
        f"{ds.stats['interactions']} interactions, {len(x)} training windows")
    log_q = log_popularity(y, ds.num_items)
    rows, per_user = [], {}
    for k in [0, *negatives]:
        cfg = replace(base.teacher, negatives=k)
        set_seed(seed)
        model = build_teacher(ds.num_items, data.max_len, cfg)
        name = "full softmax" if k == 0 else f"sampled, {k} draws"
        t0 = time.perf_counter()
        res = train(model, fit, spec_from(cfg), desc=f"teacher ({name})")
        seconds = time.perf_counter() - t0
        ev = evaluate(keras_scorer(model.last), test, data.max_len, name)
        per_user[k] = ev.per_user["ndcg@10"]
        row = {"softmax": name, "negatives": k, "test_ndcg10": boot.summarize(per_user[k]),
               "val_ndcg10": res.best_val_ndcg10, "epochs": res.epochs_run, "best_epoch": res.best_epoch,
               "train_seconds": round(seconds, 1), "seconds_per_epoch": round(seconds / res.epochs_run, 2)}
        if k:
            row["prior_scale"] = res.prior_scale
            row["distinct_negatives"] = round(NegativeSampler(log_q, k, seed).expected_distinct())  # per step
            row["vs_full"] = boot.paired(per_user[k], per_user[0])
            row["quality_ratio"] = row["test_ndcg10"]["value"] / rows[0]["test_ndcg10"]["value"]
            row["speedup"] = rows[0]["train_seconds"] / seconds
            row["meets_target"] = bool(row["quality_ratio"] >= TARGET_QUALITY and row["speedup"] >= TARGET_SPEEDUP)
        rows.append(row)
        say(f"  {name}: test NDCG@10 {row['test_ndcg10']['value']:.4f}, {seconds:.0f} s, "
            f"{res.epochs_run} epochs")
    return {"dataset": ds.stats, "source": data.source, "seed": seed, "teacher": {k: v for k, v in vars(base.teacher).items()
                                                           if k not in ("candidates",)}, "rows": rows}


def students(items: int, users: int, negatives: list[int], seed: int, source: str,
             teacher_negatives: int, caps: tuple[int, ...] = (0,)) -> dict[str, Any]:
    """One teacher, then the default student distilled from it over the full catalog and on
    candidate sets of each `negatives` size and each cap on the set (`distill.max_candidates`,
    0 = none; builder.sampled.CandidateSampler), paired."""
    from builder.compress.distill import distill
    from builder.evaluate.bootstrap import Bootstrap
    from builder.evaluate.evaluator import evaluate, keras_scorer
    from builder.models.student import build_student
    from builder.models.teacher import build_teacher
    from builder.training import set_seed, spec_from, train

    base, ds, data, fit, test = _data(items, users, seed, source)
    boot = Bootstrap.create(len(test), 1000, 0.95, seed=seed)
    tcfg = replace(base.teacher, negatives=teacher_negatives)
    set_seed(seed)
    teacher = build_teacher(ds.num_items, data.max_len, tcfg)
    t0 = time.perf_counter()
    tres = train(teacher, fit, spec_from(tcfg), desc="teacher")
    t_sec = time.perf_counter() - t0
    t_users = evaluate(keras_scorer(teacher.last), test, data.max_len, "teacher").per_user["ndcg@10"]
    say(f"  teacher: test NDCG@10 {t_users.mean():.4f}, {t_sec:.0f} s")
    rows, per_user = [], {}
    for k, cap in [(0, 0)] + [(k, c) for k in negatives for c in caps]:
        set_seed(seed)
        _, v = build_student(ds.num_items, data.max_len, base.student)
        name = ("full catalog" if k == 0 else f"candidates, {k} draws"
                + (f", at most {cap:,}" if cap else ""))
        dc = replace(base.distill, negatives=k, max_candidates=cap if k else 0)
        set_size = _set_size(teacher, fit, dc, base.student.batch_size, seed) if k else None
        t0 = time.perf_counter()
        res = distill(v, teacher, dc, base.student, fit, desc=f"student ({name})")
        seconds = time.perf_counter() - t0
        per_user[k, cap] = evaluate(keras_scorer(v.last), test, data.max_len, name).per_user["ndcg@10"]
        row = {"distillation": name, "negatives": k, "max_candidates": cap, "mean_set_size": set_size,
               "test_ndcg10": boot.summarize(per_user[k, cap]),
               "val_ndcg10": res.best_val_ndcg10, "epochs": res.epochs_run, "best_epoch": res.best_epoch,
               "train_seconds": round(seconds, 1), "seconds_per_epoch": round(seconds / res.epochs_run, 2),
               "vs_teacher": boot.paired(per_user[k, cap], t_users),
               "of_teacher": float(per_user[k, cap].mean() / t_users.mean())}
        if k:
            row["vs_full"] = boot.paired(per_user[k, cap], per_user[0, 0])
            row["quality_ratio"] = row["test_ndcg10"]["value"] / rows[0]["test_ndcg10"]["value"]
            row["speedup"] = rows[0]["train_seconds"] / seconds
        rows.append(row)
        say(f"  {name}: test NDCG@10 {row['test_ndcg10']['value']:.4f}, {seconds:.0f} s, {res.epochs_run} epochs")
    return {"dataset": ds.stats, "source": data.source, "seed": seed, "teacher_negatives": teacher_negatives,
            "teacher": {"test_ndcg10": boot.summarize(t_users), "val_ndcg10": tres.best_val_ndcg10,
                        "train_seconds": round(t_sec, 1), "prior_scale": tres.prior_scale},
            "student": {k: v for k, v in vars(base.student).items()},
            "distill": {k: v for k, v in vars(base.distill).items()}, "rows": rows}


def _set_size(teacher: Any, fit: Any, dc: Any, batch_size: int, seed: int, batches: int = 16) -> int:
    """The mean size of the candidate sets `dc` makes for the first `batches` training batches."""
    from builder.sampled import CandidateSampler, log_popularity
    from builder.top_items import teacher_top_items

    hard = teacher_top_items(teacher, fit.inputs, dc.top_k, dc.top_k_search).items if dc.top_k else None
    sampler = CandidateSampler(log_popularity(fit.targets, int(teacher.sequence.output_shape[-1])),
                               dc.negatives, seed, cap=dc.max_candidates)
    order = np.random.default_rng(seed).permutation(len(fit.inputs))
    sizes = [len(sampler.draw(fit.targets[idx], None if hard is None else hard[idx])[2])
             for idx in (order[i * batch_size:(i + 1) * batch_size] for i in range(batches))]
    return round(float(np.mean(sizes)))


def step_times(sizes: list[int], negatives: list[int], steps: int, seed: int,
               student: bool = False, caps: tuple[int, ...] = (0,),
               optimizers: tuple[str, ...] = ("adam",)) -> dict[str, Any]:
    """Per catalog size: full softmax (Adam) and each (negatives, cap, optimizer) variant's step."""
    from builder._keras import tf
    from builder.config import load_config
    from builder.data.synthetic import zipf_probabilities
    from builder.lazy_adam import make_optimizer
    from builder.models.teacher import build_teacher
    from builder.training import prepare_sampling, set_seed, spec_from, training_step

    base = load_config("default")
    b, length = base.teacher.batch_size, base.data.max_len
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        p = zipf_probabilities(n - 1)
        batches = [(rng.choice(n - 1, size=(b, length), p=p) + 1).astype(np.int32) for _ in range(4)]
        runs = {}
        for k, cap, name in [(0, 0, "adam")] + [(k, c, o) for k in negatives for c in (caps if student else (0,))
                                                for o in optimizers]:
            full_bytes = 4 * b * length * n * 4
            if k == 0 and full_bytes > memory / 2:
                rows.append({"items": n, "negatives": 0, "fits": False,
                             "note": f"its [B, L, N] logits need ~{full_bytes / 2 ** 30:.0f} GiB"})
                continue
            set_seed(seed)
            if student:
                runs[k, cap, name] = _student_step(n, length, k, base, batches, seed, cap, name)
                continue
            cfg = replace(base.teacher, negatives=k)
            model = build_teacher(n, length, cfg)
            sampler = prepare_sampling(model, np.concatenate(batches), k, seed) if k else None
            opt = make_optimizer(name, cfg.learning_rate)
            step = training_step(model, spec_from(cfg), opt, loss="sampled" if k else "full", jit=True)
            runs[k, cap, name] = (step, (lambda _, s=sampler: s.draw()) if sampler else (lambda _: None),
                       sampler.expected_distinct() if sampler else None, [])
        for i in range(steps + 2):
            x = tf.constant(batches[i % len(batches)][:, :-1])
            x = tf.pad(x, [[0, 0], [1, 0]])
            y = batches[i % len(batches)]
            denom = tf.constant(float(b * length))
            for k, (step, extra_for, _, times) in runs.items():
                t0 = time.perf_counter()
                float(step(x, tf.constant(y), denom, extra_for(y)))
                if i >= 2:
                    times.append(time.perf_counter() - t0)
        full = float(np.median(runs[0, 0, "adam"][3])) if (0, 0, "adam") in runs else None
        for (k, cap, name), (_, _, distinct, times) in runs.items():
            med = float(np.median(times))
            rows.append({"items": n, "negatives": k, "max_candidates": cap, "optimizer": name, "fits": True,
                         "median_s": round(med, 4),
                         "p90_s": round(float(np.quantile(times, 0.9)), 4), "steps": len(times),
                         "distinct_negatives": round(distinct) if distinct else None,
                         "speedup": round(full / med, 2) if full and k else None})
            say(f"  {n} items, " + (f"{k} draws" if k else "full softmax") + (f", cap {cap}" if cap else "")
                + f", {name}: {med * 1000:.0f} ms/step")
        del runs
    return {"batch": b, "history": length, "teacher": {"dim": base.teacher.dim, "blocks": base.teacher.blocks},
            "model": "student" if student else "teacher",
            "student": {"dim": base.student.dim, "conv_layers": base.student.conv_layers}, "rows": rows}


def _student_step(n: int, length: int, k: int, base: Any, batches: list[np.ndarray], seed: int,
                  cap: int = 0, optimizer: str = "adam") -> tuple:
    """(step, extra_for(targets), mean candidate-set size, times) of the default student's distillation
    step: over the full catalog from cached teacher logits (k = 0), or on candidate sets from cached
    teacher hidden vectors (random stand-ins of the cached tensors' shapes); the teacher's top
    `distill.top_k` items per position are stood in for by as many Zipf draws."""
    from builder._keras import tf
    from builder.data.synthetic import zipf_probabilities
    from builder.lazy_adam import make_optimizer
    from builder.models.student import build_student
    from builder.models.teacher import build_teacher
    from builder.sampled import CandidateSampler, log_popularity
    from builder.training import spec_from, training_step

    b, dc = base.teacher.batch_size, replace(base.distill, negatives=k, max_candidates=cap if k else 0)
    _, v = build_student(n, length, base.student)
    teacher = build_teacher(n, length, base.teacher)
    rng = np.random.default_rng(seed)
    spec = spec_from(base.student, **dc.loss_terms())
    step = training_step(v, spec, make_optimizer(optimizer, base.student.learning_rate),
                         loss="candidates" if k else "full", jit=True, teacher=teacher)
    if not k:
        logits = tf.constant(rng.normal(size=(b, length, n)).astype(np.float32))
        return step, lambda _: logits, None, []
    hidden = tf.constant(rng.normal(size=(b, length, base.teacher.dim)).astype(np.float32))
    sampler = CandidateSampler(log_popularity(np.concatenate(batches), n), k, seed, cap=cap)
    p = zipf_probabilities(n - 1)
    tops = [(rng.choice(n - 1, size=(*y.shape, dc.top_k), p=p) + 1).astype(np.int32) for y in batches]
    top_of = {id(y): t for y, t in zip(batches, tops)}
    sizes = [len(sampler.draw(y, top_of[id(y)])[2]) for y in batches]

    def extra_for(y: np.ndarray) -> tuple:
        ids, offsets, real = sampler.draw(y, top_of[id(y)])
        return ids, offsets, CandidateSampler.labels(real, y), hidden

    return step, extra_for, float(np.mean(sizes)), []


def step_markdown(doc: dict[str, Any]) -> str:
    r, m = doc["result"], doc["machine"]
    student = r.get("model") == "student"
    what = (f"the default student (dim {r['student']['dim']}, {r['student']['conv_layers']} conv layers) "
            "distilled over the full catalog from cached teacher logits, or on candidate sets (the batch's "
            "targets + K draws + each position's teacher top-k, stood in for by Zipf draws, at most the "
            "given number of items where a cap is given; the set's mean size is given) from cached "
            "teacher hidden vectors (random "
            "tensors of the cached ones' shapes)" if student else
            f"the default teacher (dim {r['teacher']['dim']}, {r['teacher']['blocks']} blocks)")
    out = ["# Training-step cost vs catalog size: " + ("full-catalog vs candidate distillation (student)"
                                                       if student else "full vs sampled softmax (teacher)"), "",
           f"`python -m benchmarks.sampled_softmax {'--students ' if student else ''}--step-times ...` "
           f"({doc['created_utc']}): {what}, batch {r['batch']} x "
           f"history {r['history']}, Zipf(0.8) targets; one optimizer step of builder.training.training_step "
           "(XLA, the sampler's draw included), variants taking turns step by step; medians.", "",
           f"Machine: {m.get('cpu_model', '?')}, {m.get('cpu_count_usable', '?')} usable cores, load average "
           f"at start {m.get('load_average_1_5_15', '?')}.", "",
           "| catalog | " + ("distillation | candidates" if student else "softmax | distinct negatives")
           + " | ms/step (median) | p90 | steps | speed-up vs full |",
           "|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        name = ("full" if not row["negatives"] else
                f"{'candidates' if student else 'sampled'}, {row['negatives']} draws"
                + (f", at most {row['max_candidates']:,}" if row.get("max_candidates") else "")
                + (", lazy Adam" if row.get("optimizer") == "lazy_adam" else ""))
        if not row["fits"]:
            out.append(f"| {row['items']:,} | {name} | | {row['note']} | | | |")
            continue
        out.append(f"| {row['items']:,} | {name} | {row['distinct_negatives'] or ''} | "
                   f"{row['median_s'] * 1000:.0f} | {row['p90_s'] * 1000:.0f} | {row['steps']} | "
                   + (f"{row['speedup']:.1f}x" if row["speedup"] else ("1x" if not row["negatives"] else "n/a"))
                   + " |")
    return "\n".join(out) + "\n"


def markdown(doc: dict[str, Any]) -> str:
    ds, m = doc["result"]["dataset"], doc["machine"]
    synthetic = doc["result"].get("source", "synthetic") == "synthetic"
    what = "realistic synthetic catalog" if synthetic else "the default preset's data"
    out = [f"# Full vs sampled softmax (teacher, {what})", "",
           f"`python -m benchmarks.sampled_softmax{'' if synthetic else ' --data default'}` "
           f"({doc['created_utc']}): {ds['users']:,} users, "
           f"{ds['items']:,} items, {ds['interactions']:,} interactions; the default preset's teacher, "
           f"seed {doc['result']['seed']}; test NDCG@10 by full-catalog ranking, 95% bootstrap CIs, "
           "differences paired on the same users; training time is the training loop's clock "
           "(validation included), runs one after the other in one process.", "",
           f"Machine: {m.get('cpu_model', '?')}, {m.get('cpu_count_usable', '?')} usable cores, load average at start {m.get('load_average_1_5_15', '?')}. "
           f"Target (issue 12): >= {TARGET_QUALITY:.0%} of full softmax's NDCG@10 at >= "
           f"{TARGET_SPEEDUP:.0f}x less training time.", "",
           "Sampled rows: K draws per step from the training popularity, scored once per distinct item "
           "(their expected number per step is given), and the served log-popularity prior's scale "
           "chosen on validation (builder.sampled, builder.training.choose_prior_scale).", "",
           "| softmax | distinct negatives | prior | test NDCG@10 [95% CI] | vs full (paired) | of full | epochs (best) | train s | s/epoch | speed-up | target |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["result"]["rows"]:
        t = r["test_ndcg10"]
        vs = r.get("vs_full")
        out.append(
            f"| {r['softmax']} | {r.get('distinct_negatives', '')} | "
            + (f"{r['prior_scale']} x log q" if r.get("prior_scale") is not None else "") + f" | {t['value']:.4f} [{t['ci_low']:.4f}, {t['ci_high']:.4f}] | "
            + (f"{vs['value']:+.4f} [{vs['ci_low']:+.4f}, {vs['ci_high']:+.4f}]" if vs else "") + " | "
            + (f"{r['quality_ratio']:.1%}" if vs else "100%") + f" | {r['epochs']} ({r['best_epoch']}) | "
            f"{r['train_seconds']:.0f} | {r['seconds_per_epoch']:.1f} | "
            + (f"{r['speedup']:.1f}x" if vs else "1x") + " | "
            + (("met" if r["meets_target"] else "not met") if vs else "") + " |")
    return "\n".join(out) + "\n"


def _flags(result: dict[str, Any]) -> str:
    """The --negatives/--max-candidates flags of a --students result that are not the defaults."""
    ks = sorted({r["negatives"] for r in result["rows"] if r["negatives"]})
    caps = sorted({r.get("max_candidates") or 0 for r in result["rows"] if r["negatives"]})
    return ((f" --negatives {','.join(map(str, ks))}" if ks != [2048, 8192] else "")
            + (f" --max-candidates {','.join(map(str, caps))}" if caps != [0] else ""))


def students_markdown(doc: dict[str, Any]) -> str:
    r, m = doc["result"], doc["machine"]
    ds, t = r["dataset"], r["teacher"]
    synthetic = r.get("source", "synthetic") == "synthetic"
    tt = t["test_ndcg10"]
    out = ["# Candidate distillation vs full-catalog distillation (student)", "",
           f"`python -m benchmarks.sampled_softmax --students{'' if synthetic else ' --data default'}{_flags(r)}` "
           f"({doc['created_utc']}): {ds['users']:,} users, {ds['items']:,} items, {ds['interactions']:,} "
           f"interactions ({'realistic synthetic catalog' if synthetic else 'the default preset data'}), seed {r['seed']}. "
           "One teacher (the default preset's, "
           + (f"sampled softmax with {r['teacher_negatives']} draws, prior {t['prior_scale']} x log q" if r["teacher_negatives"]
              else "full softmax")
           + f"): test NDCG@10 {tt['value']:.4f} [{tt['ci_low']:.4f}, {tt['ci_high']:.4f}], {t['train_seconds']:.0f} s. "
           "Then the default student (the default preset's student and distill sections) distilled from it "
           "with the KD over the full catalog, and on per-batch candidate sets (the batch's targets, each "
           f"position's top {r['distill'].get('top_k', 10)} items by the teacher and K popularity-drawn items, "
           "builder.sampled.CandidateSampler), same seed, one process, one after the other. Test NDCG@10 by full-catalog ranking, 95% bootstrap CIs paired on the same users; "
           "training time is the training loop's clock (validation included).", "",
           f"Machine: {m.get('cpu_model', '?')}, {m.get('cpu_count_usable', '?')} usable cores, load average "
           f"at start {m.get('load_average_1_5_15', '?')}.", "",
           "| distillation | mean set size | test NDCG@10 [95% CI] | of teacher | vs full-catalog KD (paired) | of full | epochs (best) | train s | s/epoch | speed-up |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        x, vs = row["test_ndcg10"], row.get("vs_full")
        out.append(f"| {row['distillation']} | {row.get('mean_set_size') or ''} | "
                   f"{x['value']:.4f} [{x['ci_low']:.4f}, {x['ci_high']:.4f}] | "
                   f"{row['of_teacher']:.1%} | "
                   + (f"{vs['value']:+.4f} [{vs['ci_low']:+.4f}, {vs['ci_high']:+.4f}] | {row['quality_ratio']:.1%}"
                      if vs else " | 100%")
                   + f" | {row['epochs']} ({row['best_epoch']}) | {row['train_seconds']:.0f} | "
                   f"{row['seconds_per_epoch']:.1f} | " + (f"{row['speedup']:.1f}x" if vs else "1x") + " |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--users", type=int, default=3_000)
    p.add_argument("--negatives", default="2048,8192", help="comma-separated negatives drawn per batch")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data", choices=("synthetic", "default"), default="synthetic",
                   help="the realistic synthetic catalog (--items, --users) or the default preset's data")
    p.add_argument("--name", default="sampled_softmax", help="results file stem")
    p.add_argument("--step-times", default="", help="comma-separated catalog sizes: time training steps only")
    p.add_argument("--steps", type=int, default=5, help="--step-times: timed steps per variant")
    p.add_argument("--students", action="store_true",
                   help="distil the default student over the full catalog vs on candidate sets of each --negatives size")
    p.add_argument("--teacher-negatives", type=int, default=2048,
                   help="--students: the teacher's sampled-softmax negatives (0 = full softmax)")
    p.add_argument("--max-candidates", default="0",
                   help="--students: comma-separated caps on the candidate set (distill.max_candidates, 0 = none)")
    p.add_argument("--optimizers", default="adam",
                   help="--step-times: comma-separated optimizers of the sampled variants (adam, lazy_adam)")
    p.add_argument("--out", default=str(RESULTS_DIR))
    args = p.parse_args(argv)
    started, t0 = now_utc(), time.perf_counter()
    negatives = [int(k) for k in args.negatives.split(",")]
    if args.step_times:
        result = step_times([int(n) for n in args.step_times.split(",")], negatives, args.steps, args.seed,
                            student=args.students, caps=tuple(int(c) for c in args.max_candidates.split(",")),
                            optimizers=tuple(args.optimizers.split(",")))
        name = "candidate_distillation_steps" if args.students else "sampled_softmax_steps"
        doc = {**document_header(name, started, time.perf_counter() - t0), "result": result}
        write_results(args.out, name, doc, step_markdown(doc))
        return 0
    if args.students:
        result = students(args.items, args.users, negatives, args.seed, args.data, args.teacher_negatives,
                          caps=tuple(int(c) for c in args.max_candidates.split(",")))
        doc = {**document_header("sampled_softmax_students", started, time.perf_counter() - t0), "result": result}
        write_results(args.out, args.name if args.name != "sampled_softmax" else "candidate_distillation",
                      doc, students_markdown(doc))
        return 0
    result = run(args.items, args.users, negatives, args.seed, args.data)
    doc = {**document_header("sampled_softmax", started, time.perf_counter() - t0), "result": result}
    write_results(args.out, args.name, doc, markdown(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
