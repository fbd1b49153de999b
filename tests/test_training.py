"""Training really learns: on planted sequential structure the models beat popularity."""
import numpy as np
import pytest

from builder.config import DataConfig, SyntheticConfig, TeacherConfig
from builder.data.dataset import load_dataset, training_windows
from builder.evaluate.evaluator import evaluate, keras_scorer
from builder.models.baselines import MostPopular
from builder.models.teacher import build_teacher
from builder.progress import SILENT
from builder.training import FitData, TeacherLogits, TrainSpec, learning_rate, set_seed, train


@pytest.mark.parametrize("negatives,optimizer", [(0, "adam"), (8, "adam"), (8, "lazy_adam")])
def test_teacher_learns_synthetic_successors(negatives, optimizer, monkeypatch):
    """Full softmax; sampled, 8 of 60 items; sampled with lazy Adam, in an XLA-compiled step."""
    if optimizer == "lazy_adam":
        import builder.training

        monkeypatch.setattr(builder.training, "XLA_MIN_STEPS", 0)
    set_seed(0)
    cfg = DataConfig(source="synthetic", max_len=10, min_item_interactions=1,
                     synthetic=SyntheticConfig(num_users=300, num_items=60, mean_length=15, follow_prob=0.8))
    ds = load_dataset(cfg, seed=0)
    model = build_teacher(ds.num_items, 10, TeacherConfig(dim=16, blocks=1, heads=1, dropout=0.0,
                                                          negatives=negatives))
    x, y = training_windows(ds.train_sequences(), 10)
    fit = FitData(x, y, ds.validation(), 10, SILENT)
    res = train(model, fit, TrainSpec(epochs=15, batch_size=64, learning_rate=5e-3, patience=3, eval_every=5,
                                      negatives=negatives, optimizer=optimizer), desc="t")
    assert res.best_val_ndcg10 > 0
    test = ds.test()
    teacher = evaluate(keras_scorer(model.last), test, 10, "teacher").mean("hr@10")
    pop = evaluate(MostPopular(ds.train_sequences(), ds.num_items), test, 10, "pop").mean("hr@10")
    assert teacher > pop + 0.2, (teacher, pop)  # ranked over the full catalog
    assert np.isfinite(res.history[-1]["loss"]) and res.history[-1]["loss"] < res.history[0]["loss"]


def _tiny_teacher(seed: int, dropout: float):
    """A 1-block dim-8 teacher and its training windows on 60 synthetic users (max_len 6)."""
    set_seed(seed)
    cfg = DataConfig(source="synthetic", max_len=6, min_item_interactions=1,
                     synthetic=SyntheticConfig(num_users=60, num_items=30, mean_length=10))
    ds = load_dataset(cfg, seed=seed)
    model = build_teacher(ds.num_items, 6, TeacherConfig(dim=8, blocks=1, heads=1, dropout=dropout))
    return ds, model, *training_windows(ds.train_sequences(), 6)


def test_full_softmax_teacher_scores_with_the_training_popularity_at_a_validated_scale():
    from builder.sampled import log_popularity
    from builder.training import PRIOR_SCALES

    ds, _, x, y = _tiny_teacher(3, dropout=0.0)
    set_seed(3)
    model = build_teacher(ds.num_items, 6, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0,
                                                         popularity_prior=True))
    res = train(model, FitData(x, y, ds.validation(), 6, SILENT),
                TrainSpec(epochs=2, batch_size=32, learning_rate=1e-2), desc="t")
    assert res.prior_scale in PRIOR_SCALES
    np.testing.assert_allclose(model.prior.log_q.numpy(), res.prior_scale * log_popularity(y, ds.num_items),
                               rtol=1e-6)
    # the served scores are h.e + s log q: the prior moves every user's ranking the same way
    h = model.hidden(x[:4]).numpy()[:, -1]
    table = model.sequence.get_layer("items").embeddings.numpy()
    np.testing.assert_allclose(model.last(x[:4]).numpy(), h @ table.T + model.prior.log_q.numpy(),
                               rtol=1e-4, atol=1e-4)

    set_seed(3)
    plain = build_teacher(ds.num_items, 6, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0))  # auto
    res = train(plain, FitData(x, y, ds.validation(), 6, SILENT),
                TrainSpec(epochs=1, batch_size=32, learning_rate=1e-2), desc="t")
    assert plain.prior is None and res.prior_scale is None
    assert "item_prior" not in [layer.name for layer in plain.sequence.layers]


def test_same_seed_same_weights():
    def once():
        _, model, x, y = _tiny_teacher(5, dropout=0.1)
        train(model, FitData(x, y, None, 6, SILENT, seed=5),
              TrainSpec(epochs=2, batch_size=32, learning_rate=1e-2), desc="t")
        return model.sequence.get_weights()

    for a, b in zip(once(), once()):
        np.testing.assert_array_equal(a, b)


def test_cosine_schedule_decays_to_zero_over_the_planned_steps():
    spec = TrainSpec(epochs=3, batch_size=10, learning_rate=0.1, lr_schedule="cosine")
    lr = learning_rate(spec, num_windows=25)  # 3 steps per epoch, 9 in all
    assert float(lr(0)) == np.float32(0.1)
    assert float(lr(9)) == 0.0 and 0.0 < float(lr(8)) < 0.01
    assert learning_rate(TrainSpec(epochs=3, batch_size=10, learning_rate=0.1), 25) == 0.1


def test_teacher_logits_table_matches_the_teacher_and_falls_back_beyond_the_budget():
    set_seed(6)
    teacher = build_teacher(20, 6, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0))
    x = np.random.default_rng(0).integers(0, 20, size=(70, 6)).astype(np.int32)
    idx = np.array([3, 69, 0])
    want = teacher.sequence(x[idx], training=False).numpy()
    cached = TeacherLogits(teacher, x, batch_size=32)
    assert cached.table is not None and cached.table.shape == (70, 6, 20)
    np.testing.assert_allclose(cached.batch(idx, x[idx]).numpy(), want, rtol=2e-3, atol=2e-3)  # float16
    live = TeacherLogits(teacher, x, budget_bytes=70 * 6 * 20 * 2 - 1)
    assert live.table is None
    np.testing.assert_allclose(live.batch(idx, x[idx]).numpy(), want, rtol=1e-6, atol=1e-6)


def test_plateau_schedule_cuts_the_rate_then_stops_when_validation_stalls():
    ds, model, x, y = _tiny_teacher(1, dropout=0.0)
    # a rate too small to move validation: every evaluation after the first is a plateau
    spec = TrainSpec(epochs=20, batch_size=32, learning_rate=1e-9, patience=1, eval_every=1,
                     lr_schedule="plateau", decay_factor=0.5, max_decays=2)
    res = train(model, FitData(x, y, ds.validation(), 6, SILENT), spec, desc="t")
    assert res.epochs_run == 4 and res.best_epoch == 1  # two cuts, then the third plateau stops it
    assert [round(r["lr"] / 1e-9, 6) for r in res.history if "lr" in r] == [0.5, 0.25]
