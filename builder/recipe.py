"""A build recipe: the ordered steps after the teacher, each a registered step with a frozen config.

A recipe is data (`BuildConfig.recipe`, a list of `{step: <name>, <key>: <override>...}`).
`resolve(cfg)` turns it into Steps, checked before anything is written: unknown
steps, bad overrides and impossible orders are a ConfigError naming `recipe[i]`.
`run_recipe(ctx, steps)` then runs `for step in steps`: each step is one function
(ctx, chain, config) -> (chain, report rows). The Chain carries what flows from
step to step: the current student graph, the cache key of everything upstream,
and the distillation settings the fine-tunes share.
A new technique is a config class, a function and one `register()` call.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from builder.config import (BuildConfig, ConfigError, DistillConfig, PruneConfig, StudentConfig,
                            key_fields)
from builder.results import StageResult

if TYPE_CHECKING:  # builder.pipeline imports this module
    from builder.pipeline import Trained


@dataclass(frozen=True)
class Chain:
    """What one step hands the next."""

    graph: Any = None  # the current student graph (None before the first training step)
    key: str = ""  # cache key of the chain so far
    what: str = ""  # the current graph in words (report descriptions)
    distill: DistillConfig | None = None  # the loss every fine-tune distils with
    val: float | None = None  # the current graph's best validation NDCG@10 in training
    stage: str = ""  # the report row of the current (float) graph
    student: StudentConfig | None = None  # the current graph's architecture (its width chosen by distill)
    int8: StageResult | None = None  # the QAT step's row: the int8 model a transition head attaches to


@dataclass(frozen=True)
class StepDef:
    """A registered step: its config section, what it needs and makes, and its function."""

    name: str
    run: Callable[..., tuple[Chain, list[StageResult]]]
    section: str | None  # BuildConfig section with its defaults; None = takes no options
    stage: Callable[[str], str]  # current label -> default stage (report row) name
    label: str | None = None  # label of the chain after it (None: unchanged)
    needs_student: bool = True
    int8: bool = False  # exports an int8 model: may end the recipe (the shipped model)
    terminal: bool = False  # nothing may follow it (its graph is no longer a float student)
    follows: str | None = None  # it must come right after this step (even a terminal one)


@dataclass(frozen=True)
class Step:
    definition: StepDef
    config: Any
    stage: str
    index: int


REGISTRY: dict[str, StepDef] = {}


def register(step: StepDef) -> StepDef:
    REGISTRY[step.name] = step
    return step


def resolve(cfg: BuildConfig) -> list[Step]:
    """The config's recipe as Steps with their resolved configs; ConfigError on any problem."""
    steps: list[Step] = []
    label, have_student, names = "student", False, set()
    for i, entry in enumerate(cfg.recipe):
        where = f"recipe[{i}]"
        d = REGISTRY.get(entry["step"])
        if d is None:
            raise ConfigError(f"config key '{where}.step': unknown step {entry['step']!r} "
                              f"(registered: {', '.join(REGISTRY)})")
        if d.follows is not None and (not steps or steps[-1].definition.name != d.follows):
            raise ConfigError(f"config key '{where}': step '{d.name}' must come right after a "
                              f"'{d.follows}' step")
        if steps and steps[-1].definition.terminal and d.follows != steps[-1].definition.name:
            raise ConfigError(f"config key '{where}': nothing can follow "
                              f"'{steps[-1].definition.name}' (its model is quantized)")
        if d.needs_student and not have_student:
            raise ConfigError(f"config key '{where}': step '{d.name}' needs a student; put a "
                              "'distill' step before it")
        options = {k: v for k, v in entry.items() if k not in ("step", "name")}
        if d.name == "assistant":  # a teacher: a dense table unless the entry says otherwise
            options = {"table_rank": 0, "table_buckets": 0, "table_head": None, **options}
            options.setdefault("dim", assistant_dim(cfg.student.dim, cfg.teacher.dim))
            if "max_dim" not in options:  # widened on validation as far as the student may be (0 = never)
                options["max_dim"] = max(cfg.student.max_dim, options["dim"]) if cfg.student.max_dim else 0
        config = _step_config(cfg, d, options, where)
        stage = entry.get("name") or d.stage(label)
        if not isinstance(stage, str) or stage in names or stage in RESERVED_STAGES:
            raise ConfigError(f"config key '{where}.name': stage name {stage!r} is taken; "
                              "give this step another `name:`")
        if (d.name == "assistant" and cfg.distill.item_init == "teacher_pca"
                and not cfg.student.dim <= config.dim <= cfg.teacher.dim):
            raise ConfigError(f"config key '{where}.dim': the assistant ({config.dim}) must be at least as "
                              f"wide as the student ({cfg.student.dim}) and at most as wide as the teacher "
                              f"({cfg.teacher.dim}): each item table starts from the PCA of the one before")
        names.add(stage)
        steps.append(Step(d, config, stage, i))
        have_student = have_student or d.label == "student"
        label = d.label or label
    if not steps[-1].definition.int8:
        raise ConfigError(f"config key 'recipe[{len(steps) - 1}]': the last step must export the "
                          f"int8 model ({', '.join(n for n, d in REGISTRY.items() if d.int8)})")
    return steps


