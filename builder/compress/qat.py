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
- the training view's logits stay float; the serving view's scores are fake-quantized
  by their ScoreFloor on its calibrated [floor, ceiling] (`calibrate_score_floor`
  must run before conversion), the int8 output range of the .tflite;
- LastStep/Dropout are wrapped with a no-op config (the prune-preserve registry
  claims weightless custom layers and then fails on them).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from builder._keras import keras, tfmot
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
    """Shared item table: per-tensor symmetric int8, sparsity preserved."""

    def get_weights_and_quantizers(self, layer: Any) -> list:
        return [(layer.embeddings, _prune_preserving_weight_quantizer())]

    def set_quantize_weights(self, layer: Any, quantize_weights: list) -> None:
        layer.embeddings = quantize_weights[0]
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


def qat(graph: keras.Model, cfg: QATConfig, fit: FitData, teacher: SequenceModel | None,
        distill_cfg: DistillConfig, batch_size: int,
        max_steps_per_epoch: int | None = None,
        schedule: TrainSpec | None = None) -> tuple[keras.Model, TrainResult]:
    """prepare() then fine-tune with the distillation loss; returns the QAT graph.

    `schedule` (e.g. the student's plateau one) decides when to stop, evaluated every
    epoch (its patience kept in epochs), capped at `cfg.epochs`, at `cfg.learning_rate`; without it the fine-tune runs
    all `cfg.epochs`. Either way the best validation epoch is kept."""
    qgraph = prepare(graph)
    spec = TrainSpec(cfg.epochs, batch_size, cfg.learning_rate, patience=max(1, cfg.epochs), eval_every=1,
                     max_steps_per_epoch=max_steps_per_epoch)
    if schedule is not None:
        # validated every epoch, with the same patience in epochs as the schedule it came from
        spec = replace(schedule, epochs=cfg.epochs, learning_rate=cfg.learning_rate, eval_every=1,
                       patience=schedule.patience * schedule.eval_every, batch_size=batch_size,
                       max_steps_per_epoch=max_steps_per_epoch)
    spec = replace(spec, alpha=distill_cfg.alpha, temperature=distill_cfg.temperature)
    result = train(views(qgraph), fit, spec, desc="qat", teacher=teacher)
    return qgraph, result
