"""The one training loop: next-item CE on every position, optionally mixed with distillation.

loss = alpha * CE(hard labels) + (1 - alpha) * T^2 * KL(softmax(teacher/T) || softmax(student/T)),
averaged over non-padding positions, over the full catalog. With no teacher
(or alpha = 1) it is plain cross-entropy, which is how the teacher and the
non-distilled ablation train. With `negatives` (large catalogs) no step scores the
full catalog: a teacher trains with sampled softmax (builder.sampled), a student
(distilled or not) takes the same loss over a per-batch candidate set
(CandidateSampler). Early stopping on validation NDCG@10, best
weights restored.

How long to train is the data's decision, not a constant's: with the
`plateau` schedule the learning rate stays constant until validation stops
improving for `patience` evaluations, then it is cut by `decay_factor`; after
`max_decays` cuts the next plateau ends training, and the weights of the best
validation NDCG@10 are kept. `epochs` is then only a cap. Validation "improves"
when NDCG@10 reaches a new best or the validation cross-entropy falls by more
than CE_MIN_DELTA (relative): a slow starter whose top-10 is still the popular
items is learning, and is not stopped. `cosine` (a fixed horizon of `epochs`)
and `constant` remain for fixed-length runs (fine-tunes, sweeps).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from builder import distributed
from builder._keras import keras, tf
from builder.config import TrainingConfig
from builder.data.dataset import EvalSplit
from builder.evaluate.evaluator import evaluate, keras_scorer
from builder.lazy_adam import make_optimizer
from builder.models.teacher import SequenceModel
from builder.progress import Progress
from builder.sampled import CandidateSampler, NegativeSampler, log_popularity, sampled_loss
from builder.top_items import teacher_top_items


@dataclass(frozen=True)
class TrainSpec:
    epochs: int
    batch_size: int
    learning_rate: float
    patience: int = 1_000_000
    eval_every: int = 1
    alpha: float = 1.0  # weight of the hard-label CE; 1 - alpha goes to distillation
    temperature: float = 1.0
    restore_best: bool = True
    max_steps_per_epoch: int | None = None
    lr_schedule: str = "constant"  # constant | cosine (decays to 0 over `epochs`) | plateau
    decay_factor: float = 0.3  # plateau: learning-rate cut at each plateau
    max_decays: int = 2  # plateau: cuts before the next plateau stops training
    eval_at_start: bool = False  # validate before the first step: the start may be the best (epoch 0)
    negatives: int = 0  # > 0: sampled softmax (a teacher) or candidate sets (a student) with this many draws
    top_k: int = 0  # candidate sets: plus each position's top-k items by the teacher
    max_candidates: int = 0  # candidate sets: at most this many items (0 = no cap), CandidateSampler
    top_k_search: str = "exact"  # how the teacher's top-k are found: exact | index | auto (builder.top_items)
    optimizer: str = "adam"  # adam | lazy_adam (builder.lazy_adam)


def spec_from(cfg: TrainingConfig, **overrides: Any) -> TrainSpec:
    """The TrainSpec of a teacher/student config's schedule (distillation settings via overrides)."""
    return TrainSpec(cfg.epochs, cfg.batch_size, cfg.learning_rate, cfg.patience, cfg.eval_every,
                     max_steps_per_epoch=cfg.max_steps_per_epoch, lr_schedule=cfg.lr_schedule,
                     decay_factor=cfg.decay_factor, max_decays=cfg.max_decays, optimizer=cfg.optimizer,
                     **{"negatives": getattr(cfg, "negatives", 0), **overrides})


@dataclass(frozen=True)
class FitData:
    """What every training run needs besides the model: windows, validation users, output."""

    inputs: np.ndarray  # int32 [W, L]
    targets: np.ndarray  # int32 [W, L]
    valid: EvalSplit | None
    max_len: int
    progress: Progress
    seed: int = 0
    cache: Any = None  # the build's StageCache: the teacher's top items are stored there (candidate KD)