RESERVED_STAGES = ("teacher", "most_popular", "item_transition")


def assistant_dim(student_dim: int, teacher_dim: int) -> int:
    """An assistant's default width: the power of two nearest the geometric mean of the student's
    and the teacher's (32 and 128 -> 64; ties go to the wider), kept between the two: halfway
    between them in capacity, as TAKD places its assistants."""
    mid = math.sqrt(student_dim * teacher_dim)
    return min(max(2 ** math.floor(math.log2(mid) + 0.5), student_dim), max(student_dim, teacher_dim))


def _step_config(cfg: BuildConfig, d: StepDef, options: dict[str, Any], where: str) -> Any:
    from builder.config import _from_dict

    if d.section is None:
        if options:
            raise ConfigError(f"config key '{where}.{next(iter(options))}': step '{d.name}' takes no options")
        return None
    base = getattr(cfg, d.section)
    try:
        return _from_dict(type(base), {**asdict(base), **options}, prefix=f"{where}.")
    except ConfigError as e:
        raise ConfigError(f"{where} ({d.name}): {e}") from e


def run_recipe(ctx: Any, steps: list[Step], echo: bool = True) -> list[StageResult]:
    """Run the steps in order; with `echo` every report row is printed as it is made."""
    from builder.pipeline import summary_line

    chain, rows = Chain(), []
    for step in steps:
        chain, made = step.definition.run(ctx, chain, step)
        for row in made:
            if echo:
                ctx.progress.info(summary_line(row))
        rows += made
    return rows


# --- the registered steps -------------------------------------------------------------------


def _architecture(sc: StudentConfig, max_len: int) -> str:
    pool = f", causal average(w={min(sc.pool_window, max_len)})" if sc.pool_window else ""
    table = f"shared low-rank item table (rank {sc.table_rank})" if sc.table_rank else "shared item table"
    if sc.table_buckets:
        table = (f"shared weight-sharing item table ({sc.shared_head} own rows, the rest quotient-remainder "
                 f"over {sc.table_buckets} buckets)")
    return f"dim {sc.dim}, {sc.conv_layers} causal conv(k={sc.kernel_size}){pool} + residual, dense, {table}"


def _ablation(ctx: Any, chain: Chain, step: Step) -> tuple[Chain, list[StageResult]]:
    """The same student trained on hard labels only, from a random init: what the teacher buys.
    After a distill step it has the distilled student's width (which validation may have widened)."""
    from builder.compress.distill import distill
    from builder.models.student import build_student
    from builder.pipeline import cached_or_train, student_stage

    sc: StudentConfig = step.config
    if chain.student is not None:
        sc = replace(sc, dim=chain.student.dim)
    reseed(ctx, step.stage)
    graph, v = build_student(ctx.dataset.num_items, ctx.max_len, sc)
    meta, cached, secs = cached_or_train(
        ctx, step.stage, ctx.key("", ctx.cfg.data, architecture_key(sc),
                                 *([{"negatives": ctx.cfg.distill.negatives}] if ctx.cfg.distill.negatives else [])),
        graph,
        lambda: {"train": asdict(distill(v, None, ctx.cfg.distill, sc, ctx.fit_data(), desc="student (no KD)"))})
    return chain, [student_stage(ctx, step.stage, v.last,
                                 f"student without distillation ({_architecture(sc, ctx.max_len)}), "
                                 "fp32 - ablation", seconds=secs, cached=cached, extra={"train": meta["train"]})]


