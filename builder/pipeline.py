"""The build: data + teacher + a recipe, each stage evaluated with the same protocol.

data -> baselines -> teacher -> `for step in recipe` (builder.recipe) -> the last
step's int8 model is shipped (model.tflite + model.json) -> report. Every stage that
has a .tflite is evaluated by running that file through LiteRT; Keras numbers
are kept beside them only as a cross-check. Completed training stages are
cached under `<run>/cache/` and reused when config and data are unchanged.
"""
from __future__ import annotations

import gzip
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from builder.cache import StageCache
from builder.config import BuildConfig, ConfigError, key_fields
from builder.data.dataset import EvalSplit, SequenceDataset, load_dataset, training_windows
from builder.evaluate.bootstrap import Bootstrap
from builder.evaluate.evaluator import EvalResult, evaluate, keras_scorer, tflite_scorer
from builder.io import write_bytes_atomic, write_json_atomic
from builder.progress import Progress
from builder.recipe import Step, resolve, run_recipe
from builder.results import BuildResult, StageResult


@dataclass
class Context:
    """What every stage needs: config, data, the shared test users and bootstrap, outputs."""

    cfg: BuildConfig
    dataset: SequenceDataset
    run_dir: Path
    progress: Progress
    cache: StageCache
    test: EvalSplit
    boot: Bootstrap
    data_hash: str
    steps: list[Step]
    results: dict[str, EvalResult] = field(default_factory=dict)
    teacher: Any = None  # the trained teacher (SequenceModel), once run_teacher has run
    teacher_key: str = ""
    teacher_val: float = -1.0  # the current teacher's best validation NDCG@10 in training
    teacher_stage: str = "teacher"  # the report row of the current teacher (an assistant's, once one took over)
    started: float = field(default_factory=time.perf_counter)  # the build's start (time budgets)
    _fit: Any = None

    @property
    def max_len(self) -> int:
        return self.cfg.data.max_len

    @property
    def teacher_dim(self) -> int:
        """Width of the current teacher's item table (an assistant's, once one took over)."""
        return int(self.teacher.sequence.get_layer("items").dim)

    def key(self, upstream: str, *configs: Any) -> str:
        """Cache key of a stage: data, seed, the configs it depends on, and its upstream's key."""
        import hashlib

        parts = json.dumps([c if isinstance(c, dict) else key_fields(c, new=getattr(c, "KEY_NEW", ()))
                            for c in configs], sort_keys=True,
                           default=list)
        blob = f"{self.data_hash}|{self.cfg.seed}|{parts}|{upstream}"
        if self.cfg.evaluate.max_users is not None:  # validation (early stopping) sees a user subset
            blob += f"|val_users={self.cfg.evaluate.max_users}"
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def fit_data(self) -> Any:
        from builder.training import FitData

        if self._fit is None:
            x, y = training_windows(self.dataset.train_sequences(), self.max_len)
            valid = self.dataset.validation().sample(self.cfg.evaluate.max_users, self.cfg.seed)
            self._fit = FitData(x, y, valid, self.max_len, self.progress, self.cfg.seed, self.cache)
        return self._fit

    def validation_bootstrap(self) -> Bootstrap:
        """User resamples for paired comparisons on the validation users (fit_data().valid)."""
        ev = self.cfg.evaluate
        return Bootstrap.create(len(self.fit_data().valid), ev.bootstrap_samples, ev.confidence, seed=self.cfg.seed)

    def evaluate(self, name: str, scorer: Any) -> EvalResult:
        res = evaluate(scorer, self.test, self.max_len, name)
        self.results[name] = res
        return res

    def summarize(self, res: EvalResult) -> dict[str, dict[str, float]]:
        return res.summary(self.boot)

    def versus(self, res: EvalResult, ref: str = "teacher") -> dict[str, float] | None:
        if ref not in self.results or res is self.results[ref]:
            return None
        return self.boot.paired(res.per_user["ndcg@10"], self.results[ref].per_user["ndcg@10"])


