"""The recipe is data: entries resolve to registered steps; bad recipes name the entry at fault."""
from types import SimpleNamespace

import numpy as np
import pytest

from builder.config import DEFAULT_RECIPE, BuildConfig, ConfigError, PruneConfig, load_config
from builder.recipe import resolve


def _recipe(*entries):
    return BuildConfig.from_dict({"recipe": list(entries)})


def test_default_recipe_resolves_to_the_documented_stages():
    steps = resolve(load_config("default"))
    assert [s.stage for s in steps] == ["assistant_fp32", "student_fp32", "student_nodistill_fp32",
                                        "student_ptq_int8", "pruned_fp32", "pruned_ptq_int8", "final_int8",
                                        "final_int8_transition"]
    assert [s.definition.name for s in steps] == [e["step"] for e in DEFAULT_RECIPE]
    assert steps[0].config.dim == 64  # default preset: student 32, teacher 128
    assert steps[0].config.max_dim == 128 and steps[0].config.table_rank == 0  # widens like the student; dense
    low = resolve(load_config("default", overrides={"student": {"table_rank": 8, "max_dim": 0}}))[0].config
    assert low.table_rank == 0 and low.max_dim == 0  # no widening when the student may not widen


@pytest.mark.parametrize("student, teacher, expected", [
    (32, 128, 64), (32, 64, 64), (16, 128, 64), (8, 16, 16), (32, 32, 32), (16, 256, 64), (12, 128, 32)])
def test_an_assistant_without_a_width_sits_halfway_between_student_and_teacher(student, teacher, expected):
    from builder.recipe import assistant_dim

    assert assistant_dim(student, teacher) == expected
    cfg = BuildConfig.from_dict({"student": {"dim": student}, "teacher": {"dim": teacher, "heads": 1},
                                 "recipe": [{"step": "assistant"}, {"step": "distill"}, {"step": "qat"}]})
    assert resolve(cfg)[0].config.dim == expected


def test_entry_overrides_its_section_and_is_validated_there():
    cfg = _recipe({"step": "distill"}, {"step": "prune", "target_sparsity": 0.75}, {"step": "qat"})
    steps = resolve(cfg)
    assert steps[1].config == PruneConfig(**{**cfg.prune.__dict__, "target_sparsity": 0.75})
    assert cfg.prune.target_sparsity == 0.5  # the section itself is unchanged
    with pytest.raises(ConfigError, match=r"recipe\[1\].*prune.target_sparsity"):
        resolve(_recipe({"step": "distill"}, {"step": "prune", "target_sparsity": 1.5}, {"step": "qat"}))
    with pytest.raises(ConfigError, match=r"recipe\[1\]\.sparsity"):
        resolve(_recipe({"step": "distill"}, {"step": "prune", "sparsity": 0.5}, {"step": "qat"}))


@pytest.mark.parametrize("entries,match", [
    ([{"step": "distill"}, {"step": "quantize"}], r"recipe\[1\]\.step.*unknown step 'quantize'"),
    ([{"step": "prune"}, {"step": "qat"}], r"recipe\[0\].*needs a student"),
    ([{"step": "distill"}, {"step": "qat"}, {"step": "ptq"}], r"recipe\[2\].*nothing can follow 'qat'"),
    ([{"step": "distill"}, {"step": "prune"}], r"recipe\[1\].*last step must export the int8 model"),
    ([{"step": "distill"}, {"step": "ptq", "bits": 4}], r"recipe\[1\]\.bits.*takes no options"),
    ([{"step": "distill"}, {"step": "ptq"}, {"step": "ptq"}], r"recipe\[2\]\.name.*'student_ptq_int8' is taken"),
    ([{"step": "distill"}, {"step": "ptq", "name": "teacher"}], r"recipe\[1\]\.name"),
    ([{"step": "distill"}, {"step": "ptq"}, {"step": "transition"}], r"recipe\[2\].*right after a 'qat' step"),
    ([{"step": "distill"}, {"step": "qat"}, {"step": "transition", "sizes": [0]}], r"recipe\[2\].*transition.sizes"),
    ([{"step": "distill"}, {"step": "qat"}, {"step": "transition"}, {"step": "ptq"}],
     r"recipe\[3\].*nothing can follow 'transition'"),
])
def test_impossible_recipes_name_the_entry(entries, match):
    with pytest.raises(ConfigError, match=match):
        resolve(_recipe(*entries))


def test_entry_without_a_step_name_is_refused_when_the_config_loads():
    with pytest.raises(ConfigError, match=r"recipe\[0\]\.step"):
        _recipe({"name": "x"})
    with pytest.raises(ConfigError, match=r"'recipe\[1\]'.*mapping"):
        _recipe({"step": "distill"}, "qat")