def reseed(ctx: Any, stage: str) -> None:
    """Every trained stage starts from its own seed (builder.training.stage_seed)."""
    from builder.training import set_seed, stage_seed

    set_seed(stage_seed(ctx.cfg.seed, stage))


def architecture_key(sc: StudentConfig) -> dict[str, Any]:
    """What a trained student's cache key depends on: its config less the widening limit, and
    less the table options left at their defaults (the keys of dense students predate them)."""
    return key_fields(sc, drop=("max_dim",), new=("table_rank", "table_buckets", "table_head", "optimizer"))


def _train_distilled(ctx: Any, step: Step, sc: StudentConfig, dc: DistillConfig,
                     desc: str, cache_name: str | None = None) -> Trained:
    """A student of config `sc` distilled from the current teacher with `dc`, cached under the
    teacher's key; its model is (graph, views)."""
    from builder.compress.distill import distill
    from builder.models.student import build_student
    from builder.pipeline import Trained, cached_or_train

    reseed(ctx, cache_name or step.stage)
    graph, v = build_student(ctx.dataset.num_items, ctx.max_len, sc)
    key = ctx.key(ctx.teacher_key, architecture_key(sc), dc)
    meta, cached, secs = cached_or_train(
        ctx, cache_name or step.stage, key, graph,
        lambda: {"train": asdict(distill(v, ctx.teacher, dc, sc, ctx.fit_data(), desc=desc))})
    return Trained(sc, (graph, v), key, meta, cached, secs)


def _assistant(ctx: Any, chain: Chain, step: Step) -> tuple[Chain, list[StageResult]]:
    """A teacher assistant (TAKD): a wider student distilled from the teacher. When its
    validation NDCG@10 beats the teacher's, it becomes the teacher of every later step
    (soft labels, item-table init, fine-tunes); otherwise it is only reported.

    Its width is chosen on validation: it is a teacher, never shipped, so it doubles (up to
    `max_dim` and the teacher's width) while the wider one is better on validation, and the
    best is the assistant. (A rule that stopped once it beat SASRec left a dim-64 assistant
    below its own dim-64 student on the synthetic catalog; where dim 128 was tried it was the
    better teacher.)
    """
    from builder.pipeline import student_stage

    sc: StudentConfig = step.config
    dc = ctx.cfg.distill
    before = ctx.teacher_val
    tried = _widened(ctx, step, sc, dc, "assistant", min(sc.max_dim, ctx.teacher_dim), wider_while_better)
    run = max(tried, key=lambda t: t.val)
    sc, (_, v), val = run.config, run.model, run.val
    takes_over = val > before
    widths = ("" if len(tried) == 1 else "; width chosen on validation: "
              + ", ".join(f"dim {t.config.dim} {t.val:.4f}" for t in tried))
    verdict = (f"validation NDCG@10 {val:.4f} vs the teacher's {before:.4f}: "
               + ("becomes the teacher of the next steps" if takes_over else "not better, the teacher stays"))
    row = student_stage(ctx, step.stage, v.last,
                        f"teacher assistant ({_architecture(sc, ctx.max_len)}; alpha {dc.alpha}, T "
                        f"{dc.temperature}{widths}), distilled from the teacher, fp32; {verdict}",
                        seconds=sum(t.seconds for t in tried), cached=all(t.cached for t in tried),
                        extra={"train": run.meta["train"], "takes_over": takes_over,
                               "widths_val_ndcg10": {t.config.dim: t.val for t in tried}})
    ctx.progress.info(f"{step.stage}: {verdict}")
    if takes_over:
        ctx.teacher, ctx.teacher_key, ctx.teacher_val, ctx.teacher_stage = v, run.key, val, step.stage
    return chain, [row]


