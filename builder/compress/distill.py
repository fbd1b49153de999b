"""Knowledge distillation: train the student on hard labels and the teacher's soft labels.

The loss lives with the training step (`builder.training.sequence_loss`):
alpha * CE(hard) + (1 - alpha) * T^2 * KL(softmax(teacher/T) || softmax(student/T)).

The distilled student also starts from the teacher's item table
(`distill.item_init: teacher_pca`): the table projected on its top principal
axes keeps as much of the teacher's item geometry as `student.dim` dimensions
can. Soft labels alone teach it only through the last layers' gradients.
A low-rank student table (`student.table_rank`) starts from the truncated SVD of
that projected table (`low_rank_factors`): A @ B is its best rank-r approximation.
A shared (weight-sharing) table gets its slots from the training popularity and the
projected table's layout (`shared_slots`) and its rows by least squares (`shared_rows`).
"""
from __future__ import annotations

import numpy as np

from builder._keras import keras
from builder.config import DistillConfig, StudentConfig
from builder.models.layers import SharedItemEmbedding
from builder.models.teacher import SequenceModel
from builder.training import FitData, TrainResult, spec_from, train

# Per-coordinate std of the projected table (a trained 32-dim student table has
# ~0.14). ML-100K, mean validation NDCG@10 over seeds 42 and 43: 0.02 -> 0.1204,
# 0.05 -> 0.1224, 0.15 -> 0.1228 (random init: 0.1161).
PCA_INIT_STD = 0.05


def pca_item_table(table: np.ndarray, dim: int, std: float = PCA_INIT_STD) -> tuple[np.ndarray, float]:
    """`table` [N, D] (row 0 = padding) on its top-`dim` principal axes -> ([N, dim], variance kept).

    The axes and mean come from the item rows (1..N-1); every row is projected and
    the result scaled so that item rows have per-coordinate std `std`.
    """
    if dim > table.shape[1]:
        raise ValueError(f"cannot project a {table.shape[1]}-dim item table onto {dim} dims")
    items = table[1:].astype(np.float64)
    mean = items.mean(axis=0)
    _, s, vt = np.linalg.svd(items - mean, full_matrices=False)
    proj = (table - mean) @ vt[:dim].T
    scale = std / max(float(proj[1:].std()), 1e-12)
    return (proj * scale).astype(np.float32), float((s[:dim] ** 2).sum() / max((s ** 2).sum(), 1e-30))


def low_rank_factors(table: np.ndarray, rank: int, std: float = PCA_INIT_STD) -> tuple[np.ndarray, np.ndarray]:
    """`table` [N, D] -> (A [N, rank], B [rank, D]) with A @ B its best rank-`rank` approximation
    (truncated SVD). A = U S c and B = V^T / c, with c such that A's item rows (1..N-1) have
    per-coordinate std `std`: A looks like a PCA-initialised table, B has orthogonal rows."""
    if not 1 <= rank <= min(table.shape):
        raise ValueError(f"rank {rank} is not in 1..{min(table.shape)} for a {table.shape} table")
    u, s, vt = np.linalg.svd(table.astype(np.float64), full_matrices=False)
    a = u[:, :rank] * s[:rank]
    c = std / max(float(a[1:].std()), 1e-12)
    return (a * c).astype(np.float32), (vt[:rank] / c).astype(np.float32)