@dataclass
class TrainResult:
    epochs_run: int
    best_epoch: int
    best_val_ndcg10: float
    seconds: float
    history: list[dict[str, float]] = field(default_factory=list)
    prior_scale: float | None = None  # a model with a prior: the served multiple of log q (choose_prior_scale)
    top_items: dict[str, Any] | None = None  # candidate KD: how the teacher's top-k were found (builder.top_items)


def sequence_loss(targets: tf.Tensor, logits: tf.Tensor, teacher_logits: tf.Tensor | None,
                  alpha: float, temperature: float, denom: tf.Tensor | None = None,
                  mask: tf.Tensor | None = None) -> tf.Tensor:
    """Masked next-item loss over [B, L] targets and [B, L, N] logits (see module doc), averaged
    over the non-padding positions, or divided by `denom` (a multi-worker step: the global batch's
    count, so that the workers' shard losses sum to the batch's mean). With `mask` (candidate
    training: targets are positions in a candidate set, 0 a real one) it says which positions count."""
    mask = tf.cast(targets > 0, tf.float32) if mask is None else mask
    denom = tf.maximum(tf.reduce_sum(mask), 1.0) if denom is None else denom
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
    hard = tf.reduce_sum(ce * mask) / denom
    if teacher_logits is None or alpha >= 1.0:
        return hard
    t = temperature
    log_p_teacher = tf.nn.log_softmax(teacher_logits / t, axis=-1)
    log_p_student = tf.nn.log_softmax(logits / t, axis=-1)
    kl = tf.reduce_sum(tf.exp(log_p_teacher) * (log_p_teacher - log_p_student), axis=-1)
    soft = tf.reduce_sum(kl * mask) / denom
    return alpha * hard + (1.0 - alpha) * (t * t) * soft


def logit_cache_budget() -> int:
    """Bytes the teacher-logit table may take: a quarter of physical memory, 1-8 GiB."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 4 << 30
    return int(min(8 << 30, max(1 << 30, physical // 4)))


class TeacherLogits:
    """The frozen teacher's outputs for the training windows, computed once where they fit.

    Distillation reads the teacher's logits for every batch of every epoch (and the
    prune and QAT fine-tunes read them again). When [W, L, N] float16 fits in
    `budget_bytes` they are computed once, in inference mode, and sliced per batch,
    which removes the teacher's forward pass from every step; otherwise (large
    catalogs) the teacher runs on each batch. The default budget is a quarter of the
    machine's physical memory (at most 8 GiB). Candidate training caches the teacher's
    hidden vectors instead (`view` = teacher.hidden, [W, L, C]): they are scored per batch.
    """

    def __init__(self, teacher: SequenceModel, inputs: np.ndarray, budget_bytes: int | None = None,
                 batch_size: int = 256, view: keras.Model | None = None) -> None:
        if budget_bytes is None:
            budget_bytes = logit_cache_budget()
        view = teacher.sequence if view is None else view
        self._forward = tf.function(lambda x: view(x, training=False), reduce_retracing=True)
        w, length = inputs.shape
        n = int(view.output_shape[-1])
        self.table: np.ndarray | None = None
        if w * length * n * 2 <= budget_bytes:
            self.table = np.empty((w, length, n), np.float16)
            for start in range(0, w, batch_size):
                self.table[start:start + batch_size] = self._forward(
                    tf.constant(inputs[start:start + batch_size])).numpy()

    def batch(self, idx: np.ndarray, x: tf.Tensor) -> tf.Tensor:
        if self.table is None:
            return self._forward(x)
        return tf.cast(tf.constant(self.table[idx]), tf.float32)


def steps_per_epoch(num_windows: int, batch_size: int, max_steps_per_epoch: int | None) -> int:
    """Optimizer steps in one epoch of `train` (every window, or the first max_steps batches)."""
    steps = -(-num_windows // batch_size)
    return steps if max_steps_per_epoch is None else min(steps, max_steps_per_epoch)


def planned_steps(spec: TrainSpec, num_windows: int) -> int:
    """Optimizer steps over every epoch of `train` (early stopping may end it sooner)."""
    return spec.epochs * steps_per_epoch(num_windows, spec.batch_size, spec.max_steps_per_epoch)


# XLA makes a step ~25% faster on CPU but costs seconds to compile per training run:
# it pays for long runs only. Every default-preset run has >= 76 steps; the smoke
# preset's have <= 20 (XLA off there saves ~20 s of its ~2 minutes).
XLA_MIN_STEPS = 50


def learning_rate(spec: TrainSpec, num_windows: int) -> float | Any:
    """The optimizer's initial learning rate: constant (plateau cuts it later in `train`), or
    cosine-decayed to 0 over every planned step."""
    if spec.lr_schedule in ("constant", "plateau"):
        return spec.learning_rate
    if spec.lr_schedule != "cosine":
        raise ValueError(f"unknown lr_schedule {spec.lr_schedule!r} (constant | cosine | plateau)")
    return keras.optimizers.schedules.CosineDecay(spec.learning_rate,
                                                  decay_steps=max(planned_steps(spec, num_windows), 1))


# A validation cross-entropy that falls by less than this fraction is no improvement.
CE_MIN_DELTA = 1e-3


def validation_scores(model: keras.Model, split: EvalSplit, max_len: int) -> tuple[float, float]:
    """(NDCG@10, cross-entropy) of `model` on the validation users."""
    res = evaluate(keras_scorer(model), split, max_len, name="validation")
    return res.mean("ndcg@10"), float(res.extra["ce"].mean())


def prepare_sampling(model: SequenceModel, targets: np.ndarray, negatives: int, seed: int) -> NegativeSampler:
    """Set `model`'s prior to the log popularity of `targets` and return the sampler drawing from it."""
    log_q = log_popularity(targets, int(model.sequence.output_shape[-1]))
    model.prior.set(log_q)
    return NegativeSampler(log_q, negatives, seed)


