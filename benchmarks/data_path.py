"""Data-path benchmark: load + k-core filter + sequences + leave-one-out split at 20M interactions.

    python -m benchmarks.data_path [--rows 20000000] [--users 1000000] [--items 500000]

Generates (untimed) a realistic interaction log in a temporary directory: Zipf item
popularity over a random id order, log-normal activity per user, timestamps that
advance by exponential gaps (with same-second ties and a few exact duplicate events),
the whole log in time order as a real export would be. Writes it as CSV (integer ids),
CSV (string ids like `u0001234` / `sku-00042`) and Parquet, then, for each file, runs
`builder.data.dataset.load_dataset` (the very code a build uses, default 5-core filter)
in a fresh subprocess and records its wall time and its peak RSS (`ru_maxrss` of that
child, from `os.wait4`). Results: `benchmarks/results/data_path.{json,md}`.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import RESULTS_DIR, document_header, now_utc, say, write_results

TARGET_SECONDS, TARGET_RSS_GIB = 120.0, 4.0  # issue 12


def generate(rows: int, users: int, items: int, seed: int = 0) -> dict[str, np.ndarray]:
    """A realistic log (see the module docstring) as columns: user, item, timestamp, rating."""
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, size=users)
    lengths = 1 + rng.multinomial(rows - users, activity / activity.sum())  # exactly `rows` events
    user = np.repeat(np.arange(users, dtype=np.int64), lengths)
    cdf = np.cumsum(1.0 / np.arange(1, items + 1) ** 1.0)  # Zipf(1) over popularity ranks
    rank = np.searchsorted(cdf, rng.random(rows) * cdf[-1])
    item = rng.permutation(items)[np.minimum(rank, items - 1)]
    start = 1_600_000_000 + rng.integers(0, 3 * 365 * 86400, size=users)
    gaps = np.round(rng.exponential(86400.0, size=rows)).astype(np.int64)
    gaps[rng.random(rows) < 0.05] = 0  # same-second ties
    first = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    gaps[first] = 0
    ts = np.cumsum(gaps)
    ts = ts - np.repeat(ts[first], lengths) + np.repeat(start, lengths)
    dup = np.flatnonzero(rng.random(rows) < 0.005)
    dup = dup[~np.isin(dup, first)]
    item[dup] = item[dup - 1]  # exact duplicates of the previous event (same user, item, time)
    ts[dup] = ts[dup - 1]
    rating = rng.integers(1, 6, size=rows)
    order = np.argsort(ts, kind="stable")  # the log in time order: users interleave
    user_ids = rng.permutation(users)[user] + 1
    return {"user": user_ids[order], "item": item[order] + 1, "timestamp": ts[order],
            "rating": rating[order]}


def write_files(cols: dict[str, np.ndarray], out: Path) -> dict[str, Path]:
    """The log as integer-id CSV, string-id CSV and Parquet (columns user_id, item_id, timestamp, rating)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    table = pa.table({"user_id": cols["user"], "item_id": cols["item"], "timestamp": cols["timestamp"],
                      "rating": cols["rating"]})
    files = {"csv": out / "events.csv", "csv_string_ids": out / "events_str.csv",
             "parquet": out / "events.parquet"}
    pcsv.write_csv(table, files["csv"], pcsv.WriteOptions(quoting_style="none"))
    pq.write_table(table, files["parquet"])
    u = pc.utf8_lpad(pc.cast(table["user_id"], pa.string()), 7, "0")
    i = pc.utf8_lpad(pc.cast(table["item_id"], pa.string()), 6, "0")
    strs = table.set_column(0, "user_id", pc.binary_join_element_wise("u", u, ""))
    strs = strs.set_column(1, "item_id", pc.binary_join_element_wise("sku-", i, ""))
    pcsv.write_csv(strs, files["csv_string_ids"], pcsv.WriteOptions(quoting_style="none"))
    return files


def worker(path: str, reference: bool = False) -> None:
    """Child process: the timed part. Prints one JSON line. `reference`: the previous row-wise
    pandas implementation instead (kept in tests/data/test_columnar_equivalence.py)."""
    from builder.config import DataConfig

    if reference:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "data"))
        from test_columnar_equivalence import _old_build as build_dataset  # type: ignore[import-not-found]
        from test_columnar_equivalence import _old_load as load_interactions
    else:
        from builder.data.dataset import build_dataset
        from builder.data.loaders import load_interactions

    cfg = DataConfig(source="file", path=path, rating_col="rating")
    t0 = time.perf_counter()
    inter = load_interactions(cfg)
    t1 = time.perf_counter()
    ds = build_dataset(inter, cfg)
    test = ds.test()  # the split itself (histories + targets), as evaluation takes it
    val, train = ds.validation(), ds.train_sequences()
    t2 = time.perf_counter()
    print(json.dumps({"load_s": t1 - t0, "build_s": t2 - t1, "total_s": t2 - t0, "stats": ds.stats,
                      "test_users": len(test), "val_users": len(val), "train_sequences": len(train),
                      "fingerprint": ds.fingerprint()}))


