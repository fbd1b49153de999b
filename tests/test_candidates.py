"""Candidate training (builder.sampled.CandidateSampler, `distill.negatives`): the students' scores
on a candidate set are their full scores' columns, through pruning and QAT wrappers too; the set
holds the batch's targets; a student distilled on candidate sets learns the teacher's ranking."""
import numpy as np
import pytest

from builder._keras import tf
from builder.compress.distill import distill
from builder.compress.prune import wrap_for_pruning
from builder.compress.qat import prepare
from builder.config import ConfigError, DataConfig, DistillConfig, PruneConfig, StudentConfig, SyntheticConfig, TeacherConfig
from builder.data.dataset import load_dataset, training_windows
from builder.evaluate.evaluator import evaluate, keras_scorer
from builder.models.baselines import MostPopular
from builder.models.student import build_student, views
from builder.models.teacher import build_teacher
from builder.progress import SILENT
from builder.sampled import CandidateSampler, NegativeSampler, log_popularity
from builder.training import FitData, TrainSpec, set_seed, train

N, L = 40, 6


def _x(rows: int = 5) -> np.ndarray:
    return np.random.default_rng(0).integers(0, N, size=(rows, L)).astype(np.int32)


@pytest.mark.parametrize("table", [{}, {"table_rank": 4}, {"table_buckets": 4, "table_head": 6}],
                         ids=["dense", "low_rank", "shared"])
@pytest.mark.parametrize("wrap", ["plain", "pruned", "qat"])
def test_candidate_logits_are_the_full_logits_columns(table, wrap):
    set_seed(0)
    graph, _ = build_student(N, L, StudentConfig(dim=8, conv_layers=1, dropout=0.0, **table))
    if wrap == "pruned":
        graph = wrap_for_pruning(graph, PruneConfig(target_sparsity=0.5), end_step=10)
    elif wrap == "qat":
        if table.get("table_buckets"):
            pytest.skip("a QAT shared table fake-quantizes its full scores in parts (documented)")
        graph = prepare(graph)
    v = views(graph)
    x = tf.constant(_x())
    ids = tf.constant([3, 1, 39, 17], tf.int32)
    full = v.sequence(x, training=False).numpy()
    got = v.candidate_logits(x, ids, training=False).numpy()
    np.testing.assert_allclose(got, full[..., ids.numpy()], rtol=1e-4, atol=1e-5)


def test_teacher_candidate_logits_carry_its_prior():
    set_seed(1)
    teacher = build_teacher(N, L, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0, negatives=8))
    teacher.prior.set(np.linspace(-3, 0, N).astype(np.float32))
    x = tf.constant(_x())
    ids = tf.constant([2, 5, 30], tf.int32)
    full = teacher.sequence(x, training=False).numpy()
    np.testing.assert_allclose(teacher.candidate_logits(x, ids, training=False).numpy(), full[..., [2, 5, 30]],
                               rtol=1e-4, atol=1e-5)


def test_candidate_set_holds_the_batch_targets_and_labels_point_at_them():
    targets = np.array([[0, 0, 4, 9], [7, 7, 2, 39]], np.int32)
    sampler = CandidateSampler(log_popularity(targets, N), 16, seed=0)
    ids, offsets, real = sampler.draw(targets)
    assert set(targets[targets > 0]) <= set(real) and 0 not in real and np.all(np.diff(real) > 0)
    assert len(ids) % NegativeSampler.PAD == 0
    np.testing.assert_array_equal(ids.numpy()[:len(real)], real)
    assert np.all(offsets.numpy()[:len(real)] == 0) and np.all(offsets.numpy()[len(real):] < -1e8)
    labels = CandidateSampler.labels(real, targets).numpy()
    np.testing.assert_array_equal(real[labels[targets > 0]], targets[targets > 0])


def test_the_teachers_top_items_join_the_candidate_set():
    from builder.top_items import teacher_top_items

    set_seed(3)
    teacher = build_teacher(N, L, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0))
    x = _x(7)
    top = teacher_top_items(teacher, x, 4, chunk_bytes=3 * L * N * 4).items  # 3 windows per chunk
    logits = teacher.sequence(x, training=False).numpy()
    logits[..., 0] = -np.inf  # padding is never a candidate
    np.testing.assert_array_equal(np.sort(top, axis=-1), np.sort(np.argsort(-logits, axis=-1)[..., :4], axis=-1))
    assert teacher_top_items(teacher, x, 4).items is top  # one pass per teacher, not one per stage
    assert teacher_top_items(teacher, x, 4).reused  # and the log says so
    w = teacher.sequence.get_weights()
    teacher.sequence.set_weights([v + 0.5 for v in w])
    assert teacher_top_items(teacher, x, 4).items is not top  # other weights: computed again
    teacher.sequence.set_weights(w)
    targets = np.array([[0, 3], [5, 5]], np.int32)
    _, _, real = CandidateSampler(log_popularity(targets, N), 2, seed=0).draw(targets, top[:2, :2])
    assert set(top[:2, :2].ravel()) | {3, 5} <= set(real)