def _distill(ctx: Any, chain: Chain, step: Step) -> tuple[Chain, list[StageResult]]:
    """The student, trained on the teacher's soft labels (and its item table, teacher_pca).

    Its capacity is chosen on validation (`student.max_dim`): while its best validation
    NDCG@10 is more than `evaluate.max_ndcg_drop` below the teacher's, the width doubles
    (up to max_dim) and the student is distilled again; the best on validation goes on.
    """
    from builder.pipeline import student_stage

    dc: DistillConfig = step.config
    sc = ctx.cfg.student
    drop = ctx.cfg.evaluate.max_ndcg_drop
    limit = sc.max_dim if dc.item_init != "teacher_pca" else min(sc.max_dim, ctx.teacher_dim)
    tried = _widened(ctx, step, sc, dc, "student", limit, below_teacher(drop, ctx.teacher_val))
    best = max(tried, key=lambda t: t.val)
    sc, (graph, v) = best.config, best.model
    widths = ""
    if len(tried) > 1:
        widths = ("; width chosen on validation: " + ", ".join(f"dim {t.config.dim} {t.val:.4f}" for t in tried)
                  + f" (teacher {ctx.teacher_val:.4f})")
        ctx.progress.info(f"{step.stage}: keeps dim {sc.dim}{widths}")
    init = "; item table from the teacher's (PCA)" if dc.item_init == "teacher_pca" else ""
    cap = f", at most {dc.max_candidates} items" if dc.max_candidates else ""
    tops = f"the teacher's top {dc.top_k} per position, " if dc.top_k else ""
    over = (f"; KD on per-batch candidate sets (targets, {tops}{dc.negatives} popularity draws{cap})"
            if dc.negatives else "")
    row = student_stage(ctx, step.stage, v.last,
                        f"distilled student ({_architecture(sc, ctx.max_len)}; alpha {dc.alpha}, "
                        f"T {dc.temperature}{init}{over}{widths}), fp32",
                        seconds=sum(t.seconds for t in tried), cached=all(t.cached for t in tried),
                        extra={"train": best.meta["train"],
                               "widths_val_ndcg10": {t.config.dim: t.val for t in tried}})
    return Chain(graph, best.key, "distilled student", distill=dc, val=best.val,
                 stage=step.stage, student=sc), [row]


def _widened(ctx: Any, step: Step, sc: StudentConfig, dc: DistillConfig, label: str, limit: int,
             widen: Callable[[list[float]], str | None]) -> list[Trained]:
    """`sc` distilled from the current teacher, then again at double the width (up to `limit`)
    while `widen` (the validation NDCG@10 of every width so far) gives a reason;
    -> every width tried, in order (cached as the stage, then `<stage>_dim<d>`)."""
    tried: list[Trained] = []
    while True:
        name = step.stage if not tried else f"{step.stage}_dim{sc.dim}"
        run = _train_distilled(ctx, step, sc, dc, f"{label} (dim {sc.dim})", cache_name=name)
        tried.append(run)
        reason = widen([t.val for t in tried])
        if reason is None or limit <= sc.dim:
            return tried
        wider = min(2 * sc.dim, limit)
        ctx.progress.info(f"{step.stage}: dim {sc.dim} validation NDCG@10 {run.val:.4f} {reason}: trying dim {wider}")
        sc = replace(sc, dim=wider)


def below_teacher(max_drop: float, teacher_val: float) -> Callable[[list[float]], str | None]:
    """The student's rule: widen while the latest width's validation NDCG@10 is more than
    `max_drop` (relative) below the teacher's."""
    def widen(vals: list[float]) -> str | None:
        if teacher_val <= 0 or vals[-1] >= (1.0 - max_drop) * teacher_val:
            return None
        return f"is more than {max_drop:.0%} below the teacher's {teacher_val:.4f}"
    return widen


def wider_while_better(vals: list[float]) -> str | None:
    """A teacher's rule (the assistant): widen after the first width, and again while the
    latest width beat the one before on validation."""
    if len(vals) == 1:
        return "(the assistant is a teacher, never shipped: the wider one is tried too)"
    if vals[-1] > vals[-2]:
        return f"beats the narrower one's {vals[-2]:.4f}"
    return None


def _ptq(ctx: Any, chain: Chain, step: Step) -> tuple[Chain, list[StageResult]]:
    """Post-training full-integer int8 of the current student (calibrated on training windows)."""
    from builder.models.student import views
    from builder.pipeline import student_stage

    row = student_stage(ctx, step.stage, views(chain.graph).last,
                        f"{chain.what}, post-training int8 quantization", "ptq")
    return chain, [row]


