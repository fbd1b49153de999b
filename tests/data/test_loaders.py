from pathlib import Path

import pytest

from builder.config import DataConfig
from builder.data.loaders import DataError, load_embedded_ml100k, load_interactions
from files_for_tests import write_csv


def file_cfg(path: Path, **kw) -> DataConfig:
    return DataConfig(source="file", path=str(path), **kw)


def test_generic_csv(tiny_csv: Path):
    inter = load_interactions(file_cfg(tiny_csv, rating_col="rating"))
    assert len(inter.events) == 36
    assert set(inter.events.columns) >= {"user", "item", "timestamp", "rating", "line"}
    assert inter.events["line"].iloc[0] == 2  # first data line after the header


def test_embedded_ml100k_is_real():
    inter = load_embedded_ml100k()
    assert len(inter.events) == 100_000
    assert inter.events["user"].nunique() == 943 and inter.events["item"].nunique() == 1682
    assert inter.items.loc["1", "title"] == "Toy Story (1995)"
    assert "Animation" in inter.items.loc["1", "genres"]


def test_ml100k_layout(tmp_path: Path):
    (tmp_path / "u.data").write_text("1\t10\t5\t100\n1\t11\t3\t101\n2\t10\t4\t102\n")
    flags = "|".join(["0"] * 5 + ["1"] + ["0"] * 13)
    (tmp_path / "u.item").write_text(f"10|Heat (1995)|01-Jan-1995||http://x|{flags}\n"
                                      f"11|Up (2009)|01-Jan-2009||http://x|{flags}\n")
    inter = load_interactions(DataConfig(source="file", path=str(tmp_path)))
    assert list(inter.events["item"]) == ["10", "11", "10"]
    assert inter.items.loc["10", "title"] == "Heat (1995)"
    assert inter.items.loc["10", "genres"] == ("Comedy",)


def test_ml1m_layout(tmp_path: Path):
    (tmp_path / "ratings.dat").write_text("1::10::5::100\n2::11::3::101\n")
    (tmp_path / "movies.dat").write_text("10::Heat (1995)::Action|Crime\n11::Up (2009)::Animation\n")
    inter = load_interactions(DataConfig(source="file", path=str(tmp_path)))
    assert len(inter.events) == 2
    assert inter.items.loc["10", "genres"] == ("Action", "Crime")


def test_ml_latest_layout(tmp_path: Path):
    write_csv(tmp_path / "ratings.csv", "userId,movieId,rating,timestamp", ["1,10,4.5,100", "2,11,3.0,101"])
    write_csv(tmp_path / "movies.csv", "movieId,title,genres", ["10,Heat (1995),Action|Crime",
                                                               "11,Up (2009),(no genres listed)"])
    inter = load_interactions(DataConfig(source="file", path=str(tmp_path)))
    assert inter.events["rating"].tolist() == [4.5, 3.0]
    assert inter.items.loc["11", "genres"] == ()


def test_parquet_with_mapping_and_metadata(tmp_path: Path):
    import pandas as pd

    pd.DataFrame({"u": ["a", "b"], "i": ["x", "y"], "ts": [1, 2]}).to_parquet(tmp_path / "e.parquet")
    pd.DataFrame({"i": ["x", "y"], "name": ["X!", "Y!"], "tags": ["A|B", "C"]}).to_csv(
        tmp_path / "items.csv", index=False)
    cfg = file_cfg(tmp_path / "e.parquet", user_col="u", item_col="i", time_col="ts", id_type="str",
                   items_path=str(tmp_path / "items.csv"), title_col="name", genres_col="tags")
    inter = load_interactions(cfg)
    assert inter.items.loc["x", "title"] == "X!" and inter.items.loc["x", "genres"] == ("A", "B")


def test_missing_file(tmp_path: Path):
    with pytest.raises(DataError, match="not found.*nope.csv"):
        load_interactions(file_cfg(tmp_path / "nope.csv"))


def test_wrong_delimiter_names_file_and_hint(tmp_path: Path):
    p = write_csv(tmp_path / "semi.csv", "user_id;item_id;timestamp", ["1;2;3"])
    with pytest.raises(DataError, match=r"semi.csv.*missing column.*delimiter"):
        load_interactions(file_cfg(p))


def test_wrong_columns(tmp_path: Path):
    p = write_csv(tmp_path / "cols.csv", "who,what,when", ["1,2,3"])
    with pytest.raises(DataError, match=r"cols.csv: missing column\(s\) \['user_id', 'item_id', 'timestamp'\]"):
        load_interactions(file_cfg(p))