def test_the_teachers_top_items_are_stored_in_the_stage_cache(tmp_path):
    from builder import top_items as ti
    from builder.cache import StageCache

    set_seed(4)
    teacher = build_teacher(N, L, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0))
    x, cache = _x(6), StageCache(tmp_path / "cache")
    first = ti.teacher_top_items(teacher, x, 3, cache=cache)
    assert not first.reused and (tmp_path / "cache" / ti.STORE_NAME / "meta.json").is_file()
    ti._TOP_ITEMS.clear()  # a new process: only the disk has them
    again = ti.teacher_top_items(teacher, x, 3, cache=cache)
    assert again.reused and again.search == "exact"
    np.testing.assert_array_equal(again.items, first.items)
    ti._TOP_ITEMS.clear()
    teacher.sequence.set_weights([w + 0.5 for w in teacher.sequence.get_weights()])
    other = ti.teacher_top_items(teacher, x, 3, cache=cache)  # another teacher: searched again
    assert not other.reused
    ti._TOP_ITEMS.clear()
    assert not ti.teacher_top_items(teacher, x[:4], 3, cache=cache).reused  # other windows too


def test_a_capped_candidate_set_keeps_targets_and_draws_and_the_most_shared_teacher_tops():
    targets = np.array([[0, 1, 2], [3, 1, 2]], np.int32)
    # item 30 is in every position's top list, 31 in four, 32-37 in one each
    hard = np.array([[[30, 31, 32], [30, 31, 33], [30, 31, 34]],
                     [[30, 31, 35], [30, 36, 37], [30, 1, 2]]], np.int32)
    q = np.r_[0.0, np.ones(29), np.zeros(N - 30)]  # items 30+ are never drawn
    log_q = np.log(np.maximum(q / q.sum(), 1e-30)).astype(np.float32)
    drawn, _ = NegativeSampler(log_q, 3, seed=5).draw_items()  # the draw each sampler below makes
    kept = np.union1d(drawn, [1, 2, 3])
    _, _, full = CandidateSampler(log_q, 3, seed=5).draw(targets, hard)
    assert set(full) == set(kept) | set(range(30, 38))
    ids, _, real = CandidateSampler(log_q, 3, seed=5, cap=len(kept) + 2).draw(targets, hard)
    assert set(real) == set(kept) | {30, 31} and len(ids) % NegativeSampler.PAD == 0
    # a cap the targets and draws already fill keeps them all and no teacher tops
    _, _, real = CandidateSampler(log_q, 3, seed=5, cap=1).draw(targets, hard)
    np.testing.assert_array_equal(real, kept)


def test_negative_distill_negatives_is_a_config_error():
    with pytest.raises(ConfigError, match="distill.negatives"):
        DistillConfig(negatives=-1)
    with pytest.raises(ConfigError, match="distill.top_k"):
        DistillConfig(top_k=-1)
    with pytest.raises(ConfigError, match="distill.max_candidates"):
        DistillConfig(negatives=8, max_candidates=-1)
    with pytest.raises(ConfigError, match="distill.max_candidates.*distill.negatives"):
        DistillConfig(max_candidates=512)


def test_a_student_distilled_on_candidate_sets_learns_the_teachers_ranking():
    """60 items, 8 drawn negatives: each batch scores its ~40 targets and the drawn items only."""
    set_seed(0)
    cfg = DataConfig(source="synthetic", max_len=10, min_item_interactions=1,
                     synthetic=SyntheticConfig(num_users=300, num_items=60, mean_length=15, follow_prob=0.8))
    ds = load_dataset(cfg, seed=0)
    x, y = training_windows(ds.train_sequences(), 10)
    fit = FitData(x, y, ds.validation(), 10, SILENT)
    teacher = build_teacher(ds.num_items, 10, TeacherConfig(dim=16, blocks=1, heads=1, dropout=0.0))
    train(teacher, fit, TrainSpec(epochs=15, batch_size=64, learning_rate=5e-3, patience=3, eval_every=5), desc="t")
    _, student = build_student(ds.num_items, 10, StudentConfig(dim=8, conv_layers=1, dropout=0.0))
    res = distill(student, teacher, DistillConfig(alpha=0.2, negatives=8),
                  StudentConfig(dim=8, epochs=15, batch_size=16, learning_rate=5e-3, patience=3, eval_every=5), fit)
    test = ds.test()
    got = evaluate(keras_scorer(student.last), test, 10, "student").mean("hr@10")
    want = evaluate(keras_scorer(teacher.last), test, 10, "teacher").mean("hr@10")
    pop = evaluate(MostPopular(ds.train_sequences(), ds.num_items), test, 10, "pop").mean("hr@10")
    assert got > pop + 0.2 and got > 0.8 * want, (got, want, pop)
    assert res.history[-1]["loss"] < res.history[0]["loss"]


