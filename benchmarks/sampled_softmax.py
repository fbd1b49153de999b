"""Full vs sampled softmax for the teacher at a 10K-item catalog: quality and training time, paired.

    python -m benchmarks.sampled_softmax                       # 10K items, 512 negatives -> results/
    python -m benchmarks.sampled_softmax --items 10000 --users 3000 --negatives 256,1024

The data is the realistic synthetic generator (builder.data.synthetic, kind latent:
taste clusters, Zipf popularity, drift, short-range successors) at `--items` items.
The same teacher config as the default preset (early stopping on validation NDCG@10
over the full catalog, plateau schedule) and the same seed train once with full-softmax
CE and once per `--negatives` value with sampled softmax (builder.sampled); each is
evaluated on the same test users by full-catalog ranking, with the paired difference
to full softmax and its 95% bootstrap CI, and its training time (the training loop's
own clock, validation included) as a ratio to full softmax's. One process, one run
after the other, on this machine.
"""
from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import Any

from benchmarks.common import RESULTS_DIR, document_header, now_utc, say, write_results

TARGET_QUALITY, TARGET_SPEEDUP = 0.98, 5.0  # issue 12: >= 98% of full NDCG@10 at >= 5x less time


def run(items: int, users: int, negatives: list[int], seed: int) -> dict[str, Any]:
    from builder.config import DataConfig, SyntheticConfig, load_config
    from builder.data.dataset import load_dataset, training_windows
    from builder.evaluate.bootstrap import Bootstrap
    from builder.evaluate.evaluator import evaluate, keras_scorer
    from builder.models.teacher import build_teacher
    from builder.progress import Progress
    from builder.training import FitData, set_seed, spec_from, train

    base = load_config("default")
    data = DataConfig(source="synthetic", max_len=base.data.max_len, synthetic=SyntheticConfig(
        kind="latent", num_users=users, num_items=items, mean_length=40, num_clusters=60,
        follow_prob=0.2, taste_temperature=0.25))
    ds = load_dataset(data, seed=seed)
    x, y = training_windows(ds.train_sequences(), data.max_len)
    fit = FitData(x, y, ds.validation(), data.max_len, Progress(1), seed)
    test = ds.test()
    boot = Bootstrap.create(len(test), 1000, 0.95, seed=seed)
    say(f"sampled softmax: {ds.stats['users']} users, {ds.stats['items']} items, "
        f"{ds.stats['interactions']} interactions, {len(x)} training windows")
    rows, per_user = [], {}
    for k in [0, *negatives]:
        cfg = replace(base.teacher, negatives=k)
        set_seed(seed)
        model = build_teacher(ds.num_items, data.max_len, cfg)
        name = "full softmax" if k == 0 else f"sampled, {k} negatives"
        t0 = time.perf_counter()
        res = train(model, fit, spec_from(cfg), desc=f"teacher ({name})")
        seconds = time.perf_counter() - t0
        ev = evaluate(keras_scorer(model.last), test, data.max_len, name)
        per_user[k] = ev.per_user["ndcg@10"]
        row = {"softmax": name, "negatives": k, "test_ndcg10": boot.summarize(per_user[k]),
               "val_ndcg10": res.best_val_ndcg10, "epochs": res.epochs_run, "best_epoch": res.best_epoch,
               "train_seconds": round(seconds, 1), "seconds_per_epoch": round(seconds / res.epochs_run, 2)}
        if k:
            row["vs_full"] = boot.paired(per_user[k], per_user[0])
            row["quality_ratio"] = row["test_ndcg10"]["value"] / rows[0]["test_ndcg10"]["value"]
            row["speedup"] = rows[0]["train_seconds"] / seconds
            row["meets_target"] = bool(row["quality_ratio"] >= TARGET_QUALITY and row["speedup"] >= TARGET_SPEEDUP)
        rows.append(row)
        say(f"  {name}: test NDCG@10 {row['test_ndcg10']['value']:.4f}, {seconds:.0f} s, "
            f"{res.epochs_run} epochs")
    return {"dataset": ds.stats, "seed": seed, "teacher": {k: v for k, v in vars(base.teacher).items()
                                                           if k not in ("candidates",)}, "rows": rows}


def markdown(doc: dict[str, Any]) -> str:
    ds, m = doc["result"]["dataset"], doc["machine"]
    out = ["# Full vs sampled softmax (teacher, realistic synthetic catalog)", "",
           f"`python -m benchmarks.sampled_softmax` ({doc['created_utc']}): {ds['users']:,} users, "
           f"{ds['items']:,} items, {ds['interactions']:,} interactions; the default preset's teacher, "
           f"seed {doc['result']['seed']}; test NDCG@10 by full-catalog ranking, 95% bootstrap CIs, "
           "differences paired on the same users; training time is the training loop's clock "
           "(validation included), runs one after the other in one process.", "",
           f"Machine: {m.get('cpu_model', '?')}, {m.get('cpu_count_usable', '?')} usable cores, load average at start {m.get('load_average_1_5_15', '?')}. "
           f"Target (issue 12): >= {TARGET_QUALITY:.0%} of full softmax's NDCG@10 at >= "
           f"{TARGET_SPEEDUP:.0f}x less training time.", "",
           "| softmax | test NDCG@10 [95% CI] | vs full (paired) | of full | epochs (best) | train s | s/epoch | speed-up | target |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in doc["result"]["rows"]:
        t = r["test_ndcg10"]
        vs = r.get("vs_full")
        out.append(
            f"| {r['softmax']} | {t['value']:.4f} [{t['ci_low']:.4f}, {t['ci_high']:.4f}] | "
            + (f"{vs['value']:+.4f} [{vs['ci_low']:+.4f}, {vs['ci_high']:+.4f}]" if vs else "") + " | "
            + (f"{r['quality_ratio']:.1%}" if vs else "100%") + f" | {r['epochs']} ({r['best_epoch']}) | "
            f"{r['train_seconds']:.0f} | {r['seconds_per_epoch']:.1f} | "
            + (f"{r['speedup']:.1f}x" if vs else "1x") + " | "
            + (("met" if r["meets_target"] else "not met") if vs else "") + " |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=10_000)
    p.add_argument("--users", type=int, default=3_000)
    p.add_argument("--negatives", default="512", help="comma-separated negatives per batch")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=str(RESULTS_DIR))
    args = p.parse_args(argv)
    started, t0 = now_utc(), time.perf_counter()
    result = run(args.items, args.users, [int(k) for k in args.negatives.split(",")], args.seed)
    doc = {**document_header("sampled_softmax", started, time.perf_counter() - t0), "result": result}
    write_results(args.out, "sampled_softmax", doc, markdown(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
