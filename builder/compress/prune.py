"""Magnitude pruning with TFMOT (wrap -> fine-tune with distillation -> strip).

Every weight layer is pruned, the shared item table included (it is most of
the model). `structure`: unstructured, `block` (block_size, e.g. 1x4 for
XNNPACK's sparse kernels; TFMOT blocks only 2-D weights, so conv kernels stay
unstructured) or `2:4` (m-by-n sparsity, always 50%).
"""
from __future__ import annotations

from dataclasses import replace

from builder._keras import keras, tfmot
from builder.config import DistillConfig, PruneConfig
from builder.models.layers import CUSTOM_OBJECTS
from builder.models.student import views
from builder.models.teacher import SequenceModel
from builder.training import FitData, TrainResult, TrainSpec, steps_per_epoch, train

sparsity = tfmot.sparsity.keras


def _prunable(layer: keras.layers.Layer) -> bool:
    return bool(layer.weights) and (layer.name in ("items", "user") or layer.name.startswith("conv"))


def wrap_for_pruning(graph: keras.Model, cfg: PruneConfig, end_step: int) -> keras.Model:
    """A copy of `graph` whose weight layers are wrapped by prune_low_magnitude.

    The copy matters: prune_low_magnitude wraps the *same* layer objects, so
    wrapping `graph` itself would silently sparsify the float student too.
    """
    schedule = sparsity.PolynomialDecay(initial_sparsity=0.0, final_sparsity=cfg.target_sparsity,
                                        begin_step=0, end_step=max(1, end_step),
                                        frequency=max(1, min(50, end_step // 10)))
    kwargs: dict = {"pruning_schedule": schedule}
    if cfg.structure == "2:4":
        kwargs = {"sparsity_m_by_n": (2, 4)}

    def wrap(layer: keras.layers.Layer) -> keras.layers.Layer:
        if not _prunable(layer):
            return layer
        # TFMOT supports blocks only for 2-D weights (table, Dense); conv kernels stay unstructured.
        if cfg.structure == "block" and all(len(w.shape) == 2 for w in layer.weights
                                             if "kernel" in w.name or "embeddings" in w.name):
            return sparsity.prune_low_magnitude(layer, block_size=tuple(cfg.block_size), **kwargs)
        return sparsity.prune_low_magnitude(layer, **kwargs)

    with keras.utils.custom_object_scope(CUSTOM_OBJECTS):
        copy = keras.models.clone_model(graph)
        copy.set_weights(graph.get_weights())
        return keras.models.clone_model(copy, clone_function=wrap)


def strip(graph: keras.Model) -> keras.Model:
    with keras.utils.custom_object_scope(CUSTOM_OBJECTS):
        return sparsity.strip_pruning(graph)


def prune(graph: keras.Model, cfg: PruneConfig, fit: FitData, teacher: SequenceModel | None,
          distill_cfg: DistillConfig, batch_size: int, max_steps_per_epoch: int | None = None,
          recover: TrainSpec | None = None) -> tuple[keras.Model, TrainResult]:
    """Prune to cfg.target_sparsity while fine-tuning with the distillation loss; return stripped.

    Two phases: the ramp (`cfg.epochs`; sparsity reaches the target after 70% of its steps)
    runs to its end, then, with `recover` (a schedule, e.g. the student's plateau one), the
    model keeps training at the target sparsity until validation stops improving, and the
    best of those epochs is kept (never a weight set from before the target was reached).
    """
    end_step = int(0.7 * cfg.epochs * steps_per_epoch(len(fit.inputs), batch_size, max_steps_per_epoch))
    wrapped = wrap_for_pruning(graph, cfg, end_step)
    spec = TrainSpec(cfg.epochs, batch_size, cfg.learning_rate, **distill_cfg.loss_terms(teacher is not None),
                     eval_every=max(1, cfg.epochs),
                     restore_best=False,  # the schedule must run to the end
                     max_steps_per_epoch=max_steps_per_epoch)
    result = train(views(wrapped), fit, spec, desc="prune", teacher=teacher,
                   callbacks=[sparsity.UpdatePruningStep()])
    if recover is not None and recover.epochs > 0:
        rec = train(views(wrapped), fit, replace(recover, **distill_cfg.loss_terms(teacher is not None)),
                    desc="prune (recover)", teacher=teacher, callbacks=[sparsity.UpdatePruningStep()])
        last = result.history[-1]["epoch"] if result.history else 0
        result = TrainResult(result.epochs_run + rec.epochs_run, cfg.epochs + rec.best_epoch,
                             rec.best_val_ndcg10, result.seconds + rec.seconds,
                             result.history + [{**row, "epoch": row["epoch"] + last} for row in rec.history])
    return strip(wrapped), result


def weight_sparsity(graph: keras.Model) -> float:
    """Fraction of zeros over the weights of the prunable layers."""
    ws = [w.numpy() for layer in graph.layers if _prunable(layer) for w in layer.weights
          if "kernel" in w.name or "embeddings" in w.name]
    total = sum(w.size for w in ws)
    return float(sum((w == 0).sum() for w in ws) / total) if total else 0.0
