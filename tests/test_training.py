"""Training really learns: on planted sequential structure the models beat popularity."""
import numpy as np

from builder.config import DataConfig, SyntheticConfig, TeacherConfig
from builder.data.dataset import load_dataset, training_windows
from builder.evaluate.evaluator import evaluate, keras_scorer
from builder.models.baselines import MostPopular
from builder.models.teacher import build_teacher
from builder.progress import SILENT
from builder.training import FitData, TrainSpec, set_seed, train


def test_teacher_learns_synthetic_successors():
    set_seed(0)
    cfg = DataConfig(source="synthetic", max_len=10, min_item_interactions=1,
                     synthetic=SyntheticConfig(num_users=300, num_items=60, mean_length=15, follow_prob=0.8))
    ds = load_dataset(cfg, seed=0)
    model = build_teacher(ds.num_items, 10, TeacherConfig(dim=16, blocks=1, heads=1, dropout=0.0))
    x, y = training_windows(ds.train_sequences(), 10)
    fit = FitData(x, y, ds.validation(), 10, SILENT)
    res = train(model, fit, TrainSpec(epochs=15, batch_size=64, learning_rate=5e-3, patience=3, eval_every=5),
                desc="t")
    assert res.best_val_ndcg10 > 0
    test = ds.test()
    teacher = evaluate(keras_scorer(model.last), test, 10, "teacher").mean("hr@10")
    pop = evaluate(MostPopular(ds.train_sequences(), ds.num_items), test, 10, "pop").mean("hr@10")
    assert teacher > pop + 0.2, (teacher, pop)
    assert np.isfinite(res.history[-1]["loss"])


def test_same_seed_same_weights():
    def once():
        set_seed(5)
        cfg = DataConfig(source="synthetic", max_len=6, min_item_interactions=1,
                         synthetic=SyntheticConfig(num_users=60, num_items=30, mean_length=10))
        ds = load_dataset(cfg, seed=5)
        model = build_teacher(ds.num_items, 6, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.1))
        x, y = training_windows(ds.train_sequences(), 6)
        train(model, FitData(x, y, None, 6, SILENT, seed=5),
              TrainSpec(epochs=2, batch_size=32, learning_rate=1e-2), desc="t")
        return model.sequence.get_weights()

    for a, b in zip(once(), once()):
        np.testing.assert_array_equal(a, b)