def _fine_tune(ctx: Any, chain: Chain, step: Step, target: Any, technique: Any,
               **kwargs: Any) -> tuple[dict, bool, float, str]:
    """`technique(chain.graph, step.config, ..., **kwargs)` with the chain's distillation loss, its
    weights copied into `target`, cached under the chain's key + the step's config;
    -> (meta, cached, seconds, key)."""
    from builder.pipeline import cached_or_train

    sc = chain.student or ctx.cfg.student
    key = ctx.key(chain.key, step.config, chain.distill)
    reseed(ctx, step.stage)

    def run() -> dict:
        trained, tr = technique(chain.graph, step.config, ctx.fit_data(), ctx.teacher, chain.distill,
                                sc.batch_size, sc.max_steps_per_epoch, **kwargs)
        target.set_weights(trained.get_weights())
        return {"train": asdict(tr)}

    meta, cached, secs = cached_or_train(ctx, step.stage, key, target, run)
    return meta, cached, secs, key


def _prune(ctx: Any, chain: Chain, step: Step) -> tuple[Chain, list[StageResult]]:
    """TFMOT magnitude pruning fine-tuned with the chain's distillation loss (wrap -> strip).

    Validation decides whether the pruned weights go on: when the pruned student's best
    validation NDCG@10 falls more than `max_val_drop` (relative) below the model it started
    from, the row is still reported (what pruning would cost) but the chain keeps the
    unpruned weights. Test users play no part in the decision.
    """
    from builder.compress.prune import prune, weight_sparsity
    from builder.models.student import build_student
    from builder.pipeline import student_stage
    from builder.training import spec_from

    pc: PruneConfig = step.config
    sc = chain.student or ctx.cfg.student
    graph, v = build_student(ctx.dataset.num_items, ctx.max_len, sc)
    # recovery at the target sparsity: the student's own (validation-driven) schedule
    recover = replace(spec_from(sc), epochs=pc.recover_epochs, learning_rate=pc.learning_rate)
    meta, cached, secs, key = _fine_tune(ctx, chain, step, graph, prune, recover=recover)
    sp = weight_sparsity(graph)
    val = meta["train"]["best_val_ndcg10"]
    kept, verdict = pruning_verdict(val, chain.val, pc.max_val_drop)
    what = f"{chain.what} after magnitude pruning to {pc.target_sparsity:.0%}"
    row = student_stage(ctx, step.stage, v.last,
                        f"{what} ({pc.structure}, item table included), fp32; weight sparsity {sp:.1%}; "
                        f"{verdict}", seconds=secs, cached=cached,
                        extra={"train": meta["train"], "weight_sparsity": sp, "kept": kept})
    if not kept:
        ctx.progress.info(f"{step.stage}: {verdict}")
        return replace(chain, what=f"{chain.what} (pruning rejected on validation)"), [row]
    return replace(chain, graph=graph, key=key, what=what, val=val, stage=step.stage), [row]


def pruning_verdict(val: float, before: float | None, max_drop: float) -> tuple[bool, str]:
    """Keep the pruned weights? -> (kept, the reason in words)."""
    if before is None or before <= 0:
        return True, "kept (no validation score to compare with)"
    change = val / before - 1.0
    if change >= -max_drop:
        return True, f"kept: validation NDCG@10 {val:.4f} vs {before:.4f} unpruned ({change:+.1%}, limit -{max_drop:.0%})"
    return False, (f"rejected on validation: NDCG@10 {val:.4f} vs {before:.4f} unpruned ({change:+.1%}, "
                   f"limit -{max_drop:.0%}); the next steps use the unpruned weights")


def _qat(ctx: Any, chain: Chain, step: Step) -> tuple[Chain, list[StageResult]]:
    """Sparsity-preserving QAT (TFMOT) fine-tuned with the chain's loss -> full-integer int8."""
    from builder.compress.qat import prepare, qat
    from builder.models.student import views
    from builder.pipeline import agreement, student_stage
    from builder.training import spec_from

    qgraph = prepare(chain.graph)
    meta, cached, secs, key = _fine_tune(ctx, chain, step, qgraph, qat,
                                      schedule=spec_from(chain.student or ctx.cfg.student))
    source = views(chain.graph).last
    row = student_stage(ctx, step.stage, views(qgraph).last,
                        f"{chain.what}, then sparsity-preserving QAT (TFMOT, item table included; ranges "
                        f"calibrated on training windows; best validation epoch {meta['train']['best_epoch']} "
                        "of the fine-tune, 0 = calibrated only), full-integer int8 .tflite", "qat", params_of=source,
                        seconds=secs, cached=cached, extra={"train": meta["train"]})
    row.extra["agreement_top10_vs_float"] = agreement(ctx, step.stage, source)
    row.extra["float_source"] = chain.stage
    return replace(chain, graph=qgraph, key=key, val=meta["train"]["best_val_ndcg10"], int8=row), [row]


