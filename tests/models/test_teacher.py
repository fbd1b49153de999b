"""teacher.tied: one item table for history and scores (the default), or a history table of its own."""
import numpy as np

from builder.config import TeacherConfig
from builder.models.teacher import build_teacher
from builder.training import set_seed

N, L = 30, 6


def test_an_untied_teacher_reads_histories_through_its_own_table():
    set_seed(0)
    x = np.random.default_rng(0).integers(1, N, size=(4, L)).astype(np.int32)
    tied = build_teacher(N, L, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0))
    untied = build_teacher(N, L, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0, tied=False))
    names = lambda m: {w.name.split("/")[0] for w in m.sequence.weights}
    assert "input_items" not in names(tied) and {"items", "input_items"} <= names(untied)
    assert untied.count_params() == tied.count_params() + N * 8
    before = untied.sequence(x).numpy()
    scores = untied.score_candidates(np.ones((1, 1, 8), np.float32), np.arange(N, dtype=np.int32)).numpy()
    table = untied.sequence.get_layer("input_items")
    table.set_weights([w + 1.0 for w in table.get_weights()])
    assert not np.allclose(untied.sequence(x).numpy(), before)  # the history goes through it
    # ... and the scores of a given hidden vector do not: the scoring table is `items`
    np.testing.assert_allclose(untied.score_candidates(np.ones((1, 1, 8), np.float32),
                                                       np.arange(N, dtype=np.int32)).numpy(), scores)


def test_the_tied_default_keeps_the_teachers_cache_key():
    from builder.pipeline import teacher_key_fields as arch

    assert "tied" not in arch(TeacherConfig())
    assert arch(TeacherConfig(tied=False))["tied"] is False