def validate_against_data(cfg: BuildConfig, ds: SequenceDataset) -> None:
    """Checks that need the data (the catalog size); run before any training or writing."""
    n = ds.num_items - 1
    if cfg.export.k > n:
        raise ConfigError(f"config key 'export.k': {cfg.export.k} is larger than the catalog ({n} items)")
    if cfg.export.k + cfg.data.max_len > n:
        raise ConfigError(
            f"config key 'export.k': k ({cfg.export.k}) + data.max_len ({cfg.data.max_len}) must not exceed "
            f"the catalog ({n} items) so that K unseen items always exist")
    sc = cfg.student
    if sc.table_buckets and n - sc.shared_head < sc.table_buckets:
        key = "table_head" if sc.table_head is not None else "table_buckets"
        raise ConfigError(f"config key 'student.{key}': a shared table of {sc.shared_head} own rows and "
                          f"{sc.table_buckets} buckets needs at least {sc.shared_head + sc.table_buckets} items "
                          f"(the catalog has {n})")


def file_sizes(blob: bytes) -> dict[str, int]:
    return {"size_bytes": len(blob), "gzip_bytes": len(gzip.compress(blob, compresslevel=9))}


def count_params(model: Any) -> tuple[int, int]:
    """(all weights, non-zero weights) of a float Keras model, shared tables counted once."""
    seen: set[int] = set()
    total = nonzero = 0
    for w in model.weights:
        if id(w) in seen:
            continue
        seen.add(id(w))
        v = w.numpy()
        total += v.size
        nonzero += int(np.count_nonzero(v))
    return total, nonzero


def export_tflite(ctx: Context, name: str, blob: bytes, float_model: Any | None,
                  description: str, params: tuple[int, int], seconds: float, cached: bool,
                  extra: dict[str, Any] | None = None, head: Any = None) -> StageResult:
    """Write models/<name>.tflite (+ sidecar), evaluate it through LiteRT, compare to Keras
    (plus `head`'s scores, when the .tflite carries a transition head)."""
    from builder.evaluate.metrics import top_k_overlap
    from builder.export.sidecar import make_sidecar

    path = ctx.run_dir / "models" / f"{name}.tflite"
    path.with_suffix(".json").unlink(missing_ok=True)  # a previous build's sidecar no longer matches
    write_bytes_atomic(path, blob)
    res = ctx.evaluate(name, tflite_scorer(path))
    summary = ctx.summarize(res)
    agreement = None
    extra = dict(extra or {})
    if float_model is not None:
        keras = keras_scorer(float_model)
        scorer = keras if head is None else (lambda x: keras(x) + head.scores(x))
        ref = evaluate(scorer, ctx.test, ctx.max_len, f"{name}_keras")
        agreement = float(top_k_overlap(res.top10, ref.top10).mean())
        extra["keras_ndcg@10"] = ref.mean("ndcg@10")
    sizes = file_sizes(blob)
    extra["static"] = _static(blob)
    sidecar = make_sidecar(dataset=ctx.dataset, stage=name, model_file=path.name, model_bytes=blob,
                           max_len=ctx.max_len, k=ctx.cfg.export.k, config_hash=ctx.cfg.hash(),
                           metrics={m: v for m, v in summary.items()}, sizes=sizes)
    write_json_atomic(path.with_suffix(".json"), sidecar)
    return StageResult(name=name, kind="tflite", description=description, metrics=summary,
                       params=params[0], nonzero_params=params[1], tflite=str(path.relative_to(ctx.run_dir)),
                       vs_teacher=ctx.versus(res), agreement_top10=agreement, seconds=seconds,
                       cached=cached, extra=extra, **sizes)


def _static(blob: bytes) -> dict[str, Any]:
    """The parts of the benchmark engine's static summary that the report shows."""
    from ai_edge_litert import schema_py_generated as schema

    from builder.benchmark.static import static_summary

    s = static_summary(schema.ModelT.InitFromPackedBuf(blob, 0), blob)
    w = s["weights"]
    return {"num_operators": s["num_operators"], "op_counts": s["op_counts"],
            "constant_bytes_by_type": s["constant_bytes_by_type"], "int8_share": s["int8_share"],
            "weight_sparsity": w["sparsity"], "constant_bytes": s["constant_bytes"], "graph": s["graph"]}


