"""Bad input through the real command line: a clear message, exit code 2, nothing written."""
import json
from pathlib import Path

import pytest

from builder.cli import run
from files_for_tests import write_csv


def build(tmp_path: Path, *args: str) -> int:
    return run(["-q", "build", "--preset", "smoke", "--out", str(tmp_path / "out"), *args])


def assert_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert not out.exists() or not any(out.rglob("*")), list(out.rglob("*"))


@pytest.mark.parametrize("rows,header,message,extra", [
    (["1,2,3"], "user_id;item_id;timestamp", "delimiter", ()),
    (["1,2,3"], "who,what,when", "missing column", ()),
    (["1,2,3", "1,x,4"], "user_id,item_id,timestamp", "line 3: id column 'item_id'", ("--id-type", "int")),
    (["1,2,3", "1,3,soon"], "user_id,item_id,timestamp", "line 3: timestamp column", ()),
    (["1,2,3", "1,3,4"], "user_id,item_id,timestamp", "no interactions left after filtering", ()),
    (["u1,sku-1,3", "u1,sku-2,4"], "user_id,item_id,timestamp", "no interactions left after filtering", ()),
])
def test_bad_data(tmp_path, capsys, rows, header, message, extra):
    p = write_csv(tmp_path / "bad.csv", header, rows)
    assert build(tmp_path, "--data", str(p), *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.csv" in err
    assert_nothing_written(tmp_path)


def test_missing_data_file(tmp_path, capsys):
    assert build(tmp_path, "--data", str(tmp_path / "missing.csv")) == 2
    assert "missing.csv" in capsys.readouterr().err
    assert_nothing_written(tmp_path)


def test_bad_config_key_and_type(tmp_path, capsys):
    c = tmp_path / "c.yaml"
    c.write_text("teacher:\n  dimension: 8\n")
    assert build(tmp_path, "--config", str(c)) == 2
    assert "teacher.dimension" in capsys.readouterr().err
    c.write_text("student:\n  epochs: many\n")
    assert build(tmp_path, "--config", str(c)) == 2
    assert "student.epochs" in capsys.readouterr().err
    assert_nothing_written(tmp_path)


def test_k_larger_than_catalog_fails_before_training(tmp_path, capsys):
    c = tmp_path / "k.toml"
    c.write_text("[export]\nk = 100000\n")
    assert build(tmp_path, "--config", str(c)) == 2
    assert "export.k" in capsys.readouterr().err
    assert_nothing_written(tmp_path)


def test_data_info_on_embedded_movielens(capsys):
    assert run(["data", "info", "--preset", "smoke"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["users"] == 943 and stats["items"] > 1000


def test_help_says_what_the_tool_does_with_examples(capsys):
    import pytest as _pytest

    from builder.cli import parse_args

    for argv in (["--help"], ["build", "--help"]):
        with _pytest.raises(SystemExit) as e:
            parse_args(argv)
        assert e.value.code == 0
        out = capsys.readouterr().out
        assert "examples:" in out and "--max-bytes 32KiB" in out
        assert "parse arguments, call the library" not in out
    for argv in (["data", "info"], ["benchmark"], ["recommend"], ["export-android"]):
        with _pytest.raises(SystemExit):
            parse_args([*argv, "--help"])
        out = capsys.readouterr().out
        assert out.count(f"rec-builder {argv[0]}") >= 3, argv  # usage + real examples


@pytest.mark.parametrize("student,key", [
    ("table_buckets: 1", "student.table_buckets"),
    ("table_buckets: 4\n  table_rank: 2", "student.table_buckets"),
    ("table_head: 8", "student.table_head"),
    ("table_buckets: 4\n  table_head: 100000", "student.table_head"),  # more own rows than the catalog has
    ("table_rank: 1000", "student.table_rank"),  # a rank >= dim is larger than the dense table
    ("table_rank: -1", "student.table_rank"),
])
def test_impossible_item_tables_fail_before_training(tmp_path, capsys, student, key):
    c = tmp_path / "c.yaml"
    c.write_text(f"student:\n  {student}\n")
    assert build(tmp_path, "--config", str(c)) == 2
    assert f"config key '{key}'" in capsys.readouterr().err
    assert_nothing_written(tmp_path)