def run_child(path: Path, reference: bool = False) -> dict[str, Any]:
    """`worker(path)` in a fresh interpreter; its wall time and its own peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.data_path", "--worker", str(path)]
                            + (["--reference"] if reference else []), stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"worker failed on {path} (exit {proc.returncode})")
    res = json.loads(out.decode().strip().splitlines()[-1])
    res.update(wall_s=wall, peak_rss_gib=usage.ru_maxrss * 1024 / 2**30, file_bytes=path.stat().st_size)
    return res


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [
        "# Data path at 20M interactions",
        "",
        f"`python -m benchmarks.data_path --rows {doc['rows']} --users {doc['users']} --items {doc['items']}` "
        f"({doc['created_utc']}). Generated log (not timed): {doc['rows']:,} interactions, {doc['users']:,} "
        f"users, {doc['items']:,} items with Zipf(1) popularity, log-normal user activity, time-ordered, "
        f"5% same-second ties, 0.5% exact duplicate events. Timed: `load_interactions` + `build_dataset` "
        f"(rating column parsed, duplicates dropped, 5-core filter, re-indexing, per-user chronological "
        f"sequences) + the leave-one-out split, in a fresh subprocess per file; peak RSS is that "
        f"child's `ru_maxrss` (interpreter, NumPy, pandas and pyarrow included).",
        "",
        f"Machine: {m.get('cpu_model')}, {m.get('cpu_count_usable')} usable cores, "
        f"{m.get('memory_total_gib')} GiB RAM, shared with other jobs while this ran (load "
        f"{m.get('load_average_1_5_15')} at start); Python {m.get('python')}, NumPy {m.get('numpy')}, "
        f"pandas {doc['pandas']}, pyarrow {doc['pyarrow']}.",
        f"Target (issue 12): <= {TARGET_SECONDS:.0f} s and <= {TARGET_RSS_GIB:.0f} GiB peak RSS.",
        "",
        "| file | size | load | build + split | total (child wall) | peak RSS | after filtering | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in doc["runs"].items():
        s = r["stats"]
        ok = r["wall_s"] <= TARGET_SECONDS and r["peak_rss_gib"] <= TARGET_RSS_GIB
        lines.append(
            f"| {name} | {r['file_bytes'] / 2**20:.0f} MiB | {r['load_s']:.1f} s | {r['build_s']:.1f} s | "
            f"{r['total_s']:.1f} s ({r['wall_s']:.1f} s) | {r['peak_rss_gib']:.2f} GiB | "
            f"{s['interactions']:,} interactions, {s['users']:,} users, {s['items']:,} items | "
            f"{'(the code this replaced)' if r.get('name') == 'reference' else 'met' if ok else 'MISSED'} |")
    fps = {r["fingerprint"] for r in doc["runs"].values() if "string" not in r.get("name", "")}
    lines += ["", "Dataset fingerprints (`SequenceDataset.fingerprint()`: vocabulary + every sequence): "
              + ", ".join(f"{k} `{r['fingerprint']}`" for k, r in doc["runs"].items())
              + (" — the integer-id files agree" + (", with the previous implementation too" if any(
                  r.get("name") == "reference" for r in doc["runs"].values()) else "") if len(fps) == 1 else
                 " — MISMATCH"), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=20_000_000)
    p.add_argument("--users", type=int, default=1_000_000)
    p.add_argument("--items", type=int, default=500_000)
    p.add_argument("--only", nargs="*", default=None, help="subset of: csv csv_string_ids parquet")
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    p.add_argument("--reference", action="store_true",
                   help="also time the previous pandas implementation on the integer-id CSV (minutes)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker, args.reference)
        return 0
    import pandas as pd
    import pyarrow as pa

    started, t0 = now_utc(), time.perf_counter()
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="data_path_") as tmp:
        say(f"generating {args.rows:,} interactions ...")
        files = write_files(generate(args.rows, args.users, args.items), Path(tmp))
        for name, path in files.items():
            if args.only and name not in args.only:
                continue
            say(f"timing {name} ({path.stat().st_size / 2**20:.0f} MiB) ...")
            runs[name] = dict(run_child(path), name=name)
            say(f"  {runs[name]['wall_s']:.1f} s, {runs[name]['peak_rss_gib']:.2f} GiB")
        if args.reference:
            say("timing the previous pandas implementation on csv ...")
            runs["csv, previous pandas path"] = dict(run_child(files["csv"], reference=True), name="reference")
            say(f"  {runs['csv, previous pandas path']['wall_s']:.1f} s")
    doc = dict(document_header("data_path", started, time.perf_counter() - t0), rows=args.rows,
               users=args.users, items=args.items, pandas=pd.__version__, pyarrow=pa.__version__,
               targets={"seconds": TARGET_SECONDS, "peak_rss_gib": TARGET_RSS_GIB}, runs=runs)
    write_results(args.out, "data_path", doc, markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
