from pathlib import Path

import pytest

from builder.config import BuildConfig, ConfigError, load_config, preset_names


def test_presets_load_and_differ():
    assert {"smoke", "default"} <= set(preset_names())
    smoke, default = load_config("smoke"), load_config("default")
    assert smoke.run_name == "smoke" and default.run_name == "default"
    assert smoke.hash() != default.hash()
    assert smoke.hash() == load_config("smoke").hash()


def test_round_trip_dict():
    cfg = load_config("default")
    assert BuildConfig.from_dict(cfg.to_dict()) == cfg


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match="teacher.dimm"):
        BuildConfig.from_dict({"teacher": {"dimm": 3}})


def test_wrong_type_is_named():
    with pytest.raises(ConfigError, match="'teacher.dim'.*integer"):
        BuildConfig.from_dict({"teacher": {"dim": "big"}})
    with pytest.raises(ConfigError, match="'prune.epochs'"):
        BuildConfig.from_dict({"prune": {"epochs": "many"}})


@pytest.mark.parametrize("section,key,value", [
    ("prune", "target_sparsity", 1.0), ("prune", "target_sparsity", -0.1),
    ("data", "max_len", 0), ("export", "k", 0), ("teacher", "heads", 3),
    ("student", "lr_schedule", "step"), ("teacher", "epochs", 0), ("student", "patience", 0),
    ("teacher", "optimizer", "sgd"),
])
def test_impossible_values_name_the_key(section, key, value):
    with pytest.raises(ConfigError, match=f"{section}.{key}"):
        BuildConfig.from_dict({section: {key: value}})


def test_a_sampled_softmax_teacher_keeps_its_popularity_prior():
    with pytest.raises(ConfigError, match="teacher.popularity_prior"):
        BuildConfig.from_dict({"teacher": {"negatives": 64, "popularity_prior": False}})
    with pytest.raises(ConfigError, match="'teacher.popularity_prior': must be true, false or auto"):
        BuildConfig.from_dict({"teacher": {"popularity_prior": "sometimes"}})
    assert BuildConfig.from_dict({"teacher": {"negatives": 64}}).teacher.popularity_prior == "auto"


def test_yaml_and_toml_files(tmp_path: Path):
    y = tmp_path / "c.yaml"
    y.write_text("teacher:\n  dim: 32\n")
    t = tmp_path / "c.toml"
    t.write_text("[teacher]\ndim = 32\n")
    assert load_config("smoke", y).teacher.dim == 32
    assert load_config("smoke", t) == load_config("smoke", y)
    assert load_config("smoke", y).teacher.blocks == load_config("smoke").teacher.blocks


def test_bad_files(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        load_config("smoke", tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("teacher:\n  dim: [1,\n")
    with pytest.raises(ConfigError, match="bad.yaml line"):
        load_config("smoke", bad)
    unk = tmp_path / "unk.toml"
    unk.write_text("[teacher]\nwidth = 3\n")
    with pytest.raises(ConfigError, match=r"unk.toml.*teacher.width"):
        load_config("smoke", unk)
    with pytest.raises(ConfigError, match="unknown preset"):
        load_config("huge")


def test_teacher_item_init_needs_a_student_no_wider_than_the_teacher():
    wide = {"teacher": {"dim": 16}, "student": {"dim": 32}}
    with pytest.raises(ConfigError, match="'distill.item_init'.*student.dim \\(32\\) <= teacher.dim \\(16\\)"):
        BuildConfig.from_dict(wide)
    assert BuildConfig.from_dict({**wide, "distill": {"item_init": "random"}}).student.dim == 32
    with pytest.raises(ConfigError, match="'distill.item_init'.*'pca'"):
        BuildConfig.from_dict({"distill": {"item_init": "pca"}})


def test_teacher_candidates_are_checked_like_the_section_and_name_their_entry():
    cfg = BuildConfig.from_dict({"teacher": {"dropout": 0.5, "candidates": [{"dropout": 0.2}, {"dim": 32}]}})
    assert [(t.dropout, t.dim, t.candidates) for t in cfg.teacher.candidate_configs()] == [
        (0.5, 64, ()), (0.2, 64, ()), (0.5, 32, ())]
    for bad, match in (([{"dropout": 2.0}], r"teacher.candidates\[0\]: .*teacher.dropout"),
                       ([{"droput": 0.2}], r"unknown config key 'teacher.candidates\[0\].droput'"),
                       ([{}], r"teacher.candidates\[0\]'.*non-empty"),
                       ([{"dropout": 0.2}, {"generations": 2}], r"teacher.candidates\[1\].generations")):
        with pytest.raises(ConfigError, match=match):
            BuildConfig.from_dict({"teacher": {"candidates": bad}})
