"""The build: ordered stages, each evaluated with the same protocol, into a BuildResult.

data -> baselines -> teacher -> (compression stages) -> report. Every stage that
has a .tflite is evaluated by running that file through LiteRT; Keras numbers
are kept beside them only as a cross-check. Completed training stages are
cached under `<run>/cache/` and reused when config and data are unchanged.
"""
from __future__ import annotations

import gzip
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from builder.cache import StageCache
from builder.config import BuildConfig, ConfigError
from builder.data.dataset import EvalSplit, SequenceDataset, load_dataset, training_windows
from builder.evaluate.bootstrap import Bootstrap
from builder.evaluate.evaluator import EvalResult, evaluate, keras_scorer, tflite_scorer
from builder.io import write_bytes_atomic, write_json_atomic
from builder.progress import Progress


@dataclass
class StageResult:
    """One row of the report: a model (or baseline) and its measured quality and cost."""

    name: str
    kind: str  # baseline | keras | tflite
    description: str
    metrics: dict[str, dict[str, float]]
    params: int | None = None
    nonzero_params: int | None = None
    size_bytes: int | None = None
    gzip_bytes: int | None = None
    tflite: str | None = None
    vs_teacher: dict[str, float] | None = None
    agreement_top10: float | None = None  # mean top-10 overlap with the stage's float source
    seconds: float = 0.0
    cached: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class BuildResult:
    run_dir: Path
    config: BuildConfig
    dataset: dict[str, Any]
    stages: list[StageResult]
    gate: dict[str, Any]
    seconds: float
    evaluated_users: int
    comparisons: list[dict[str, Any]] = field(default_factory=list)

    def stage(self, name: str) -> StageResult:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        from builder import __version__

        return {
            "builder_version": __version__,
            "run_name": self.config.run_name,
            "config_hash": self.config.hash(),
            "config": self.config.to_dict(),
            "dataset": self.dataset,
            "protocol": {
                "split": "leave-one-out by time (last = test, second-to-last = validation)",
                "ranking": "full catalog, items in the user's history excluded, ties broken "
                           "uniformly at random (expected value)",
                "users": self.evaluated_users,
                "confidence": self.config.evaluate.confidence,
                "bootstrap_samples": self.config.evaluate.bootstrap_samples,
            },
            "stages": [_stage_dict(s) for s in self.stages],
            "comparisons": self.comparisons,
            "gate": self.gate,
            "seconds": round(self.seconds, 1),
        }


def _stage_dict(s: StageResult) -> dict[str, Any]:
    d = asdict(s)
    flat = {m: v["value"] for m, v in s.metrics.items()}
    flat.update({f"{m}_ci": [v["ci_low"], v["ci_high"]] for m, v in s.metrics.items()})
    d.update(flat)
    return d


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
    results: dict[str, EvalResult] = field(default_factory=dict)
    _fit: Any = None

    @property
    def max_len(self) -> int:
        return self.cfg.data.max_len

    def key(self, *sections: str, upstream: str = "") -> str:
        import hashlib

        blob = f"{self.data_hash}|{self.cfg.seed}|{self.cfg.hash(sections=sections)}|{upstream}"
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def fit_data(self) -> Any:
        from builder.training import FitData

        if self._fit is None:
            x, y = training_windows(self.dataset.train_sequences(), self.max_len)
            self._fit = FitData(x, y, self.dataset.validation(), self.max_len, self.progress, self.cfg.seed)
        return self._fit

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
                  extra: dict[str, Any] | None = None) -> StageResult:
    """Write models/<name>.tflite (+ sidecar), evaluate it through LiteRT, compare to Keras."""
    from builder.evaluate.metrics import top_k_overlap
    from builder.export.sidecar import make_sidecar

    path = ctx.run_dir / "models" / f"{name}.tflite"
    write_bytes_atomic(path, blob)
    res = ctx.evaluate(name, tflite_scorer(path))
    summary = ctx.summarize(res)
    agreement = None
    extra = dict(extra or {})
    if float_model is not None:
        ref = evaluate(keras_scorer(float_model), ctx.test, ctx.max_len, f"{name}_keras")
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
            "weight_sparsity": w["sparsity"]}


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


