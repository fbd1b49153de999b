"""The distilled student's item table starts from the teacher's (PCA projection)."""
import numpy as np
import pytest

from builder.compress.distill import distill, init_items_from_teacher, pca_item_table
from builder.config import DistillConfig, StudentConfig, TeacherConfig
from builder.models.student import build_student
from builder.models.teacher import build_teacher
from builder.progress import SILENT
from builder.training import FitData, set_seed


def centered_gram(x):
    c = x[1:] - x[1:].mean(axis=0)
    return c @ c.T


def test_a_table_of_low_rank_keeps_its_geometry_up_to_scale():
    rng = np.random.default_rng(0)
    table = rng.normal(size=(41, 3)) @ rng.normal(size=(3, 16)) + rng.normal(size=16)  # rank 3 + mean
    proj, kept = pca_item_table(table, 4, std=0.05)
    assert proj.shape == (41, 4) and proj.dtype == np.float32
    assert kept == pytest.approx(1.0, abs=1e-9)
    assert proj[1:].std() == pytest.approx(0.05, rel=1e-4)
    g_src, g_dst = centered_gram(table), centered_gram(proj.astype(np.float64))
    scale = np.sum(g_dst * g_src) / np.sum(g_src * g_src)
    assert np.abs(g_dst - scale * g_src).max() < 1e-5 * np.abs(g_dst).max()


def test_the_variance_kept_is_the_top_eigenvalues_share():
    rng = np.random.default_rng(1)
    table = rng.normal(size=(101, 12)) * np.linspace(3.0, 0.1, 12)
    _, kept = pca_item_table(table, 5)
    eig = np.sort(np.linalg.eigvalsh(np.cov(table[1:].T)))[::-1]
    assert kept == pytest.approx(eig[:5].sum() / eig.sum(), rel=1e-6)
    assert 0.5 < kept < 1.0


def test_a_student_wider_than_the_teacher_is_refused():
    with pytest.raises(ValueError, match="16-dim item table onto 32 dims"):
        pca_item_table(np.zeros((10, 16)), 32)


def test_only_the_distilled_student_starts_from_the_teacher():
    n, length = 30, 5
    set_seed(0)
    teacher = build_teacher(n, length, TeacherConfig(dim=16, blocks=1, heads=1, dropout=0.0))
    rng = np.random.default_rng(0)
    seq = rng.integers(1, n, size=(16, length + 1)).astype(np.int32)
    fit = FitData(seq[:, :-1], seq[:, 1:], None, length, SILENT)
    expected, _ = pca_item_table(teacher.sequence.get_layer("items").embeddings.numpy(), 8)

    graph, _ = build_student(n, length, StudentConfig(dim=8, conv_layers=1, dropout=0.0))
    init_items_from_teacher(graph, teacher)
    np.testing.assert_allclose(graph.get_layer("items").embeddings.numpy(), expected, rtol=1e-6)

    one_step = StudentConfig(dim=8, conv_layers=1, dropout=0.0, epochs=1, learning_rate=1e-9,
                             lr_schedule="constant")
    tables = {}
    for name, t, item_init in (("kd", teacher, "teacher_pca"), ("random", teacher, "random"),
                               ("plain", None, "teacher_pca")):
        _, v = build_student(n, length, one_step)
        distill(v, t, DistillConfig(item_init=item_init), one_step, fit)
        tables[name] = v.sequence.get_layer("items").embeddings.numpy()
    np.testing.assert_allclose(tables["kd"], expected, atol=1e-6)  # lr 1e-9: still the init
    for name in ("random", "plain"):
        assert np.abs(tables[name] - expected).max() > 1e-3, name