LOSSES = ("full", "sampled", "candidates")


def training_step(model: SequenceModel, spec: TrainSpec, optimizer: Any, *, loss: str, jit: bool,
                  teacher: SequenceModel | None = None) -> Callable[..., tf.Tensor]:
    """One optimizer step of `train` as a tf.function (x, y, denom, extra) -> loss.

    loss `full`: extra is the teacher's logits for distillation, or None. `sampled` (a sampled-
    softmax teacher): the batch's (negatives, offsets) (NegativeSampler.draw). `candidates`
    (a student): (ids, offsets, labels, the teacher's hidden vectors or None), CandidateSampler.
    Under a multi-worker strategy the step runs on every replica and the losses are summed;
    XLA (`jit`) only in a single process.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r} ({' | '.join(LOSSES)})")
    seq = model.sequence
    strategy = distributed.strategy()
    replicas = strategy.num_replicas_in_sync if strategy is not None else 1
    table = seq.get_layer("items").embeddings if loss == "sampled" else None

    def batch_loss(x: tf.Tensor, y: tf.Tensor, denom: tf.Tensor, extra: Any) -> tf.Tensor:
        if loss == "sampled":
            negatives, offsets = extra
            return sampled_loss(model.hidden(x, training=True), table, y, negatives, offsets,
                                model.prior.log_q, denom)
        if loss == "candidates":
            ids, offsets, labels, soft = extra
            z = model.candidate_logits(x, ids, training=True) + offsets
            zt = None if soft is None else teacher.score_candidates(soft, ids) + offsets
            return sequence_loss(labels, z, zt, spec.alpha, spec.temperature, denom,
                                 mask=tf.cast(y > 0, tf.float32))
        return sequence_loss(y, seq(x, training=True), extra, spec.alpha, spec.temperature, denom)

    def replica_step(x: tf.Tensor, y: tf.Tensor, denom: tf.Tensor, extra: Any) -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = batch_loss(x, y, denom, extra)
            if seq.losses:
                loss += tf.add_n(seq.losses) / replicas
        grads = tape.gradient(loss, seq.trainable_variables)
        optimizer.apply_gradients(  # multi-worker: all-reduced (summed) over the workers' shards
            [(g, v) for g, v in zip(grads, seq.trainable_variables) if g is not None])
        return loss

    if strategy is None:
        return tf.function(replica_step, reduce_retracing=True, jit_compile=jit)

    @tf.function(reduce_retracing=True)  # no XLA: it cannot compile the collectives
    def step(x: tf.Tensor, y: tf.Tensor, denom: tf.Tensor, extra: Any) -> tf.Tensor:
        losses = strategy.run(replica_step, args=(x, y, denom, extra))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

    return step


def train(
    model: SequenceModel,
    fit: FitData,
    spec: TrainSpec,
    *,
    desc: str,
    teacher: SequenceModel | None = None,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Train `model.sequence` on the windows; validate `model.last`; restore the best weights."""
    inputs, targets, valid, progress = fit.inputs, fit.targets, fit.valid, fit.progress
    seq = model.sequence
    optimizer = make_optimizer(spec.optimizer, learning_rate(spec, len(fit.inputs)))
    distill = teacher is not None and spec.alpha < 1.0
    # sampled softmax trains a model with a prior (a teacher); any other model with negatives
    # (a student, distilled or not) trains on per-batch candidate sets
    loss = "full" if not spec.negatives else "sampled" if model.prior is not None else "candidates"
    if loss != "full" and model.hidden is None:
        raise ValueError(f"{desc}: training with negatives needs the model's hidden view")
    if loss == "sampled" and distill:
        raise ValueError(f"{desc}: a sampled-softmax teacher trains from labels; a distilled model "
                         "with negatives must be a student (candidate training)")
    if loss == "candidates" and distill and teacher.hidden is None:
        raise ValueError(f"{desc}: candidate distillation needs the teacher's hidden view")
    soft = None
    if distill:
        soft = TeacherLogits(teacher, inputs, view=teacher.hidden if loss == "candidates" else None)

    sampler: NegativeSampler | CandidateSampler | None = None
    if loss == "sampled":
        sampler = prepare_sampling(model, targets, spec.negatives, fit.seed)
    elif model.prior is not None:  # a full-softmax teacher with a popularity prior
        model.prior.set(log_popularity(targets, int(seq.output_shape[-1])))
    elif loss == "candidates":
        sampler = CandidateSampler(log_popularity(targets, int(seq.output_shape[-1])), spec.negatives,
                                   fit.seed, cap=spec.max_candidates)
    hard, top_info = None, None
    if loss == "candidates" and distill and spec.top_k:
        top = teacher_top_items(teacher, inputs, spec.top_k, spec.top_k_search, seed=fit.seed, cache=fit.cache,
                                progress=progress)
        hard, top_info = top.items, top.summary()
        progress.info(f"{desc}: {top.describe()}")
    step = training_step(model, spec, optimizer, loss=loss, teacher=teacher if distill else None,
                         jit=planned_steps(spec, len(inputs)) >= XLA_MIN_STEPS)

    for cb in callbacks:
        cb.set_model(seq)
        cb.on_train_begin()
    rng = np.random.default_rng(fit.seed)
    best, best_epoch, best_weights, bad, decays, best_ce = -1.0, 0, None, 0, 0, float("inf")
    history: list[dict[str, float]] = []
    t0 = time.perf_counter()
    epoch = 0
    if valid is not None and spec.eval_at_start:
        best, best_ce = validation_scores(model.last, valid, fit.max_len)
        best_weights = seq.get_weights() if spec.restore_best else None
        history.append({"epoch": 0, "val_ndcg@10": best, "val_ce": best_ce})
    with progress.bar(desc, spec.epochs) as bar:
        for epoch in range(1, spec.epochs + 1):
            order = rng.permutation(len(inputs))
            if spec.max_steps_per_epoch is not None:
                order = order[:spec.max_steps_per_epoch * spec.batch_size]
            losses = []
            for b, start in enumerate(range(0, len(order), spec.batch_size)):
                idx = order[start:start + spec.batch_size]
                for cb in callbacks:
                    cb.on_train_batch_begin(b)
                denom = tf.constant(max(float(np.count_nonzero(targets[idx])), 1.0))
                if loss == "candidates":  # one set for the global batch, the same on every worker
                    ids, offsets, real = sampler.draw(targets[idx], None if hard is None else hard[idx])
                idx = distributed.shard(idx)  # this worker's rows (all of them in one process)
                x = tf.constant(inputs[idx])
                teacher_part = soft.batch(idx, x) if soft is not None else None
                extra = (sampler.draw() if loss == "sampled"
                         else (ids, offsets, CandidateSampler.labels(real, targets[idx]), teacher_part)
                         if loss == "candidates" else teacher_part)
                losses.append(float(step(x, tf.constant(targets[idx]), denom, extra)))
            for cb in callbacks:
                cb.on_epoch_end(epoch)
            row = {"epoch": epoch, "loss": float(np.mean(losses))}
            if valid is not None and (epoch % spec.eval_every == 0 or epoch == spec.epochs):
                ndcg, ce = validation_scores(model.last, valid, fit.max_len)
                row["val_ndcg@10"], row["val_ce"] = ndcg, ce
                improved = ndcg > best or ce < best_ce * (1 - CE_MIN_DELTA)
                if ndcg > best:
                    best, best_epoch = ndcg, epoch
                    best_weights = seq.get_weights() if spec.restore_best else None
                best_ce = min(best_ce, ce)
                bad = 0 if improved else bad + 1
                progress.debug(f"  {desc} epoch {epoch}: loss {row['loss']:.4f} val NDCG@10 {ndcg:.4f} "
                               f"CE {ce:.4f}")
            if bad >= spec.patience and spec.lr_schedule == "plateau" and decays < spec.max_decays:
                decays, bad = decays + 1, 0
                row["lr"] = float(optimizer.learning_rate.numpy()) * spec.decay_factor
                optimizer.learning_rate.assign(row["lr"])
                progress.debug(f"  {desc} epoch {epoch}: plateau, lr cut to {row['lr']:.2e}")
            history.append(row)
            bar.set_postfix({k: f"{v:.4f}" for k, v in row.items() if k in ("loss", "val_ndcg@10")})
            bar.update(1)
            if bad >= spec.patience:
                break
    if best_weights is not None:
        seq.set_weights(best_weights)
    prior_scale = None
    if model.prior is not None and valid is not None:
        prior_scale, best = choose_prior_scale(model, model.prior.log_q.numpy(), valid, fit.max_len)
        progress.debug(f"  {desc}: prior {prior_scale} x log q chosen on validation (NDCG@10 {best:.4f})")
    return TrainResult(epoch, best_epoch, best, time.perf_counter() - t0, history, prior_scale, top_info)