def run_baselines(ctx: Context) -> list[StageResult]:
    from builder.models.baselines import ItemTransition, MostPopular

    out = []
    for cls, desc in ((MostPopular, "most popular items in training"),
                      (ItemTransition, "first-order item-to-item transitions (Markov chain)")):
        t0 = time.perf_counter()
        model = cls(ctx.dataset.train_sequences(), ctx.dataset.num_items)
        res = ctx.evaluate(cls.name, model)
        out.append(StageResult(name=cls.name, kind="baseline", description=desc,
                               metrics=ctx.summarize(res), seconds=time.perf_counter() - t0))
    return out


def teacher_key_fields(cfg: Any) -> dict[str, Any]:
    """A teacher config's part of its cache key: what it was before candidates, generations,
    negatives, tied and popularity_prior existed, for every config that leaves them at their
    defaults; popularity_prior counts only where it makes the model (true, full softmax)."""
    plain = not cfg.scores_with_prior or cfg.negatives  # sampled softmax: the prior is implied
    return key_fields(cfg, drop=("generations", "candidates") + (("popularity_prior",) if plain else ()),
                      new=("negatives", "tied", "optimizer"))


def popularity_lead(ctx: Context, model: Any) -> dict[str, float]:
    """The teacher's paired NDCG@10 lead over most-popular on the validation users, with its CI."""
    from builder.models.baselines import MostPopular

    valid = ctx.fit_data().valid
    mine = evaluate(keras_scorer(model.last), valid, ctx.max_len, "validation").per_user["ndcg@10"]
    popular = evaluate(MostPopular(ctx.dataset.train_sequences(), ctx.dataset.num_items), valid,
                       ctx.max_len, "validation").per_user["ndcg@10"]
    return ctx.validation_bootstrap().paired(mine, popular)


