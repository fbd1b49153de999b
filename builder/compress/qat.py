"""Sparsity-preserving quantization-aware training (TFMOT), the item table included.

annotate -> quantize_apply(Default8BitPrunePreserveQuantizeScheme) -> fine-tune with
the distillation loss. TFMOT's registry knows Conv2D, Dense and Add; the custom
layers get the QuantizeConfigs below. Details that make the converted model
fully int8 with the table stored once (see also ItemEmbedding):

- the int32 ids pass through an un-annotated identity: otherwise quantize_apply
  puts a float FakeQuant on them (TypeError);
- the shared table is quantized per tensor (GATHER cannot express per-channel
  scales), with the prune-preserving weight quantizer and no output quantizer
  (the layer is called for the lookup and for the scores: one range cannot fit both);
  a low-rank table's B likewise, and its lookup rows A[id] @ B carry their own exact range;
  a shared (weight-sharing) table's rows are one such table, its int16 `slots` stay as they are,
  and its lookup sums and score parts carry their own ranges (SharedItemEmbedding);
- the training view's logits stay float; the serving view's scores are fake-quantized
  by their ScoreFloor on its calibrated [floor, ceiling] (`calibrate_score_floor`
  must run before conversion), the int8 output range of the .tflite;
- LastStep/Dropout are wrapped with a no-op config (the prune-preserve registry
  claims weightless custom layers and then fails on them);
- the serving view calls the training view's conv/pool/residual layers again on its
  receptive field (builder.models.student), so it shares their weights and their
  quantization ranges, which are calibrated (and learned) on the training view: a layer's
  first call, every position.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np

from builder._keras import keras, tf, tfmot
from builder.config import DistillConfig, QATConfig
from builder.models.layers import CUSTOM_OBJECTS
from builder.models.student import views
from builder.models.teacher import SequenceModel
from builder.training import FitData, TrainResult, TrainSpec, train

Q = tfmot.quantization.keras


def _prune_preserving_weight_quantizer() -> Any:
    from tensorflow_model_optimization.python.core.quantization.keras.collab_opts.prune_preserve import (
        prune_preserve_quantize_registry as registry)

    return registry.PrunePreserveDefault8BitWeightsQuantizer()


class _Config(Q.QuantizeConfig):
    """Base: no weights, no activations, no output quantizer; stateless (survives cloning)."""

    def get_weights_and_quantizers(self, layer: Any) -> list:
        return []

    def get_activations_and_quantizers(self, layer: Any) -> list:
        return []

    def set_quantize_weights(self, layer: Any, quantize_weights: list) -> None:
        pass

    def set_quantize_activations(self, layer: Any, quantize_activations: list) -> None:
        pass

    def get_output_quantizers(self, layer: Any) -> list:
        return []

    def get_config(self) -> dict:
        return {}


class TableQuantizeConfig(_Config):
    """Shared item table: per-tensor symmetric int8, sparsity preserved. A low-rank table's
    factor B gets its own per-tensor int8 weights (the lookup's FULLY_CONNECTED)."""

    def get_weights_and_quantizers(self, layer: Any) -> list:
        weights = [layer.embeddings] + ([layer.projection] if layer.rank else [])
        return [(w, _prune_preserving_weight_quantizer()) for w in weights]

    def set_quantize_weights(self, layer: Any, quantize_weights: list) -> None:
        layer.embeddings = quantize_weights[0]
        if layer.rank:
            layer.projection = quantize_weights[1]
        layer.lookup_fake_quant = True


class ScoreQuantizeConfig(_Config):
    """ScoreFloor: fake-quantizes its own output on its calibrated range."""

    def set_quantize_weights(self, layer: Any, quantize_weights: list) -> None:
        layer.fake_quant = True


class NoOpQuantizeConfig(_Config):
    """Wrapped without quantizers: the output keeps its input's range."""


QUANTIZE_OBJECTS = {**CUSTOM_OBJECTS, "TableQuantizeConfig": TableQuantizeConfig,
                    "ScoreQuantizeConfig": ScoreQuantizeConfig,
                    "NoOpQuantizeConfig": NoOpQuantizeConfig}


def _annotation(layer: keras.layers.Layer) -> tuple[bool, Q.QuantizeConfig | None]:
    """(annotate?, config) for one student layer; config None = TFMOT's registry."""
    name = layer.name
    if name == "items":
        return True, TableQuantizeConfig()
    if name == "scores":
        return True, ScoreQuantizeConfig()
    if name in ("last", "dropout"):
        return True, NoOpQuantizeConfig()
    if name in ("user", "pool") or name.startswith("residual") or name.startswith("conv"):
        return True, None
    return False, None  # input, ids (must stay float-free), reshapes, padding


def prepare(graph: keras.Model) -> keras.Model:
    """Annotate the student graph and apply the sparsity-preserving 8-bit scheme."""

    def annotate(layer: keras.layers.Layer) -> keras.layers.Layer:
        yes, cfg = _annotation(layer)
        return Q.quantize_annotate_layer(layer, cfg) if yes else layer

    with Q.quantize_scope(QUANTIZE_OBJECTS):
        copy = keras.models.clone_model(graph)
        copy.set_weights(graph.get_weights())
        annotated = keras.models.clone_model(copy, clone_function=annotate)
        return Q.quantize_apply(
            annotated, scheme=tfmot.experimental.combine.Default8BitPrunePreserveQuantizeScheme())


_RANGE_VAR = re.compile(r"quant_(.+)/(post_activation|output)_(min|max):0")


def calibrate_ranges(qgraph: keras.Model, graph: keras.Model, histories: np.ndarray,
                     batch_size: int = 256) -> int:
    """Start the QAT graph's activation ranges where post-training calibration would put them.

    TFMOT initialises every activation range to [-6, 6] and moves it by an EMA with decay
    0.999, so a fine-tune spends thousands of steps with badly clipped or coarse ranges.
    Here each `quant_<layer>/{post_activation,output}_{min,max}` is set to the min/max
    (0 included, as TFLite requires) of `<layer>`'s output in the float `graph` on
    `histories`; weight ranges are taken from the weights by one training-mode call.
    Returns the number of ranges set.
    """
    qgraph(tf.constant(histories[:1]), training=True)  # LastValue weight quantizers: their weights
    targets: dict[str, list[Any]] = {}
    for var in qgraph.weights:
        m = _RANGE_VAR.fullmatch(var.name)
        if m:
            targets.setdefault(m.group(1), []).append((m.group(3), var))
    with keras.utils.custom_object_scope(CUSTOM_OBJECTS):  # fresh layers: one node each, in this graph
        fresh = keras.models.clone_model(graph)
    fresh.set_weights(graph.get_weights())
    outputs, names = [], []
    for name in targets:
        try:
            outputs.append(fresh.get_layer(name).output)
            names.append(name)
        except (ValueError, AttributeError):  # no such float layer; a shared layer's .output is its first call
            continue
    if not names:
        return 0
    probe = keras.Model(fresh.inputs, outputs)
    lo = {n: 0.0 for n in names}
    hi = {n: 0.0 for n in names}
    for start in range(0, len(histories), batch_size):
        acts = probe(tf.constant(histories[start:start + batch_size]), training=False)
        for n, a in zip(names, acts if len(names) > 1 else [acts]):
            lo[n] = min(lo[n], float(tf.reduce_min(a)))
            hi[n] = max(hi[n], float(tf.reduce_max(a)))
    for n in names:
        for which, var in targets[n]:
            var.assign(lo[n] if which == "min" else hi[n])
    return sum(len(targets[n]) for n in names)


def qat(graph: keras.Model, cfg: QATConfig, fit: FitData, teacher: SequenceModel | None,
        distill_cfg: DistillConfig, batch_size: int,
        max_steps_per_epoch: int | None = None,
        schedule: TrainSpec | None = None) -> tuple[keras.Model, TrainResult]:
    """prepare() then fine-tune with the distillation loss; returns the QAT graph.

    `schedule` (e.g. the student's plateau one) decides when to stop, evaluated every
    epoch (its patience kept in epochs), capped at `cfg.epochs`, at `cfg.learning_rate`; without it the fine-tune runs
    all `cfg.epochs`. Either way the best validation epoch is kept."""
    qgraph = prepare(graph)
    rng = np.random.default_rng(0)
    calibrate_ranges(qgraph, graph, fit.inputs[rng.choice(len(fit.inputs), min(1024, len(fit.inputs)),
                                                          replace=False)])
    spec = TrainSpec(cfg.epochs, batch_size, cfg.learning_rate, patience=max(1, cfg.epochs), eval_every=1,
                     max_steps_per_epoch=max_steps_per_epoch)
    if schedule is not None:
        # validated every epoch, with the same patience in epochs as the schedule it came from
        spec = replace(schedule, epochs=cfg.epochs, learning_rate=cfg.learning_rate, eval_every=1,
                       patience=schedule.patience * schedule.eval_every, batch_size=batch_size,
                       max_steps_per_epoch=max_steps_per_epoch)
    # the calibrated, not yet fine-tuned model is epoch 0: kept when no fine-tuned epoch beats it
    spec = replace(spec, **distill_cfg.loss_terms(teacher is not None), eval_at_start=True)
    result = train(views(qgraph), fit, spec, desc="qat", teacher=teacher)
    return qgraph, result