def run_teacher(ctx: Context) -> tuple[Any, StageResult]:
    from builder.export.tflite import convert
    from builder.models.teacher import build_teacher
    from builder.training import spec_from, train

    cfg = ctx.cfg.teacher
    model = build_teacher(ctx.dataset.num_items, ctx.max_len, cfg)
    key = ctx.key("data", "teacher")
    t0 = time.perf_counter()
    meta = ctx.cache.load("teacher", key, model.sequence)
    cached = meta is not None
    if meta is None:
        tr = train(model, ctx.fit_data(), spec_from(cfg), desc="teacher")
        meta = {"train": asdict(tr)}
        ctx.cache.save("teacher", key, model.sequence, meta)
    train_s = time.perf_counter() - t0
    blob = convert(model.last, ctx.max_len, ctx.cfg.export.k, ctx.dataset.num_items)
    desc = (f"SASRec teacher: {cfg.blocks} blocks, dim {cfg.dim}, {cfg.heads} heads, "
            f"full-softmax CE on every position (fp32 .tflite)")
    stage = export_tflite(ctx, "teacher", blob, model.last, desc, count_params(model.last),
                          train_s, cached, extra={"train": meta["train"]})
    return model, stage


def _cached_or_train(ctx: Context, name: str, key: str, model: Any, train_fn: Any) -> tuple[dict, bool, float]:
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
                  extra: dict[str, Any] | None = None) -> StageResult:
    """Calibrate a student's serving floor, convert (fp32, PTQ or QAT int8), export and evaluate.

    PTQ is calibrated on the same training windows as the floor; its conversion time is
    the stage's time unless `seconds` (training) is given. `params_of`: the model whose
    parameters are reported (the float source of a QAT graph).
    """
    from builder.export.tflite import ConversionOptions, convert
    from builder.models.student import calibrate_score_floor

    t0 = time.perf_counter()
    rep = _representative(ctx)
    floor, ceiling = calibrate_score_floor(last, rep, ctx.cfg.export.k + ctx.max_len)
    blob = convert(last, ctx.max_len, ctx.cfg.export.k, ctx.dataset.num_items,
                   ConversionOptions(quantize, representative=rep if quantize == "ptq" else None))
    extra = {**(extra or {}), "score_floor": floor, "score_ceiling": ceiling}
    if quantize != "none":
        desc += f"; int8 scores on the calibrated range [{floor:.2f}, {ceiling:.2f}]"
    secs = time.perf_counter() - t0 if seconds is None else seconds
    return export_tflite(ctx, name, blob, last, desc, count_params(params_of or last), secs, cached, extra)


def _agreement(ctx: Context, name: str, model: Any) -> float:
    from builder.evaluate.metrics import top_k_overlap

    ref = evaluate(keras_scorer(model), ctx.test, ctx.max_len, f"{name}_ref")
    return float(top_k_overlap(ctx.results[name].top10, ref.top10).mean())