def run_teacher(ctx: Context) -> StageResult:
    """Train (or load) the teacher: the best on validation among the config and its
    `teacher.candidates` (and, with `teacher.popularity_prior: auto`, the best one again with the
    prior when it did not beat most-popular on validation); with `teacher.generations` > 1,
    born-again rounds after it."""
    from builder.export.tflite import convert
    from builder.models.teacher import build_teacher
    from builder.training import spec_from, train

    base = ctx.cfg.teacher
    t0 = time.perf_counter()
    labels = [candidate_label(base, i) for i in range(len(base.candidate_configs()))]

    def trained(name: str, cfg: Any, label: str) -> Trained:
        model = build_teacher(ctx.dataset.num_items, ctx.max_len, cfg)
        key = ctx.key("", ctx.cfg.data, teacher_key_fields(cfg))
        desc = "teacher" if name == "teacher" and not base.candidates else f"teacher ({label})"
        meta, cached, _ = cached_or_train(
            ctx, name, key, model.sequence,
            lambda: {"train": asdict(train(model, ctx.fit_data(), spec_from(cfg), desc=desc))})
        return Trained(cfg, model, key, meta, cached)

    tried = [trained("teacher" if i == 0 else f"teacher_candidate{i}", cfg, labels[i])
             for i, cfg in enumerate(base.candidate_configs())]
    best = max(range(len(tried)), key=lambda i: tried[i].val)
    rescue = None  # auto: a plain teacher (sampled softmax has the prior) must beat popularity
    if base.popularity_prior == "auto" and not tried[best].config.scores_with_prior:
        rescue = popularity_lead(ctx, tried[best].model)
        if rescue["ci_low"] <= 0:
            ctx.progress.info(
                f"teacher: validation NDCG@10 {tried[best].val:.4f} is not above most-popular's (paired "
                f"{rescue['value']:+.4f} [{rescue['ci_low']:+.4f}, {rescue['ci_high']:+.4f}]): it did not learn "
                "beyond popularity; training it again with a log-popularity prior (teacher.popularity_prior)")
            labels.append(f"{labels[best]} + popularity prior")
            tried.append(trained("teacher_prior", replace(tried[best].config, popularity_prior=True), labels[-1]))
            best = max(range(len(tried)), key=lambda i: tried[i].val)
    t = tried[best]
    cfg, model, key, meta, cached = t.config, t.model, t.key, t.meta, t.cached
    chosen = ""
    if len(tried) > 1:
        chosen = (f"; {labels[best]} chosen on validation NDCG@10 among "
                  + ", ".join(f"{labels[i]} {t.val:.4f}" for i, t in enumerate(tried)))
        ctx.progress.info(f"teacher: {chosen[2:]}")
    vals = [meta["train"]["best_val_ndcg10"]]
    dc = ctx.cfg.distill
    for g in range(2, cfg.generations + 1):
        pupil = build_teacher(ctx.dataset.num_items, ctx.max_len, cfg)
        spec = replace(spec_from(cfg), alpha=dc.alpha, temperature=dc.temperature)
        g_key = ctx.key(key, {"born_again": g}, dc)
        g_meta, g_cached, _ = cached_or_train(
            ctx, f"teacher_gen{g}", g_key, pupil.sequence,
            lambda: {"train": asdict(train(pupil, ctx.fit_data(), spec, desc=f"teacher (generation {g})",
                                           teacher=model))})
        vals.append(g_meta["train"]["best_val_ndcg10"])
        verdict = "kept" if vals[-1] > max(vals[:-1]) else "not better: generation " + str(g - 1) + " stays"
        ctx.progress.info(f"teacher generation {g}: validation NDCG@10 {vals[-1]:.4f} vs {vals[-2]:.4f} "
                          f"({verdict})")
        if vals[-1] <= max(vals[:-1]):
            break
        model, key, meta, cached = pupil, g_key, g_meta, g_cached
    train_s = time.perf_counter() - t0
    blob = convert(model.last, ctx.max_len, ctx.cfg.export.k, ctx.dataset.num_items)
    born = (f"; born-again generation {vals.index(max(vals)) + 1} of {len(vals)} (validation NDCG@10 "
            f"{', '.join(f'{v:.4f}' for v in vals)})" if len(vals) > 1 else "")
    prior = (f"a log-popularity prior ({meta['train'].get('prior_scale')} x log q, chosen on validation)"
             if model.prior is not None else "")
    loss = (f"sampled softmax with {cfg.negatives} negatives and {prior}" if cfg.negatives
            else "full-softmax CE on every position" + (f", scores with {prior}" if prior else ""))
    desc = (f"SASRec teacher: {cfg.blocks} blocks, dim {cfg.dim}, {cfg.heads} heads, dropout {cfg.dropout}, "
            f"{loss}{chosen}{born} (fp32 .tflite)")
    extra = {"train": meta["train"], "generations_val_ndcg10": vals,
             "candidates_val_ndcg10": {labels[i]: t.val for i, t in enumerate(tried)},
             "validation_lead_over_most_popular": rescue}
    stage = export_tflite(ctx, "teacher", blob, model.last, desc, count_params(model.last),
                          train_s, cached and all(t.cached for t in tried), extra=extra)
    ctx.teacher, ctx.teacher_key, ctx.teacher_val = model, key, max(vals)
    return stage


def candidate_label(base: Any, i: int) -> str:
    """Teacher candidate i in words: its values of the keys any candidate overrides (0 = the base)."""
    keys = sorted({k for over in base.candidates for k in over})
    if not keys:
        return "teacher"
    values = asdict(base) if i == 0 else {**asdict(base), **base.candidates[i - 1]}
    return ", ".join(f"{k} {values[k]}" for k in keys)


@dataclass
class Trained:
    """One model a selection step tried (teacher candidates, student widths): its config, the
    model, its cache key and meta, and whether it came from the cache."""

    config: Any
    model: Any  # teacher: SequenceModel; student: (graph, SequenceModel)
    key: str
    meta: dict[str, Any]
    cached: bool
    seconds: float = 0.0

    @property
    def val(self) -> float:
        """Its best validation NDCG@10 in training."""
        return self.meta["train"]["best_val_ndcg10"]


