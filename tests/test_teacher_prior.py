"""`teacher.popularity_prior: auto`: a plain teacher that did not beat most-popular on validation is
trained again with the log-popularity prior, and validation keeps the better of the two."""
from builder.config import load_config
from builder.pipeline import prepare, run_teacher
from builder.progress import SILENT

DATA = {"source": "synthetic", "max_len": 8, "synthetic": {"num_users": 120, "num_items": 50, "mean_length": 12}}


def _teacher(tmp_path, **teacher):
    # a learning rate that cannot move the weights: the plain teacher stays at its random start
    cfg = load_config("smoke", overrides={"data": DATA, "teacher": {"learning_rate": 1e-9, "epochs": 1,
                                                                      **teacher}})
    ctx = prepare(cfg, tmp_path, SILENT, force=False)
    return ctx, run_teacher(ctx)


def test_a_teacher_at_popularity_level_is_trained_again_with_the_prior(tmp_path):
    ctx, stage = _teacher(tmp_path)
    lead = stage.extra["validation_lead_over_most_popular"]
    assert lead["ci_low"] <= 0  # the random plain teacher is no better than most-popular
    vals = stage.extra["candidates_val_ndcg10"]
    assert list(vals) == ["teacher", "teacher + popularity prior"]
    # with the prior, the same untrained network ranks like most-popular: validation keeps it
    assert vals["teacher + popularity prior"] > vals["teacher"]
    assert ctx.teacher.prior is not None and "log-popularity prior" in stage.description
    assert "teacher + popularity prior chosen on validation" in stage.description
    again_ctx, again = _teacher(tmp_path)  # a rerun finds both teachers in the cache
    assert again.cached and again.metrics == stage.metrics


def test_no_second_teacher_when_the_prior_is_off_or_on(tmp_path):
    _, off = _teacher(tmp_path / "off", popularity_prior=False)
    assert list(off.extra["candidates_val_ndcg10"]) == ["teacher"]
    assert off.extra["validation_lead_over_most_popular"] is None and "prior" not in off.description
    ctx, on = _teacher(tmp_path / "on", popularity_prior=True)
    assert list(on.extra["candidates_val_ndcg10"]) == ["teacher"] and ctx.teacher.prior is not None