def _gate_ctx(per_user: dict[str, np.ndarray], **evaluate):
    from builder.evaluate.bootstrap import Bootstrap

    n = len(next(iter(per_user.values())))
    results = {k: SimpleNamespace(mean=lambda m, v=v: float(v.mean()), per_user={"ndcg@10": v})
               for k, v in per_user.items()}
    teacher = "assistant_fp32" if "assistant_fp32" in per_user else "teacher"
    return SimpleNamespace(cfg=load_config("default", overrides={"evaluate": evaluate}), results=results,
                           boot=Bootstrap.create(n, 200, seed=0), teacher_stage=teacher)


def _users(mean: float, n: int = 400, seed: int = 0) -> np.ndarray:
    """Per-user NDCG@10 values (0 or 1 hits) with the given mean, over n users."""
    v = np.zeros(n)
    v[np.random.default_rng(seed).choice(n, int(round(mean * n)), replace=False)] = 1.0
    return v


def test_gate_message_says_above_or_below():
    from builder.pipeline import check_gate

    stages = [SimpleNamespace(name="teacher"), SimpleNamespace(name="final_int8")]
    popular = np.zeros(400)
    better = check_gate(_gate_ctx({"teacher": _users(0.25), "final_int8": _users(0.2525, seed=1),
                                   "most_popular": popular}), stages, "final_int8")
    assert better["status"] == "passed" and "1.0% above the teacher's 0.2500" in better["message"]
    worse = check_gate(_gate_ctx({"teacher": _users(0.25), "final_int8": _users(0.2, seed=1),
                                  "most_popular": popular}), stages, "final_int8")
    assert worse["status"] == "failed" and "20.0% below the teacher's 0.2500" in worse["message"]
    assert check_gate(_gate_ctx({"teacher": popular}), stages, None)["status"] == "not_applicable"


def test_gate_judges_the_final_model_against_the_assistant_that_took_over():
    from builder.pipeline import check_gate

    stages = [SimpleNamespace(name=n) for n in ("teacher", "assistant_fp32", "final_int8")]
    per_user = {"teacher": _users(0.20), "assistant_fp32": _users(0.25, seed=2), "final_int8": _users(0.22, seed=1),
                "most_popular": np.zeros(400)}
    gate = check_gate(_gate_ctx(per_user), stages, "final_int8")
    # 110% of SASRec, but 12% below the teacher it learned from
    assert gate["status"] == "failed" and gate["teacher"] == "assistant_fp32"
    assert "12.0% below its teacher's (assistant_fp32, which took over from SASRec) 0.2500" in gate["message"]


def test_gate_fails_a_teacher_that_did_not_learn_beyond_popularity():
    from builder.pipeline import check_gate

    stages = [SimpleNamespace(name="teacher"), SimpleNamespace(name="final_int8")]
    teacher = _users(0.1)
    # the teacher is most-popular plus two users: the final model keeps 100% of it, and that means nothing
    popular = teacher.copy()
    popular[np.flatnonzero(teacher)[:2]] = 0.0
    per_user = {"teacher": teacher, "final_int8": teacher.copy(), "most_popular": popular}
    gate = check_gate(_gate_ctx(per_user), stages, "final_int8")
    assert gate["status"] == "failed" and gate["relative_drop"] == 0.0
    assert "did not learn beyond popularity" in gate["message"] and "0.0950" in gate["message"]
    assert gate["teacher_vs_most_popular"]["ci_low"] <= 0
    off = check_gate(_gate_ctx(per_user, teacher_beats_popularity=False), stages, "final_int8")
    assert off["status"] == "passed" and "teacher_vs_most_popular" not in off


def test_the_ceiling_check_picks_the_best_student_and_calls_noise_noise():
    from builder.evaluate.ceiling import ceiling_line, pick, verdict
    from builder.report import ceiling_lines

    stages = [("most_popular", {}), ("teacher", {"train": {"best_val_ndcg10": 0.12}}),
              ("assistant_fp32", {"train": {"best_val_ndcg10": 0.13}, "takes_over": True}),
              ("student_fp32", {"train": {"best_val_ndcg10": 0.125}}),
              ("final_int8", {"train": {"best_val_ndcg10": 0.126}}), ("final_int8_transition", {})]
    # teacher candidates (SASRec, the assistant) are never the student side
    assert pick(stages, "assistant_fp32") == ("assistant_fp32", "final_int8")
    assert pick(stages[:3], "assistant_fp32") is None
    assert verdict({"value": -0.01, "ci_low": -0.02}) == "holds"
    assert verdict({"value": 0.001, "ci_low": -0.004}) == "level"
    assert verdict({"value": 0.02, "ci_low": 0.005}) == "broken"
    c = {"teacher": "assistant_fp32", "student": "final_int8", "users": 943, "teacher_val_ndcg10": 0.13,
         "student_val_ndcg10": 0.131, "teacher_training_val_ndcg10": 0.13, "student_training_val_ndcg10": 0.126,
         "student_minus_teacher": {"value": 0.001, "ci_low": -0.004, "ci_high": 0.006}, "verdict": "level"}
    line = ceiling_line(c)
    assert "assistant_fp32, the assistant that took over) 0.1300, best student 0.1310 (final_int8" in line
    assert "+0.0010 [-0.0040, +0.0060]" in line and "inside the noise" in line
    assert ceiling_lines({"ceiling": c}) == [line, ""] and ceiling_lines({"stages": []}) == []