def cached_or_train(ctx: Context, name: str, key: str, model: Any, train_fn: Any) -> tuple[dict, bool, float]:
    """Load stage `name` from the cache into `model`, or run `train_fn()` (-> meta) and cache it."""
    t0 = time.perf_counter()
    meta = ctx.cache.load(name, key, model)
    if meta is not None:
        return meta, True, time.perf_counter() - t0
    meta = train_fn()
    ctx.cache.save(name, key, model, meta)
    return meta, False, time.perf_counter() - t0


def _representative(ctx: Context) -> np.ndarray:
    x = ctx.fit_data().inputs
    n = min(ctx.cfg.export.representative_samples, len(x))
    return x[np.random.default_rng(ctx.cfg.seed).choice(len(x), n, replace=False)]


def student_stage(ctx: Context, name: str, last: Any, desc: str, quantize: str = "none",
                  params_of: Any | None = None, seconds: float | None = None, cached: bool = False,
                  extra: dict[str, Any] | None = None, head: Any = None) -> StageResult:
    """Calibrate a student's serving floor, convert (fp32, PTQ or QAT int8), export and evaluate.

    PTQ is calibrated on the same training windows as the floor; its conversion time is
    the stage's time unless `seconds` (training) is given. `params_of`: the model whose
    parameters are reported (the float source of a QAT graph). `head`: a transition head
    converted into the graph (builder.models.transition).
    """
    from builder.export.tflite import ConversionOptions, convert
    from builder.models.student import calibrate_score_floor

    t0 = time.perf_counter()
    rep = _representative(ctx)
    floor, ceiling = calibrate_score_floor(last, rep, ctx.cfg.export.k + ctx.max_len)
    blob = convert(last, ctx.max_len, ctx.cfg.export.k, ctx.dataset.num_items,
                   ConversionOptions(quantize, representative=rep, head=head))
    extra = {**(extra or {}), "score_floor": floor, "score_ceiling": ceiling}
    if quantize != "none":
        desc += f"; int8 scores on the calibrated range [{floor:.2f}, {ceiling:.2f}]"
    secs = time.perf_counter() - t0 if seconds is None else seconds
    return export_tflite(ctx, name, blob, last, desc, count_params(params_of or last), secs, cached, extra, head)


def agreement(ctx: Context, name: str, model: Any) -> float:
    from builder.evaluate.metrics import top_k_overlap

    ref = evaluate(keras_scorer(model), ctx.test, ctx.max_len, f"{name}_ref")
    return float(top_k_overlap(ctx.results[name].top10, ref.top10).mean())


FLOAT_SOURCE = "@float_source"  # the fp32 stage a QAT row was fine-tuned from (extra["float_source"])

COMPARISONS = (
    ("teacher", "most_popular", "teacher vs most-popular baseline"),
    ("teacher", "item_transition", "teacher vs item-transition baseline"),
    ("student_fp32", "student_nodistill_fp32",
     "what distillation bought (same student: soft labels + the teacher's item table vs trained alone)"),
    ("final_int8", "pruned_ptq_int8", "what QAT bought (same float weights: QAT int8 vs post-training int8)"),
    ("final_int8", "student_ptq_int8", "whole QAT path vs PTQ-only path (pruned + QAT int8 vs PTQ int8 of the student)"),
    ("final_int8", FLOAT_SOURCE, "what int8 quantization cost (QAT int8 vs its fp32 source)"),
    ("pruned_fp32", "student_fp32", "what pruning cost (fp32)"),
    ("final_int8", "teacher", "final int8 vs teacher"),
    ("final_int8", "assistant_fp32", "final int8 vs the teacher assistant"),
    ("final_int8", "item_transition", "final int8 vs the item-transition baseline"),
    ("final_int8_transition", "final_int8", "what the transition head bought (the same int8 model with and without it)"),
    ("final_int8_transition", "teacher", "final int8 + transition head vs teacher"),
    ("final_int8_transition", "assistant_fp32", "final int8 + transition head vs the teacher assistant"),
    ("final_int8_transition", "item_transition", "final int8 + transition head vs the item-transition baseline"),
)