def run_compression(ctx: Context, teacher: Any) -> list[StageResult]:
    """student (no distillation) -> student (distilled) -> PTQ int8 -> pruned -> QAT int8."""
    from builder.compress.distill import distill
    from builder.compress.prune import prune, weight_sparsity
    from builder.compress.qat import prepare as prepare_qat
    from builder.compress.qat import qat
    from builder.models.student import build_student, views

    cfg, fit, n, L = ctx.cfg, ctx.fit_data(), ctx.dataset.num_items, ctx.max_len
    sc = cfg.student
    pool = f", causal average(w={min(sc.pool_window, L)})" if sc.pool_window else ""
    arch = (f"dim {sc.dim}, {sc.conv_layers} causal conv(k={sc.kernel_size}){pool} + residual, dense, "
            "shared item table")
    init = "; item table from the teacher's (PCA)" if cfg.distill.item_init == "teacher_pca" else ""
    out: list[StageResult] = []

    def report(stage: StageResult) -> StageResult:
        out.append(stage)
        ctx.progress.info(_summary_line(stage))
        return stage

    # Ablation: the same student trained on hard labels only.
    g_plain, v_plain = build_student(n, L, sc)
    meta, cached, secs = _cached_or_train(
        ctx, "student_nodistill", ctx.key("data", "student"), g_plain,
        lambda: {"train": asdict(distill(v_plain, None, cfg.distill, sc, fit, desc="student (no KD)"))})
    report(student_stage(ctx, "student_nodistill_fp32", v_plain.last,
                         f"student without distillation ({arch}), fp32 - ablation",
                         seconds=secs, cached=cached, extra={"train": meta["train"]}))

    g_student, v_student = build_student(n, L, sc)
    meta, cached, secs = _cached_or_train(
        ctx, "student", ctx.key("data", "teacher", "student", "distill"), g_student,
        lambda: {"train": asdict(distill(v_student, teacher, cfg.distill, sc, fit))})
    report(student_stage(ctx, "student_fp32", v_student.last,
                         f"distilled student ({arch}; alpha {cfg.distill.alpha}, "
                         f"T {cfg.distill.temperature}{init}), fp32",
                         seconds=secs, cached=cached, extra={"train": meta["train"]}))

    report(student_stage(ctx, "student_ptq_int8", v_student.last,
                         "distilled student, post-training int8 quantization only (no pruning, no QAT)", "ptq"))

    base = g_student
    if cfg.prune.enabled:
        g_pruned, v_pruned = build_student(n, L, sc)
        key = ctx.key("data", "teacher", "student", "distill", "prune")

        def run_prune() -> dict:
            stripped, tr = prune(g_student, cfg.prune, fit, teacher, cfg.distill, sc.batch_size,
                                     sc.max_steps_per_epoch)
            g_pruned.set_weights(stripped.get_weights())
            return {"train": asdict(tr)}

        meta, cached, secs = _cached_or_train(ctx, "pruned", key, g_pruned, run_prune)
        sp = weight_sparsity(g_pruned)
        report(student_stage(ctx, "pruned_fp32", v_pruned.last,
                             f"distilled student after magnitude pruning to {cfg.prune.target_sparsity:.0%} "
                             f"({cfg.prune.structure}, item table included), fp32; weight sparsity {sp:.1%}",
                             seconds=secs, cached=cached, extra={"train": meta["train"], "weight_sparsity": sp}))
        report(student_stage(ctx, "pruned_ptq_int8", v_pruned.last,
                             "pruned student, post-training int8 quantization (the same weights QAT starts "
                             "from: isolates what QAT bought)", "ptq"))
        base = g_pruned

    v_base = views(base)
    if cfg.qat.enabled:
        qgraph = prepare_qat(base)
        key = ctx.key("data", "teacher", "student", "distill", "prune", "qat")

        def run_qat() -> dict:
            trained, tr = qat(base, cfg.qat, fit, teacher, cfg.distill, sc.batch_size, sc.max_steps_per_epoch)
            qgraph.set_weights(trained.get_weights())
            return {"train": asdict(tr)}

        meta, cached, secs = _cached_or_train(ctx, "qat", key, qgraph, run_qat)
        desc = ("final: " + ("pruned + " if cfg.prune.enabled else "") +
                "sparsity-preserving QAT (TFMOT, item table included), full-integer int8 .tflite")
        final = student_stage(ctx, "final_int8", views(qgraph).last, desc, "qat", params_of=v_base.last,
                              seconds=secs, cached=cached, extra={"train": meta["train"]})
    else:
        final = student_stage(ctx, "final_int8", v_base.last, "final: post-training int8 (QAT disabled)", "ptq")
    final.extra["agreement_top10_vs_float"] = _agreement(ctx, "final_int8", v_base.last)
    report(final)
    write_bytes_atomic(ctx.run_dir / "model.tflite", (ctx.run_dir / "models" / "final_int8.tflite").read_bytes())
    sidecar = json.loads((ctx.run_dir / "models" / "final_int8.json").read_text())
    write_json_atomic(ctx.run_dir / "model.json", {**sidecar, "model_file": "model.tflite"})
    return out


COMPARISONS = (
    ("teacher", "most_popular", "teacher vs most-popular baseline"),
    ("teacher", "item_transition", "teacher vs item-transition baseline"),
    ("student_fp32", "student_nodistill_fp32",
     "what distillation bought (same student: soft labels + the teacher's item table vs trained alone)"),
    ("final_int8", "pruned_ptq_int8", "what QAT bought (same pruned weights: QAT int8 vs post-training int8)"),
    ("final_int8", "student_ptq_int8", "whole QAT path vs PTQ-only path (pruned + QAT int8 vs PTQ int8 of the student)"),
    ("final_int8", "pruned_fp32", "what int8 quantization cost (QAT int8 vs its fp32 source)"),
    ("pruned_fp32", "student_fp32", "what pruning cost (fp32)"),
    ("final_int8", "teacher", "final int8 vs teacher"),
)