def test_non_numeric_timestamp_names_line(tmp_path: Path):
    p = write_csv(tmp_path / "ts.csv", "user_id,item_id,timestamp", ["1,2,3", "1,3,4", "2,2,yesterday"])
    with pytest.raises(DataError, match=r"ts.csv line 4: timestamp column 'timestamp'.*'yesterday'"):
        load_interactions(file_cfg(p))


def test_non_numeric_id_names_line_and_the_fix_when_int_is_forced(tmp_path: Path):
    p = write_csv(tmp_path / "id.csv", "user_id,item_id,timestamp", ["1,2,3", "x7,3,4"])
    with pytest.raises(DataError, match=r"id.csv line 3: id column 'user_id'.*'x7'.*data.id_type: str"):
        load_interactions(file_cfg(p, id_type="int"))
    # the same file is fine when ids are declared as tokens, and by default (auto)
    assert len(load_interactions(file_cfg(p, id_type="str")).events) == 2
    ev = load_interactions(file_cfg(p)).events
    assert list(ev["user"]) == ["1", "x7"] and list(ev["item"]) == ["2", "3"]


def test_auto_ids_are_integers_when_every_id_is_one(tmp_path: Path):
    p = write_csv(tmp_path / "ints.csv", "user_id,item_id,timestamp", ["1,007,3", "2,7,4", "2,sku-1,5"])
    ev = load_interactions(file_cfg(p)).events
    assert list(ev["user"]) == ["1", "2", "2"]  # all integers
    assert list(ev["item"]) == ["007", "7", "sku-1"]  # one token: every item id stays a string


def test_ml1m_bad_line(tmp_path: Path):
    (tmp_path / "ratings.dat").write_text("1::10::5::100\n2::eleven::3::101\n")
    with pytest.raises(DataError, match=r"ratings.dat line 2: id column 'item'"):
        load_interactions(DataConfig(source="file", path=str(tmp_path)))


def test_empty_file(tmp_path: Path):
    p = tmp_path / "empty.csv"
    p.write_text("")
    with pytest.raises(DataError, match="empty.csv"):
        load_interactions(file_cfg(p))


def test_blank_and_whitespace_lines_are_skipped_and_lines_count_rows(tmp_path: Path):
    p = write_csv(tmp_path / "b.csv", "user_id,item_id,timestamp", ["1,2,3", "", "   ", "1,3,x"])
    with pytest.raises(DataError, match=r"b.csv line 3: timestamp column 'timestamp'.*'x'"):  # as before
        load_interactions(file_cfg(p))


def test_parquet_bad_value_and_missing_id_name_the_row(tmp_path: Path):
    import pandas as pd

    pd.DataFrame({"u": ["a", "b", "c"], "i": ["x", "y", "z"], "ts": ["1", "2", "later"]}).to_parquet(
        tmp_path / "t.parquet")
    cfg = file_cfg(tmp_path / "t.parquet", user_col="u", item_col="i", time_col="ts")
    with pytest.raises(DataError, match=r"t.parquet line 3: timestamp column 'ts'.*'later'"):
        load_interactions(cfg)
    pd.DataFrame({"u": ["a", None], "i": ["x", "y"], "ts": [1, 2]}).to_parquet(tmp_path / "n.parquet")
    with pytest.raises(DataError, match=r"n.parquet line 2: id column 'u' is empty"):
        load_interactions(file_cfg(tmp_path / "n.parquet", user_col="u", item_col="i", time_col="ts"))


def test_multichar_delimiter_with_unit_separator_is_clear(tmp_path: Path):
    (tmp_path / "ratings.dat").write_text("1::10::5::100\n2::1\x1f1::3::101\n")
    with pytest.raises(DataError, match=r"ratings.dat.*\\x1f"):
        load_interactions(DataConfig(source="file", path=str(tmp_path)))


def test_columnar_events_keep_the_documented_columns(tiny_csv: Path):
    ev = load_interactions(file_cfg(tiny_csv, rating_col="rating")).events
    assert list(ev.columns) == ["user", "item", "timestamp", "rating", "line"]
    assert ev["timestamp"].dtype == "int64" and ev["rating"].dtype == "float64" and ev["line"].dtype == "int64"
    assert ev["user"].astype(str).tolist()[:2] == ["0", "0"] and ev["item"].nunique() == 6


def test_item_metadata_may_quote_newlines_and_delimiters(tmp_path: Path):
    p = write_csv(tmp_path / "e.csv", "user_id,item_id,timestamp", ["1,10,1", "1,11,2"])
    (tmp_path / "items.csv").write_text('item_id,title\n10,"Heat, the\nlong cut"\n11,"Up ""3D"""\n')
    inter = load_interactions(file_cfg(p, items_path=str(tmp_path / "items.csv"), title_col="title"))
    assert inter.items.loc["10", "title"] == "Heat, the\nlong cut" and inter.items.loc["11", "title"] == 'Up "3D"'
