"""The columnar data path gives the very dataset the row-wise pandas path gave.

`_old_*` below is the previous implementation (pandas `read_csv(dtype=str)` + per-row
string rules + `sort_values` / `drop_duplicates` / `value_counts` k-core), kept here only
as the reference: build caches and published numbers depend on the datasets being equal.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from builder.config import DataConfig
from builder.data.dataset import SequenceDataset, build_dataset
from builder.data.loaders import DataError, Interactions, embedded_ml100k_dir, load_interactions
from builder.data.synthetic import generate_interactions
from builder.config import SyntheticConfig


# ---------------------------------------------------------------- the old implementation (reference)

def _old_read_table(path: Path, sep: str, names, header: bool, skip_first: bool = False) -> pd.DataFrame:
    engine = "python" if len(sep) > 1 else "c"
    df = pd.read_csv(path, sep=sep, header=0 if header else None, names=names, dtype=str, engine=engine,
                     keep_default_na=False, skiprows=1 if skip_first else 0, encoding="latin-1",
                     skip_blank_lines=True, on_bad_lines="error", quoting=3 if engine == "python" else 0)
    df["line"] = np.arange(len(df), dtype=np.int64) + (2 if (header or skip_first) else 1)
    return df


def _old_to_number(df, col, integer):
    num = pd.to_numeric(df[col].astype(str).str.strip(), errors="coerce")
    bad = num.isna().to_numpy().copy()
    if integer:
        bad |= ~np.isclose(num.fillna(0).to_numpy(dtype=float) % 1, 0)
    assert not bad.any()
    return num


def _old_ids(df, col, id_type):
    s = df[col].astype(str).str.strip()
    if id_type == "auto":
        num = pd.to_numeric(s, errors="coerce")
        whole = num.notna().all() and bool(np.isclose(num.to_numpy(dtype=float) % 1, 0).all())
        id_type = "int" if whole and len(s) else "str"
    if id_type == "int":
        return _old_to_number(df, col, True).astype(np.int64).astype(str)
    return s


def _old_events(df, user, item, time, rating, id_type) -> pd.DataFrame:
    return pd.DataFrame({
        "user": _old_ids(df, user, id_type), "item": _old_ids(df, item, id_type),
        "timestamp": _old_to_number(df, time, False).astype(np.int64),
        "rating": _old_to_number(df, rating, False).astype(float) if rating else np.nan,
        "line": df["line"].to_numpy(),
    })


def _old_load(cfg: DataConfig) -> Interactions:
    """The old loaders for the embedded ML-100K, ratings.dat (`::`) and generic CSV / Parquet."""
    if cfg.source == "ml-100k":
        d = embedded_ml100k_dir()
        inter = _old_read_table(d / "ml-100k.inter", "\t", ["user", "item", "rating", "timestamp"], False, True)
        ev = _old_events(inter, "user", "item", "timestamp", "rating", "int")
        raw = _old_read_table(d / "ml-100k.item", "\t", ["item", "title", "year", "genres"], False, True)
        titles = raw["title"].str.strip() + np.where(raw["year"].str.strip() != "",
                                                     " (" + raw["year"].str.strip() + ")", "")
        items = pd.DataFrame({"title": titles.to_numpy(),
                              "genres": [tuple(g.split()) for g in raw["genres"].fillna("")]},
                             index=raw["item"].str.strip().to_numpy())
        return Interactions(ev, items[~items.index.duplicated()], "old")
    path = Path(str(cfg.path))
    if path.name.endswith(".dat"):
        df = _old_read_table(path, "::", ["user", "item", "rating", "timestamp"], False)
        return Interactions(_old_events(df, "user", "item", "timestamp", "rating", "int"), _no_items(), "old")
    if path.suffix == ".parquet":
        df = pd.read_parquet(path).astype(str)
        df["line"] = np.arange(len(df), dtype=np.int64) + 1
    else:
        df = _old_read_table(path, cfg.delimiter, None, True)
    ev = _old_events(df, cfg.user_col, cfg.item_col, cfg.time_col, cfg.rating_col, cfg.id_type)
    return Interactions(ev, _no_items(), "old")


def _no_items() -> pd.DataFrame:
    return pd.DataFrame({"title": pd.Series(dtype=str), "genres": pd.Series(dtype=object)})


def _old_build(inter: Interactions, cfg: DataConfig, seed: int = 0) -> SequenceDataset:
    ev = inter.events
    if cfg.user_fraction < 1.0:
        users = np.sort(ev["user"].unique())
        keep = np.random.default_rng(seed).choice(len(users), max(1, round(cfg.user_fraction * len(users))),
                                                  replace=False)
        ev = ev[ev["user"].isin(users[keep])]
    if cfg.rating_threshold is not None:
        ev = ev[ev["rating"] >= cfg.rating_threshold]
    ev = ev.drop_duplicates(["user", "item", "timestamp"])
    while True:
        n = len(ev)
        ev = ev[ev["item"].map(ev["item"].value_counts()) >= cfg.min_item_interactions]
        ev = ev[ev["user"].map(ev["user"].value_counts()) >= cfg.min_user_interactions]
        if len(ev) == n:
            break
    raw_items = np.asarray(ev["item"].unique())
    try:
        order = np.argsort(raw_items.astype(np.int64), kind="stable")
    except (ValueError, OverflowError):
        order = np.argsort(raw_items, kind="stable")
    item_ids = [""] + [str(x) for x in raw_items[order]]
    index = {iid: i for i, iid in enumerate(item_ids) if i > 0}
    ev = ev.assign(idx=ev["item"].map(index).astype(np.int32))
    ev = ev.sort_values(["user", "timestamp", "line"], kind="stable")
    _, starts = np.unique(ev["user"].to_numpy(), return_index=True)
    starts = np.sort(starts)
    idx = ev["idx"].to_numpy(dtype=np.int32)
    ends = np.append(starts[1:], len(idx))
    sequences = [idx[s:e] for s, e in zip(starts, ends)]
    meta = inter.items
    titles = [""] + [str(meta["title"].get(i, i)) if i in meta.index else i for i in item_ids[1:]]
    genres = [()] + [tuple(meta["genres"].get(i, ())) if i in meta.index else () for i in item_ids[1:]]
    lengths = np.array([len(s) for s in sequences])
    stats = {"interactions": int(len(idx)), "users": len(sequences), "items": len(item_ids) - 1,
             "seq_len_mean": float(lengths.mean()), "seq_len_median": float(np.median(lengths))}
    return SequenceDataset(item_ids, titles, genres, [str(u) for u in ev["user"].to_numpy()[starts]],
                           sequences, "old", stats)


# ---------------------------------------------------------------- comparison

def assert_same(new: SequenceDataset, old: SequenceDataset, titles: bool = True) -> None:
    assert new.item_ids == old.item_ids
    assert new.user_ids == old.user_ids
    assert len(new.sequences) == len(old.sequences)
    for a, b in zip(new.sequences, old.sequences):
        assert a.dtype == np.int32 and a.tolist() == b.tolist()
    assert new.fingerprint() == old.fingerprint()
    for k, v in old.stats.items():
        assert new.stats[k] == v, k
    if titles:
        assert new.titles == old.titles and new.genres == old.genres


def both(cfg: DataConfig, seed: int = 0) -> tuple[SequenceDataset, SequenceDataset]:
    return build_dataset(load_interactions(cfg), cfg, seed), _old_build(_old_load(cfg), cfg, seed)


def test_embedded_ml100k_is_unchanged():
    for cfg in (DataConfig(), DataConfig(rating_threshold=4, min_user_interactions=3, min_item_interactions=10),
                DataConfig(user_fraction=0.3)):
        new, old = both(cfg, seed=7)
        assert_same(new, old)
    assert new.titles[new.item_ids.index("1")] == "Toy Story (1995)"


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_bytes((header + "\n" + "\n".join(rows) + "\n").encode("latin-1"))
    return path


def _tricky_rows(rng: np.random.Generator, n: int, ids: str) -> list[str]:
    """Few users and items (iterative k-core bites), many same-time ties, exact duplicates."""
    users = rng.integers(0, 40, n)
    items = np.minimum(rng.zipf(1.6, n), 60)
    ts = 1000 + rng.integers(0, 12, n) * 10  # a dozen distinct times: ties everywhere
    dup = rng.random(n) < 0.1
    rows = []
    for k in range(n):
        j = k - 1 if dup[k] and k else k
        u, i, t = users[j], items[j], ts[j]
        if ids == "str":
            uid, iid = f"u{u}", ["sku-", "SKU_", "é"][i % 3] + str(i)
        elif ids == "padded":  # 007 and 7 are the same id under auto / int
            uid, iid = f"{u:0{1 + u % 3}d}", f" {i:0{1 + i % 2}d} "
        else:
            uid, iid = str(u * 1000 + 7), str(i)
        rows.append(f"{uid},{iid},{t},{1 + (u + i) % 5}")
    return rows


@pytest.mark.parametrize("ids", ["int", "str", "padded"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tricky_csv_is_unchanged(tmp_path: Path, ids: str, seed: int):
    p = _write(tmp_path / "e.csv", "user_id,item_id,timestamp,rating",
               _tricky_rows(np.random.default_rng(seed), 1500, ids))
    base = dict(source="file", path=str(p), rating_col="rating")
    for kw in ({}, {"min_user_interactions": 8, "min_item_interactions": 12}, {"id_type": "str"},
               {"rating_threshold": 3}, {"user_fraction": 0.5}):
        new, old = both(DataConfig(**{**base, **kw}), seed=seed)
        assert_same(new, old, titles=False)
        assert len(new.sequences) > 3


def test_k_core_cascade_drops_users_and_items_like_before(tmp_path: Path):
    # item 9 has 3 events -> dropped -> user b is left with 1 -> dropped -> item 8 falls to 3 ->
    # dropped in the second pass -> user c falls to 2 -> dropped
    seqs = {"a": [1, 2, 3], "b": [9, 8, 9], "c": [9, 8, 1, 2], "d": [1, 2, 3, 8], "e": [1, 2, 3],
            "f": [1, 2, 3], "g": [8, 1, 2, 3]}
    rows = [f"{u},{i},{t}" for u, s in seqs.items() for t, i in enumerate(s)]
    p = _write(tmp_path / "k.csv", "user_id,item_id,timestamp", rows)
    cfg = DataConfig(source="file", path=str(p), min_user_interactions=3, min_item_interactions=4)
    new, old = both(cfg)
    assert_same(new, old, titles=False)
    assert new.user_ids == ["a", "d", "e", "f", "g"] and new.item_ids == ["", "1", "2", "3"]


def test_ties_duplicates_and_string_ids(tmp_path: Path):
    # ties at t=5 keep file order; the exact duplicate (u1, b, 5) goes; user ids sort as strings
    rows = ["u10,c,7", "u10,b,5", "u10,a,5", "u10,b,5", "u2,a,1", "u2,b,1", "u2,c,1", "u2,a,1", "u2,c,2"]
    p = _write(tmp_path / "t.csv", "user_id,item_id,timestamp", rows)
    new, old = both(DataConfig(source="file", path=str(p), min_user_interactions=3, min_item_interactions=1))
    assert_same(new, old, titles=False)
    assert new.user_ids == ["u10", "u2"] and new.item_ids == ["", "a", "b", "c"]
    assert [s.tolist() for s in new.sequences] == [[2, 1, 3], [1, 2, 3, 3]]


def test_parquet_and_ratings_dat_are_unchanged(tmp_path: Path):
    rng = np.random.default_rng(3)
    rows = [r.split(",") for r in _tricky_rows(rng, 1200, "int")]
    df = pd.DataFrame({"u": [r[0] for r in rows], "i": [int(r[1]) for r in rows],
                       "ts": [int(r[2]) for r in rows], "r": [float(r[3]) for r in rows]})
    df.to_parquet(tmp_path / "e.parquet")
    for id_type in ("auto", "str"):
        cfg = DataConfig(source="file", path=str(tmp_path / "e.parquet"), user_col="u", item_col="i",
                         time_col="ts", rating_col="r", id_type=id_type, min_item_interactions=3)
        assert_same(*both(cfg), titles=False)
    (tmp_path / "ratings.dat").write_text("\n".join("::".join([r[0], r[1], r[3], r[2]]) for r in rows) + "\n")
    cfg = DataConfig(source="file", path=str(tmp_path / "ratings.dat"), min_item_interactions=3)
    assert_same(*both(cfg), titles=False)


def test_rows_out_of_line_order_sort_by_line_as_before():
    """An `Interactions` built in code whose rows are not in line order (sort key: user, time, line)."""
    ev = pd.DataFrame({"user": ["b", "a", "a", "a", "b", "b", "a"], "item": ["1", "2", "1", "3", "2", "3", "2"],
                       "timestamp": [5, 5, 5, 6, 5, 5, 5], "rating": np.nan, "line": [7, 3, 2, 1, 5, 6, 4]})
    inter = Interactions(ev, _no_items(), "code")
    cfg = DataConfig(min_user_interactions=3, min_item_interactions=1)
    new, old = build_dataset(inter, cfg), _old_build(inter, cfg)
    assert_same(new, old, titles=False)


def test_synthetic_is_unchanged():
    inter = generate_interactions(SyntheticConfig(num_users=300, num_items=80, mean_length=12), seed=5)
    cfg = DataConfig(min_item_interactions=20, min_user_interactions=6, user_fraction=0.7)
    assert_same(build_dataset(inter, cfg, seed=2), _old_build(inter, cfg, seed=2))


def test_first_bad_row_is_named_across_stream_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Errors are reported in the old order (user, item, timestamp, rating columns, first row of
    each) even when the bad rows sit in different batches of the stream."""
    import builder.data.loaders as loaders

    monkeypatch.setattr(loaders, "_BLOCK", 64)  # many tiny CSV blocks
    rows = [f"{u},{u % 7},{100 + u}" for u in range(60)]
    rows[40] = "40,3,soon"
    rows[50] = "50,x,150"
    p = _write(tmp_path / "b.csv", "user_id,item_id,timestamp", rows)
    with pytest.raises(DataError, match=r"b.csv line 52: id column 'item_id'.*'x'"):
        load_interactions(DataConfig(source="file", path=str(p), id_type="int"))
    with pytest.raises(DataError, match=r"b.csv line 42: timestamp column 'timestamp'.*'soon'"):
        load_interactions(DataConfig(source="file", path=str(p)))