PRIOR_SCALES = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)


def choose_prior_scale(model: SequenceModel, log_q: np.ndarray, valid: EvalSplit,
                       max_len: int) -> tuple[float, float]:
    """The multiple of log q a model with a prior serves, chosen on validation NDCG@10 (1 on ties).

    The scale only reweighs popularity against the learned h.e, so it is chosen after training,
    on validation, like any other serving constant. A scale above 1 won on every catalog
    measured (1.25-1.75; benchmarks/results/sampled_softmax*.md). A probe that gave a
    full-softmax teacher the same prior found 1.25 better there too, so the effect is not only
    that sampling pushes rarely drawn items down less often than full softmax does; a full-
    softmax teacher trained with the prior (`teacher.popularity_prior`) gets the same choice.
    """
    best_scale, best = 1.0, -1.0
    for scale in sorted(PRIOR_SCALES, key=lambda s: abs(s - 1.0)):  # 1 first: it wins ties
        model.prior.set(scale * log_q)
        ndcg = validation_scores(model.last, valid, max_len)[0]
        if ndcg > best:
            best_scale, best = scale, ndcg
    model.prior.set(best_scale * log_q)
    return best_scale, best


def stage_seed(seed: int, stage: str) -> int:
    """The seed one trained stage starts from: the build's seed and the stage's name, so that a
    stage's result depends on neither the recipe's order nor which stages came from the cache."""
    import hashlib

    return int.from_bytes(hashlib.sha256(f"{seed}|{stage}".encode()).digest()[:4], "big") % (2 ** 31)


def set_seed(seed: int) -> None:
    # Layers draw dropout masks from tf.random.Generator (seeded below): the legacy
    # stateful random ops are not reproducible inside XLA-compiled steps.
    keras.backend.experimental.enable_tf_random_generator()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