def test_prune_and_qat_fine_tune_on_candidate_sets():
    """Both fine-tunes take the chain's distill section: with negatives they score candidate sets
    through the pruning and QAT wrappers (the QAT graph's hidden view is its own)."""
    from builder.compress.prune import prune, weight_sparsity
    from builder.compress.qat import qat
    from builder.config import QATConfig
    from files_for_tests import stepping_fit

    set_seed(2)
    fit = stepping_fit(N, L)
    teacher = build_teacher(N, L, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0))
    graph, _ = build_student(N, L, StudentConfig(dim=8, conv_layers=1, dropout=0.0))
    dc = DistillConfig(alpha=0.5, negatives=4)
    stripped, pres = prune(graph, PruneConfig(target_sparsity=0.5, epochs=2), fit, teacher, dc, batch_size=32)
    assert weight_sparsity(stripped) == pytest.approx(0.5, abs=0.03)
    qgraph, qres = qat(stripped, QATConfig(epochs=2), fit, teacher, dc, batch_size=32)
    for res in (pres, qres):
        losses = [row["loss"] for row in res.history if "loss" in row]
        assert losses and np.all(np.isfinite(losses))


def test_the_index_search_finds_the_teachers_top_items_and_reports_its_recall(monkeypatch):
    """`index` search: the scoring rows reproduce the teacher's logits (prior included); with every
    list probed the index finds the exact top-k; with fewer, the recall it reports is the true one."""
    from builder import top_items

    n, length = 3000, 5
    set_seed(4)
    teacher = build_teacher(n, length, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0, negatives=16))
    teacher.prior.set(np.log(np.random.default_rng(1).dirichlet(np.ones(n)) + 1e-9).astype(np.float32))
    x = np.random.default_rng(2).integers(1, n, size=(60, length)).astype(np.int32)
    x[:10, :2] = 0  # left padding
    rows = top_items.scoring_rows(teacher)
    flat, q = top_items.hidden_queries(teacher, x)
    logits = teacher.sequence(x, training=False).numpy().reshape(-1, n)[flat]
    np.testing.assert_allclose(q @ rows.T, logits, rtol=1e-4, atol=1e-4)
    exact = top_items.teacher_top_items(teacher, x, 5, "exact").items
    monkeypatch.setattr(top_items, "RECALL_SAMPLE", x.size)  # check every position

    monkeypatch.setattr(top_items, "index_shape", lambda m: (20, 20))  # every list probed: exact
    full = top_items.teacher_top_items(teacher, x, 5, "index")
    assert full.search == "index" and full.recall == 1.0
    real = x > 0
    np.testing.assert_array_equal(np.sort(full.items[real], -1), np.sort(exact[real], -1))
    assert np.all(full.items[~real] == 0)  # padding positions get no items

    monkeypatch.setattr(top_items, "index_shape", lambda m: (40, 2))  # 2 of 40 lists: approximate
    monkeypatch.setattr(top_items, "RECALL_TARGET", 0.0)  # keep the first nprobe
    part = top_items.teacher_top_items(teacher, x, 5, "index")
    true = np.mean([len(np.intersect1d(a, b)) / 5 for a, b in zip(part.items[real], exact[real])])
    assert part.nprobe == 2 and part.recall == pytest.approx(true) and part.recall < 0.9
    monkeypatch.setattr(top_items, "RECALL_TARGET", 0.9)  # more lists until the sample recall reaches it
    top_items._TOP_ITEMS.clear()
    more = top_items.teacher_top_items(teacher, x, 5, "index")
    true = np.mean([len(np.intersect1d(a, b)) / 5 for a, b in zip(more.items[real], exact[real])])
    assert more.nprobe > 2 and more.recall >= 0.9 and more.recall == pytest.approx(true)
    assert top_items.resolve_search("auto", top_items.INDEX_MIN_ITEMS) == "index"
    assert top_items.resolve_search("auto", top_items.INDEX_MIN_ITEMS - 1) == "exact"


def test_the_top_items_search_says_what_it_scans_and_shows_a_bar(capsys):
    """A search over a big catalog runs for minutes: it prints the index's settled shape before
    the long pass and a bar over what it searches (exact: windows, index: positions)."""
    from builder import top_items
    from builder.progress import Progress

    n, length = 3000, 5
    set_seed(4)
    teacher = build_teacher(n, length, TeacherConfig(dim=8, blocks=1, heads=1, dropout=0.0, negatives=16))
    x = np.random.default_rng(2).integers(1, n, size=(60, length)).astype(np.int32)
    top_items._TOP_ITEMS.clear()
    top_items.teacher_top_items(teacher, x, 5, "index", progress=Progress(1))
    err = capsys.readouterr().err
    assert "lists" in err and "scanned per query" in err and f"searching {x.size:,} positions" in err
    assert "teacher top-5 (index)" in err and "position" in err
    top_items._TOP_ITEMS.clear()
    top_items.teacher_top_items(teacher, x, 5, "exact", progress=Progress(1))
    assert "teacher top-5 (exact)" in capsys.readouterr().err
    top_items._TOP_ITEMS.clear()
    top_items.teacher_top_items(teacher, x, 5, "exact")  # silent by default
    assert capsys.readouterr().err == ""