def paired_comparisons(ctx: Context, stages: list[StageResult]) -> list[dict[str, Any]]:
    """Paired NDCG@10 differences (a - b, same users) for the questions a user asks of a build."""
    sizes = {s.name: s.size_bytes for s in stages}
    extras = {s.name: s.extra for s in stages}
    out = []
    for a, b, question in COMPARISONS:
        if b == FLOAT_SOURCE:
            b = (extras.get(a) or {}).get("float_source", "")
        if a in ctx.results and b in ctx.results:
            d = ctx.boot.paired(ctx.results[a].per_user["ndcg@10"], ctx.results[b].per_user["ndcg@10"])
            row = {"a": a, "b": b, "question": question, "metric": "ndcg@10", **d}
            if sizes.get(a) and sizes.get(b):
                row["size_ratio_b_over_a"] = sizes[b] / sizes[a]
            out.append(row)
    return out


def check_gate(ctx: Context, stages: list[StageResult], final: str | None) -> dict[str, Any]:
    """The build's verdict on test: the final model at most `evaluate.max_ndcg_drop` (relative
    NDCG@10) below its teacher (the SASRec teacher, or the assistant that took over from it on
    validation), and (`evaluate.teacher_beats_popularity`) a SASRec teacher above the most-popular
    baseline with a paired CI that excludes 0: a teacher at popularity level learned nothing a
    student could take from it, and a ratio to it says nothing."""
    limit = ctx.cfg.evaluate.max_ndcg_drop
    names = [s.name for s in stages]
    if final is None:
        return {"status": "not_applicable", "reason": "no model was shipped", "max_relative_drop": limit}
    if final not in names or "teacher" not in names:
        return {"status": "not_applicable", "reason": f"no '{final}' stage in this build",
                "max_relative_drop": limit}
    ref = ctx.teacher_stage if ctx.teacher_stage in ctx.results else "teacher"
    whose = "the teacher's" if ref == "teacher" else f"its teacher's ({ref}, which took over from SASRec)"
    t = ctx.results[ref].mean("ndcg@10")
    f = ctx.results[final].mean("ndcg@10")
    drop = (t - f) / t if t > 0 else 0.0
    passed = drop <= limit
    message = (f"{final} NDCG@10 {f:.4f} is {abs(drop):.1%} {'below' if drop > 0 else 'above'} "
               f"{whose} {t:.4f} (allowed: {limit:.1%} below)")
    out = {"model": final, "teacher": ref, "teacher_ndcg@10": t, "final_ndcg@10": f, "relative_drop": drop,
           "max_relative_drop": limit}
    if ctx.cfg.evaluate.teacher_beats_popularity and "most_popular" in ctx.results:
        popular = ctx.results["most_popular"]
        d = ctx.boot.paired(ctx.results["teacher"].per_user["ndcg@10"], popular.per_user["ndcg@10"])
        out["teacher_vs_most_popular"] = d
        if d["ci_low"] <= 0:
            passed = False
            message = (f"the teacher did not learn beyond popularity: its NDCG@10 {t:.4f} against "
                       f"most-popular's {popular.mean('ndcg@10'):.4f}, paired {d['value']:+.4f} "
                       f"[{d['ci_low']:+.4f}, {d['ci_high']:+.4f}], so its students have nothing to learn "
                       f"from it ({message}); teacher.candidates with other settings may train one that "
                       "does (evaluate.teacher_beats_popularity: false turns this check off)")
    return {"status": "passed" if passed else "failed", **out, "message": message}


def teacher_ceiling(ctx: Context, stages: list[StageResult]) -> dict[str, Any] | None:
    """The students' teacher against the best student on validation, through LiteRT
    (builder.evaluate.ceiling); printed, and kept as report.json `ceiling`."""
    from builder.evaluate.ceiling import ceiling_check, ceiling_line

    c = ceiling_check(ctx.run_dir, stages, ctx.teacher_stage, ctx.fit_data().valid, ctx.max_len,
                      ctx.validation_bootstrap())
    if c is not None:
        ctx.progress.info(f"ceiling: {ceiling_line(c)}")
    return c