def shared_slots(popularity: np.ndarray, head: int, buckets: int,
                 table: np.ndarray | None = None) -> np.ndarray:
    """Model index -> slot of a shared table (SharedItemEmbedding): the tail (all but the `head`
    most popular items; ties: lower index first) takes slots 0..T-1 in quotient-major order,
    padding the first head slot P = ceil(T / buckets) * buckets, the head items P+1..P+head in
    popularity order. With a (teacher) `table` [N, D] the tail is laid out on its top two
    coordinates, so that items sharing a quotient row are neighbours on the first and the
    remainder follows the second: the shared rows then fit the table better than an arbitrary
    assignment (the model pays for `slots` either way). Without one the tail keeps index order."""
    n = len(popularity)
    order = np.argsort(-popularity[1:], kind="stable") + 1
    tail = np.sort(order[head:])
    if table is not None:
        tail = tail[np.argsort(table[tail, 0], kind="stable")]
        if table.shape[1] > 1:
            tail = np.concatenate([c[np.argsort(table[c, 1], kind="stable")]
                                   for c in np.split(tail, range(buckets, len(tail), buckets))])
    p = -(-len(tail) // buckets) * buckets
    slots = np.zeros(n, np.int64)
    slots[tail] = np.arange(len(tail))
    slots[0] = p
    slots[order[:head]] = p + np.arange(1, head + 1)
    return slots


def shared_rows(table: np.ndarray, slots: np.ndarray, head: int, buckets: int,
                sweeps: int = 20) -> np.ndarray:
    """The rows (R, Q, head) of a shared table whose composed items best fit `table` [N, D]
    (model-index order): the head exact (E = 2 Head[k]), the tail Q[q] + R[r] a least-squares
    fit by alternating means."""
    n, d = table.shape
    t = n - 1 - head
    quotients = -(-t // buckets)
    p = quotients * buckets
    by_slot = np.zeros((p + head + 1, d))
    by_slot[slots] = table
    target = by_slot[:t]
    j = np.arange(t)
    q, r = j // buckets, j % buckets
    qrows, rrows = np.zeros((quotients, d)), np.zeros((buckets, d))
    for _ in range(sweeps):
        qrows = np.stack([(target[q == k] - rrows[r[q == k]]).mean(axis=0) for k in range(quotients)])
        rrows = np.stack([(target[r == k] - qrows[q[r == k]]).mean(axis=0) for k in range(buckets)])
    return np.concatenate([rrows, qrows, by_slot[p:] / 2]).astype(np.float32)


def fit_popularity(fit: FitData, num_items: int) -> np.ndarray:
    """Training interactions per model index (the targets of the training windows: every
    training item but each user's first; index 0 = 0)."""
    counts = np.bincount(fit.targets.ravel(), minlength=num_items)[:num_items].copy()
    counts[0] = 0
    return counts


def init_items_from_teacher(student: keras.Model, teacher: SequenceModel) -> float:
    """Set the student's item table from the teacher's (PCA, then SVD factors when low-rank);
    returns the share of the teacher table's variance the PCA kept."""
    source = teacher.sequence.get_layer("items").full_table()
    layer = student.get_layer("items")
    table, kept = pca_item_table(source, layer.dim)
    if table.shape != (layer.num_items, layer.dim):
        raise ValueError(f"teacher item table {source.shape} does not match the student's "
                         f"{(layer.num_items, layer.dim)}")
    if isinstance(layer, SharedItemEmbedding):
        slots = np.asarray(layer.slots).astype(np.int64)
        layer.embeddings.assign(shared_rows(table, slots, layer.head, layer.buckets))
    elif layer.rank:
        a, b = low_rank_factors(table, layer.rank)
        layer.embeddings.assign(a)
        layer.projection.assign(b)
    else:
        layer.embeddings.assign(table)
    return kept


def distill(student: SequenceModel, teacher: SequenceModel | None, cfg: DistillConfig,
            student_cfg: StudentConfig, fit: FitData, desc: str = "student") -> TrainResult:
    """Train `student` in place; with `teacher=None` it is the plain-CE ablation (random init).

    With a teacher and `cfg.item_init == "teacher_pca"` the item table starts from the teacher's.
    """
    layer = student.sequence.get_layer("items")
    teacher_init = teacher is not None and cfg.item_init == "teacher_pca"
    if isinstance(layer, SharedItemEmbedding):
        pca = None
        if teacher_init:
            pca, _ = pca_item_table(teacher.sequence.get_layer("items").full_table(), layer.dim)
        layer.slots.assign(shared_slots(fit_popularity(fit, layer.num_items), layer.head, layer.buckets,
                                        pca).astype(layer.slots.dtype.as_numpy_dtype))
    if teacher_init:
        kept = init_items_from_teacher(student.sequence, teacher)
        rank = layer.rank
        shared = (f"; shared rows ({layer.head} own, {layer.quotients} x {layer.buckets} quotient-remainder) "
                  "fit by least squares)") if isinstance(layer, SharedItemEmbedding) else ")"
        fit.progress.info(f"{desc}: item table initialized from the teacher's "
                          f"(PCA, {kept:.0%} of its variance kept"
                          + (f"; rank-{rank} SVD factors)" if rank else shared))
    spec = spec_from(student_cfg, **cfg.loss_terms(teacher is not None))
    return train(student, fit, spec, desc=desc, teacher=teacher)