def test_short_row_is_a_parse_error_naming_the_line(tmp_path: Path):
    p = _write(tmp_path / "s.csv", "user_id,item_id,timestamp", ["1,2,3", "1,3", "2,2,5"])
    with pytest.raises(DataError, match=r"s.csv: cannot parse with delimiter ',': line 3: expected 3 fields, saw 2"):
        load_interactions(DataConfig(source="file", path=str(p)))


def test_realistic_log_in_time_order_is_unchanged(tmp_path: Path):
    """The benchmark's generator (Zipf items, time-ordered log, ties, duplicates) at 60K rows:
    the time-ordered fast path (user passes only) and the general path agree with the old one."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from benchmarks.data_path import generate

    cols = generate(60_000, 3_000, 4_000, seed=1)
    table = pa.table({"user_id": cols["user"], "item_id": cols["item"], "timestamp": cols["timestamp"],
                      "rating": cols["rating"]})
    pcsv.write_csv(table, tmp_path / "log.csv")
    shuffled = table.take(np.random.default_rng(0).permutation(len(table)))
    pcsv.write_csv(shuffled, tmp_path / "shuffled.csv")
    for name in ("log.csv", "shuffled.csv"):
        new, old = both(DataConfig(source="file", path=str(tmp_path / name), rating_col="rating"))
        assert_same(new, old, titles=False)
        assert new.stats["interactions"] > 10_000


def test_radix_order_is_a_stable_lexsort():
    from builder.data.dataset import _by_user_then_time, _drop_duplicates

    rng = np.random.default_rng(0)
    user = rng.integers(0, 300, 5000).astype(np.int32)
    for time in (rng.integers(-2**62, 2**62, 5000), rng.integers(0, 4, 5000), np.sort(rng.integers(0, 9, 5000))):
        assert _by_user_then_time(user, time).tolist() == np.lexsort((time, user)).tolist()
    item = rng.integers(0, 3, 5000)
    o = np.lexsort((time, user))
    keep = _drop_duplicates(user[o], item[o], time[o])
    expect = ~pd.DataFrame({"u": user[o], "i": item[o], "t": time[o]}).duplicated().to_numpy()
    assert keep.tolist() == expect.tolist()


def test_multichar_metadata_reads_like_the_python_engine(tmp_path: Path):
    from builder.data.loaders import _read_table

    p = tmp_path / "movies.dat"
    p.write_bytes("10::Heat (1995)::Action|Crime  \r\n  11::Up: the \"movie\"::Animation\n\n   \n"
                  "12::Amélie (2001)::Comedy|Romance\n13::::Drama \n".encode("latin-1"))
    names = ["item", "title", "genres"]
    new, old = _read_table(p, "::", names, header=False), _old_read_table(p, "::", names, False)
    assert new.astype(str).to_dict("list") == old.astype(str).to_dict("list")
    assert new["title"].tolist()[1] == 'Up: the "movie"' and new["genres"].tolist()[0] == "Action|Crime"