def prepare(cfg: BuildConfig, out_dir: Path, progress: Progress, force: bool) -> Context:
    """Load and check everything that can fail on bad input, before anything is written."""
    from builder.training import set_seed

    steps = resolve(cfg)
    dataset = load_dataset(cfg.data, seed=cfg.seed)
    validate_against_data(cfg, dataset)
    progress.info(f"data: {dataset.source}: {dataset.stats['users']} users, "
                  f"{dataset.stats['items']} items, {dataset.stats['interactions']} interactions")
    run_dir = Path(out_dir) / cfg.run_name
    set_seed(cfg.seed)
    test = dataset.test().sample(cfg.evaluate.max_users, cfg.seed)
    boot = Bootstrap.create(len(test), cfg.evaluate.bootstrap_samples, cfg.evaluate.confidence,
                            seed=cfg.seed)
    return Context(cfg, dataset, run_dir, progress, StageCache(run_dir / "cache", enabled=not force),
                   test, boot, dataset.fingerprint(), steps)


def build(cfg: BuildConfig, out_dir: Path, progress: Progress | None = None,
          force: bool = False) -> BuildResult:
    """Run the whole build and write the report; see the module docstring."""
    from builder.report import write_reports

    progress = progress or Progress()
    t0 = time.perf_counter()
    ctx = prepare(cfg, out_dir, progress, force)
    ctx.run_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(ctx.run_dir / "config.json", cfg.to_dict())
    ctx.dataset.save_vocabulary(ctx.run_dir / "vocabulary.json")

    stages = run_baselines(ctx)
    for s in stages:
        progress.info(summary_line(s))
    teacher = run_teacher(ctx)
    stages.append(teacher)
    progress.info(summary_line(teacher))
    search = None
    if cfg.budget.active:
        from builder.budget import run_search

        rows, search = run_search(ctx)
        stages += rows
        shipped = ship(ctx, search.chosen.test_stage) if search.chosen is not None else unship(ctx)
    else:
        stages += run_recipe(ctx, ctx.steps)
        shipped = ship(ctx, stages[-1].name)  # the last int8 step's row (a head step may add none)
    for s in stages:
        if s.kind == "baseline":
            s.vs_teacher = ctx.versus(ctx.results[s.name])

    gate = check_gate(ctx, stages, final=shipped)
    ceiling = None if search else teacher_ceiling(ctx, stages)
    result = BuildResult(ctx.run_dir, cfg, ctx.dataset.stats | {"source": ctx.dataset.source}, stages,
                         gate, time.perf_counter() - t0, len(ctx.test), paired_comparisons(ctx, stages),
                         shipped=shipped, recipe=[] if search else [recipe_row(s) for s in ctx.steps],
                         search=None if search is None else search.to_dict(), ceiling=ceiling)
    write_reports(result)
    progress.info(f"report: {ctx.run_dir / 'report.md'} ({result.seconds:.0f} s)")
    return result


def ship(ctx: Context, stage: str) -> str:
    """Copy a stage's .tflite and sidecar to the run's model.tflite / model.json (the shipped model)."""
    models = ctx.run_dir / "models"
    write_bytes_atomic(ctx.run_dir / "model.tflite", (models / f"{stage}.tflite").read_bytes())
    sidecar = json.loads((models / f"{stage}.json").read_text())
    write_json_atomic(ctx.run_dir / "model.json", {**sidecar, "model_file": "model.tflite"})
    return stage


def unship(ctx: Context) -> None:
    """Nothing met the budget: remove an earlier build's model.tflite / model.json from the run."""
    for name in ("model.tflite", "model.json"):
        (ctx.run_dir / name).unlink(missing_ok=True)
    return None


def recipe_row(step: Step) -> dict[str, Any]:
    """A resolved recipe step as the report shows it."""
    return {"step": step.definition.name, "stage": step.stage,
            "config": None if step.config is None else asdict(step.config)}


def summary_line(s: StageResult) -> str:
    m = s.metrics
    size = f", {s.size_bytes / 1024:.1f} KiB" if s.size_bytes else ""
    cached = " (cached)" if s.cached else ""
    return (f"{s.name:<16} NDCG@10 {m['ndcg@10']['value']:.4f} "
            f"[{m['ndcg@10']['ci_low']:.4f}, {m['ndcg@10']['ci_high']:.4f}]  "
            f"HR@10 {m['hr@10']['value']:.4f}{size}  {s.seconds:.1f} s{cached}")