def test_report_says_when_test_users_are_a_subset():
    from builder.report import _users

    assert _users(943, 943) == "943 test users"
    assert "2,000 test users, a random subset of the 1,000,000" in _users(2000, 1_000_000)


def test_pruning_verdict_keeps_within_the_limit_and_rejects_beyond_it():
    from builder.recipe import pruning_verdict

    assert pruning_verdict(0.099, 0.100, 0.02)[0]  # -1% within a 2% limit
    kept, why = pruning_verdict(0.090, 0.100, 0.02)
    assert not kept and "-10.0%" in why and "unpruned weights" in why
    assert pruning_verdict(0.050, 0.100, 1.0)[0]  # 1.0 = always keep
    assert pruning_verdict(0.050, None, 0.0)[0]  # nothing to compare with: keep


def test_an_assistant_narrower_than_the_student_is_refused_before_anything_runs():
    with pytest.raises(ConfigError, match=r"recipe\[0\]\.dim.*at least as wide"):
        resolve(_recipe({"step": "assistant", "dim": 4}, {"step": "distill"}, {"step": "qat"}))
    with pytest.raises(ConfigError, match=r"recipe\[0\]\.dim.*at most as wide as the teacher"):
        resolve(_recipe({"step": "assistant", "dim": 4096}, {"step": "distill"}, {"step": "qat"}))
    steps = resolve(_recipe({"step": "assistant", "dim": 64}, {"step": "distill"}, {"step": "qat"}))
    assert steps[0].stage == "assistant_fp32" and steps[0].config.dim == 64


def _widths(monkeypatch, vals_by_dim, limit, widen):
    """The widths `recipe._widened` trains when a width's validation NDCG@10 is vals_by_dim[dim]."""
    import builder.recipe as recipe
    from builder.config import StudentConfig

    trained = []

    def fake_train(ctx, step, sc, dc, desc, cache_name=None):
        trained.append((sc.dim, cache_name))
        return SimpleNamespace(config=sc, val=vals_by_dim[sc.dim], seconds=0.0)

    monkeypatch.setattr(recipe, "_train_distilled", fake_train)
    ctx = SimpleNamespace(progress=SimpleNamespace(info=lambda _: None))
    step = SimpleNamespace(stage="s")
    tried = recipe._widened(ctx, step, StudentConfig(dim=32), None, "x", limit, widen)
    assert [t.config.dim for t in tried] == [d for d, _ in trained]
    return trained


def test_the_student_widens_while_validation_is_too_far_below_the_teacher(monkeypatch):
    from builder.recipe import below_teacher

    rule = below_teacher(0.05, 0.100)
    assert rule([0.090]) and rule([0.096]) is None and below_teacher(0.05, -1.0)([0.01]) is None
    vals = {32: 0.090, 64: 0.094, 100: 0.099, 128: 0.099, 256: 0.2}
    assert _widths(monkeypatch, vals, 128, rule) == [(32, "s"), (64, "s_dim64"), (128, "s_dim128")]
    assert _widths(monkeypatch, vals, 100, rule) == [(32, "s"), (64, "s_dim64"), (100, "s_dim100")]  # the limit
    assert _widths(monkeypatch, vals, 0, rule) == [(32, "s")]  # max_dim 0: never
    assert _widths(monkeypatch, {32: 0.096}, 128, rule) == [(32, "s")]  # within 5%: keep


def test_the_assistant_widens_while_the_wider_one_is_better(monkeypatch):
    from builder.recipe import wider_while_better

    # above the teacher at dim 32 already: a teacher, so wider is still tried, and kept while better
    assert _widths(monkeypatch, {32: 0.2, 64: 0.25, 128: 0.24, 256: 0.3}, 256, wider_while_better) == [
        (32, "s"), (64, "s_dim64"), (128, "s_dim128")]
    assert _widths(monkeypatch, {32: 0.2, 64: 0.19}, 256, wider_while_better) == [(32, "s"), (64, "s_dim64")]
    assert _widths(monkeypatch, {32: 0.2}, 32, wider_while_better) == [(32, "s")]  # at the teacher's width


def test_a_widening_limit_below_the_width_is_refused():
    with pytest.raises(ConfigError, match=r"student.max_dim.*>= student.dim"):
        BuildConfig.from_dict({"student": {"dim": 32, "max_dim": 16}})