def _transition(ctx: Any, chain: Chain, step: Step) -> tuple[Chain, list[StageResult]]:
    """The transition head (builder.models.transition) on the QAT model, where validation wants one.

    Every candidate head is scored on the validation users with the QAT .tflite's own scores
    (LiteRT) plus the head; the best is exported (re-converted with the head in the graph) and
    evaluated on test like every stage, beside the QAT row it extends. When no candidate beats
    the model alone, nothing is exported and the QAT model stays the shipped one.
    """
    from builder.evaluate.bootstrap import Bootstrap
    from builder.evaluate.evaluator import tflite_scorer
    from builder.models.student import views
    from builder.models.transition import choose_head, file_bytes
    from builder.pipeline import student_stage

    t0 = time.perf_counter()
    tc = step.config
    base = chain.int8
    n = ctx.dataset.num_items
    sizes = tuple(k for k in tc.sizes if not tc.max_bytes or base.size_bytes + file_bytes(n, k) <= tc.max_bytes)
    if not sizes:
        why = f"no head fits beside {base.size_bytes:,} B within {tc.max_bytes:,} B"
        base.extra["transition_head"] = {"chosen": None, "why": why, "tried": []}
        ctx.progress.info(f"{step.stage}: {why}")
        return chain, []
    ctx.progress.info(f"{step.stage}: trying {len(sizes) * len(tc.smoothings) * len(tc.weights)} "
                      f"transition heads on {base.name}'s validation scores")
    valid = ctx.fit_data().valid
    ev = ctx.cfg.evaluate
    choice = choose_head(tflite_scorer(ctx.run_dir / base.tflite), valid, ctx.max_len,
                         ctx.dataset.train_sequences(), n, sizes, tc.smoothings,
                         tc.weights, Bootstrap.create(len(valid), ev.bootstrap_samples, ev.confidence, ctx.cfg.seed))
    decision = {"chosen": None if choice.head is None else choice.head.describe(),
                "val_ndcg10_without": choice.without, "val_ndcg10_with": choice.best, "tried": choice.tried}
    base.extra["transition_head"] = decision
    if choice.head is None:
        best = max(choice.tried, key=lambda t: t["val_ndcg@10"])
        ctx.progress.info(f"{step.stage}: no head: the best (size {best['size']}, weight {best['weight']}) "
                          f"reaches validation NDCG@10 {best['val_ndcg@10']:.4f} vs {choice.without:.4f} "
                          f"without, not above it with a paired CI > 0; {base.name} stays the shipped model")
        return chain, []
    h = choice.head
    desc = (f"{base.name} + transition head (each item's {h.size} most frequent successors, smoothing "
            f"{h.smoothing:g}, weight {h.weight:g}; {h.nbytes / 1024:.1f} KiB of {h.ids.dtype.name} ids and uint8 "
            f"boosts), chosen on validation: NDCG@10 {choice.best:.4f} vs {choice.without:.4f} without; "
            f"the int8 .tflite with the head's table ({h.ids.dtype.name} + uint8) added to its dequantized "
            "scores in the graph")
    row = student_stage(ctx, step.stage, views(chain.graph).last, desc, "qat", head=h,
                        extra={"transition_head": decision, "float_source": base.extra.get("float_source")})
    row.seconds = time.perf_counter() - t0  # the choice, the conversion and the evaluation
    row.params, row.nonzero_params = base.params + h.ids.size, base.nonzero_params + int(
        np.count_nonzero(h.codes))
    return chain, [row]


register(StepDef("ablation", _ablation, "student", lambda _: "student_nodistill_fp32", needs_student=False))
register(StepDef("assistant", _assistant, "student", lambda _: "assistant_fp32", needs_student=False))
register(StepDef("distill", _distill, "distill", lambda _: "student_fp32", label="student", needs_student=False))
register(StepDef("ptq", _ptq, None, lambda label: f"{label}_ptq_int8", int8=True))
register(StepDef("prune", _prune, "prune", lambda _: "pruned_fp32", label="pruned"))
register(StepDef("qat", _qat, "qat", lambda _: "final_int8", label="qat", int8=True, terminal=True))
register(StepDef("transition", _transition, "transition", lambda _: "final_int8_transition", int8=True,
                 terminal=True, follows="qat"))