def paired_comparisons(ctx: Context, stages: list[StageResult]) -> list[dict[str, Any]]:
    """Paired NDCG@10 differences (a - b, same users) for the questions a user asks of a build."""
    sizes = {s.name: s.size_bytes for s in stages}
    out = []
    for a, b, question in COMPARISONS:
        if a in ctx.results and b in ctx.results:
            d = ctx.boot.paired(ctx.results[a].per_user["ndcg@10"], ctx.results[b].per_user["ndcg@10"])
            row = {"a": a, "b": b, "question": question, "metric": "ndcg@10", **d}
            if sizes.get(a) and sizes.get(b):
                row["size_ratio_b_over_a"] = sizes[b] / sizes[a]
            out.append(row)
    return out


def check_gate(ctx: Context, stages: list[StageResult], final: str) -> dict[str, Any]:
    """Max relative NDCG@10 drop of the final model vs the teacher (config evaluate.max_ndcg_drop)."""
    limit = ctx.cfg.evaluate.max_ndcg_drop
    names = [s.name for s in stages]
    if final not in names or "teacher" not in names:
        return {"status": "not_applicable", "reason": f"no '{final}' stage in this build",
                "max_relative_drop": limit}
    t = ctx.results["teacher"].mean("ndcg@10")
    f = ctx.results[final].mean("ndcg@10")
    drop = (t - f) / t if t > 0 else 0.0
    passed = drop <= limit
    return {"status": "passed" if passed else "failed", "model": final, "teacher_ndcg@10": t,
            "final_ndcg@10": f, "relative_drop": drop, "max_relative_drop": limit,
            "message": (f"{final} NDCG@10 {f:.4f} is {drop:.1%} below the teacher's {t:.4f} "
                        f"(allowed: {limit:.1%})")}


def prepare(cfg: BuildConfig, out_dir: Path, progress: Progress, force: bool) -> Context:
    """Load and check everything that can fail on bad input, before anything is written."""
    from builder.training import set_seed

    dataset = load_dataset(cfg.data, seed=cfg.seed)
    validate_against_data(cfg, dataset)
    progress.info(f"data: {dataset.source}: {dataset.stats['users']} users, "
                  f"{dataset.stats['items']} items, {dataset.stats['interactions']} interactions")
    run_dir = Path(out_dir) / cfg.run_name
    set_seed(cfg.seed)
    test = dataset.test()
    if cfg.evaluate.max_users is not None and cfg.evaluate.max_users < len(test):
        idx = np.sort(np.random.default_rng(cfg.seed).choice(len(test), cfg.evaluate.max_users,
                                                             replace=False))
        test = test.subset(idx)
    boot = Bootstrap.create(len(test), cfg.evaluate.bootstrap_samples, cfg.evaluate.confidence,
                            seed=cfg.seed)
    return Context(cfg, dataset, run_dir, progress, StageCache(run_dir / "cache", enabled=not force),
                   test, boot, dataset.fingerprint())


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
        progress.info(_summary_line(s))
    teacher_model, teacher = run_teacher(ctx)
    stages.append(teacher)
    progress.info(_summary_line(teacher))
    stages += run_compression(ctx, teacher_model)
    for s in stages:
        if s.kind == "baseline":
            s.vs_teacher = ctx.versus(ctx.results[s.name])

    gate = check_gate(ctx, stages, final="final_int8")
    result = BuildResult(ctx.run_dir, cfg, ctx.dataset.stats | {"source": ctx.dataset.source}, stages,
                         gate, time.perf_counter() - t0, len(ctx.test), paired_comparisons(ctx, stages))
    write_reports(result)
    progress.info(f"report: {ctx.run_dir / 'report.md'} ({result.seconds:.0f} s)")
    return result


def _summary_line(s: StageResult) -> str:
    m = s.metrics
    size = f", {s.size_bytes / 1024:.1f} KiB" if s.size_bytes else ""
    cached = " (cached)" if s.cached else ""
    return (f"{s.name:<16} NDCG@10 {m['ndcg@10']['value']:.4f} "
            f"[{m['ndcg@10']['ci_low']:.4f}, {m['ndcg@10']['ci_high']:.4f}]  "
            f"HR@10 {m['hr@10']['value']:.4f}{size}  {s.seconds:.1f} s{cached}")
