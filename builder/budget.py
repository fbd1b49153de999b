"""Budget mode: the best model for this data under a byte / latency budget, chosen on validation.

    teacher (trained once, cached)
    -> Optuna (multi-objective TPE: validation NDCG@10 up, bytes down, the budget as a
       constraint) draws candidates: student dim, conv depth, causal average, alpha, sparsity
       (and the item-table rank, with budget.ranks; shared-table buckets, with budget.buckets)
    -> screen each: a short recipe (distill capped at budget.screen_epochs -> short prune ->
       1-epoch QAT) exported to full-integer int8: exact .tflite bytes, validation NDCG@10
       through LiteRT, p50 latency through LiteRT interleaved with the teacher
    -> the `finalists` best-screened candidates that fit get the full recipe (validation decides
       its length), measured the same way; its last step tries transition heads that fit beside
       the model (builder.models.transition): a candidate with a head that won on validation is a
       second candidate, measured the same way (on both rungs: a head needs no training, and
       a small student with a head can beat a larger one without it in the same bytes)
    -> the best finalist on validation that fits is shipped; only then are the finalists run on
       the test users (once), for the report.

Every candidate is a point of the frontier (frontier.json, plots/frontier.png). Why Optuna:
its TPE sampler handles the mixed categorical space, multi-objective search and constraints
(so draws concentrate on the feasible size/quality front) and is seeded; a hand-written grid
or random search would spend the same trials less well.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from builder.config import BuildConfig, BudgetConfig
from builder.io import write_json_atomic
from builder.results import StageResult

SCREEN, FULL = "screen", "full"


@dataclass(frozen=True)
class Params:
    """One point of the search space."""

    dim: int
    conv_layers: int
    pool: bool
    alpha: float
    sparsity: float
    rank: int = 0  # item-table rank (student.table_rank); 0 = dense
    buckets: int = 0  # shared-table buckets (student.table_buckets); 0 = not shared

    def __post_init__(self) -> None:
        if self.rank >= self.dim or self.buckets:  # a table of rank >= dim is no smaller than the dense one;
            object.__setattr__(self, "rank", 0)  # a shared table is not also low-rank

    @property
    def label(self) -> str:
        return (f"d{self.dim}_c{self.conv_layers}{'_avg' if self.pool else ''}_a{self.alpha:g}"
                f"{f'_s{self.sparsity:g}' if self.sparsity else ''}{f'_r{self.rank}' if self.rank else ''}"
                f"{f'_b{self.buckets}' if self.buckets else ''}")


@dataclass
class Candidate:
    """A trained, exported, measured candidate (one rung)."""

    params: Params
    rung: str
    size_bytes: int
    gzip_bytes: int
    val_ndcg10: float
    val_ci: tuple[float, float]
    p50_us: float
    teacher_p50_us: float
    seconds: float
    tflite: str
    weights: tuple[int, int] = (0, 0)  # (all, non-zero) parameters of its float source
    fits: bool = True
    why_not: str = ""
    test_stage: str | None = None  # the report row of a finalist
    ptq_tflite: str | None = None  # post-training int8 of the same float weights (measure(..., ptq=True))
    head: dict[str, Any] | None = None  # its transition head (size, smoothing, weight, bytes), if any

    @property
    def label(self) -> str:
        return self.params.label + (f"+head{self.head['size']}" if self.head else "")

    @property
    def latency_ratio(self) -> float:
        return self.p50_us / self.teacher_p50_us if self.teacher_p50_us else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "label": self.label, "latency_ratio_vs_teacher": self.latency_ratio}


@dataclass
class SearchResult:
    budget: BudgetConfig
    candidates: list[Candidate] = field(default_factory=list)
    chosen: Candidate | None = None
    message: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.chosen is None

    def to_dict(self) -> dict[str, Any]:
        return {"budget": {"max_bytes": self.budget.max_bytes, "max_latency_us": self.budget.max_latency_us,
                           "time_budget_s": self.budget.time_budget},
                "status": "failed" if self.failed else "passed", "message": self.message,
                "chosen": None if self.chosen is None else self.chosen.label,
                "selection": "highest validation NDCG@10 (LiteRT, .tflite) among full-trained candidates "
                             "within budget; test users evaluated once, after the choice",
                "seconds": round(self.seconds, 1),
                "candidates": [c.to_dict() for c in self.candidates]}


def space(budget: BudgetConfig, cfg: BuildConfig) -> dict[str, tuple]:
    """The categorical choices Optuna draws from (dims above the teacher's dropped for teacher_pca).
    The item-table rank is a knob only when budget.ranks lists a low rank (a drawn rank >= the drawn
    dim is the dense table); otherwise the space, and so every draw, is what it was without it. The
    shared table's buckets likewise, with budget.buckets (a drawn bucket count wins over a drawn rank)."""
    dims = tuple(d for d in budget.dims if cfg.distill.item_init != "teacher_pca" or d <= cfg.teacher.dim)
    choices = {"dim": dims or (cfg.teacher.dim,), "conv_layers": budget.conv_layers, "pool": budget.pool,
               "alpha": budget.alphas, "sparsity": budget.sparsities}
    if budget.ranks != (0,):
        choices["rank"] = budget.ranks
    if budget.buckets != (0,):
        choices["buckets"] = budget.buckets
    return choices


def candidate_config(cfg: BuildConfig, p: Params, rung: str, ptq: bool = False) -> BuildConfig:
    """The build config of one candidate: its student, its alpha and its recipe (short when screening);
    `ptq` adds a post-training int8 export of the float weights QAT starts from (a comparison row:
    the step changes nothing downstream, so QAT's cache key is the same with or without it)."""
    student = replace(cfg.student, dim=p.dim, conv_layers=p.conv_layers,
                      pool_window=cfg.data.max_len if p.pool else 0, max_dim=0,  # the search sets the width
                      table_rank=p.rank, table_buckets=p.buckets,
                      table_head=cfg.student.table_head if p.buckets else None)
    recipe: list[dict[str, Any]] = [{"step": "distill", "alpha": p.alpha}]
    prune_epochs, recover_epochs, qat_epochs = cfg.prune.epochs, cfg.prune.recover_epochs, cfg.qat.epochs
    if rung == SCREEN:
        student = replace(student, epochs=min(student.epochs, cfg.budget.screen_epochs))
        prune_epochs, recover_epochs, qat_epochs = max(1, cfg.prune.epochs // 4), 0, 1
    if p.sparsity > 0:
        # the search judges the sparsity on validation itself: the step must not undo it
        recipe.append({"step": "prune", "target_sparsity": p.sparsity, "epochs": prune_epochs,
                       "recover_epochs": recover_epochs, "max_val_drop": 1.0})
    if ptq:
        recipe.append({"step": "ptq"})
    recipe.append({"step": "qat", "epochs": qat_epochs})
    # heads that fit beside the model, chosen on validation (no training: cheap on either rung)
    recipe.append({"step": "transition", "max_bytes": cfg.budget.max_bytes or 0})
    return replace(cfg, run_name=f"{cfg.run_name}-{p.label}", student=student, recipe=tuple(recipe))


def _candidate_context(ctx: Any, cfg: BuildConfig, name: str) -> Any:
    """A child context: same data, teacher and training windows; evaluates on validation users."""
    from builder.cache import StageCache
    from builder.evaluate.bootstrap import Bootstrap
    from builder.recipe import resolve

    valid = ctx.fit_data().valid  # the users training validates on (evaluate.max_users)
    run_dir = ctx.run_dir / "search" / name
    boot = Bootstrap.create(len(valid), ctx.cfg.evaluate.bootstrap_samples, ctx.cfg.evaluate.confidence,
                            seed=cfg.seed)
    return replace(ctx, cfg=cfg, run_dir=run_dir, cache=StageCache(run_dir / "cache", enabled=ctx.cache.enabled),
                   test=valid, boot=boot, steps=resolve(cfg), results={}, _fit=ctx.fit_data())


def latencies_us(models: list[Path], teacher: Path, runs: int = 200) -> tuple[list[float], float]:
    """p50 of `recommend` (1 thread, batch 1) of each model, interleaved with the teacher's."""
    from builder.benchmark.histories import random_histories
    from builder.model_file import inspect_model
    from builder.benchmark.runner import as_batches, open_session, run_interleaved
    from builder.benchmark.stats import latency_stats

    infos = [inspect_model(p) for p in [teacher, *models]]
    sessions = [open_session(i.path, i.input_name, 1) for i in infos]
    pool = as_batches(random_histories(64, infos[0].length, int(infos[0].num_items or 2), seed=0))
    timings = run_interleaved(sessions, [pool] * len(sessions), warmup_runs=10, runs=runs)
    p50 = [latency_stats(t.latencies_us)["p50"] for t in timings]
    return p50[1:], p50[0]


class Search:
    """Runs the rungs; one instance per build (it holds the main context and the time budget)."""

    def __init__(self, ctx: Any) -> None:
        self.ctx, self.cfg, self.budget = ctx, ctx.cfg, ctx.cfg.budget
        self.result = SearchResult(self.budget)
        self.teacher_tflite = ctx.run_dir / "models" / "teacher.tflite"
        self._screened: dict[Params, Candidate] = {}
        left = self.time_left()
        self._screen_until = 0.5 * left if left < float("inf") else -1.0  # screening may spend half

    def time_left(self) -> float:
        if self.budget.time_budget is None:
            return float("inf")
        return self.budget.time_budget - (time.perf_counter() - self.ctx.started)

    def measure(self, p: Params, rung: str, ptq: bool = False) -> list[Candidate]:
        """Train one candidate's recipe, export it, and measure bytes, validation quality, latency
        (with `ptq`, also export the PTQ int8 of its float weights: `Candidate.ptq_tflite`).
        -> the QAT model's candidate, then the same model with its transition head when one won."""
        from builder.recipe import run_recipe

        t0 = time.perf_counter()
        cfg = candidate_config(self.cfg, p, rung, ptq)
        child = _candidate_context(self.ctx, cfg, f"{rung}_{p.label}")
        rows = run_recipe(child, child.steps, echo=False)
        qat_stage = next(s.stage for s in child.steps if s.definition.name == "qat")
        qat = [r.name for r in rows].index(qat_stage)
        finals = rows[qat:]  # the QAT model, and the same model with a head when one won
        paths = [child.run_dir / r.tflite for r in finals]
        p50s, teacher_p50 = latencies_us(paths, self.teacher_tflite)
        seconds = time.perf_counter() - t0
        out = []
        for row, path, p50 in zip(finals, paths, p50s):
            m = row.metrics["ndcg@10"]
            c = Candidate(p, rung, row.size_bytes, row.gzip_bytes, m["value"], (m["ci_low"], m["ci_high"]),
                          p50, teacher_p50, seconds, str(path.relative_to(self.ctx.run_dir)),
                          (row.params or 0, row.nonzero_params or 0),
                          head=(row.extra.get("transition_head") or {}).get("chosen") if row is not finals[0] else None)
            if ptq:
                c.ptq_tflite = str((child.run_dir / rows[qat - 1].tflite).relative_to(self.ctx.run_dir))
            c.fits, c.why_not = self.verdict(c)
            self.result.candidates.append(c)
            out.append(c)
        return out

    def verdict(self, c: Candidate) -> tuple[bool, str]:
        b, why = self.budget, []
        if b.max_bytes is not None and c.size_bytes > b.max_bytes:
            why.append(f"{c.size_bytes:,} B > {b.max_bytes:,} B")
        if b.max_latency_us is not None and c.p50_us > b.max_latency_us:
            why.append(f"p50 {c.p50_us:.0f} us > {b.max_latency_us:.0f} us")
        return not why, "; ".join(why)

    def line(self, c: Candidate, i: int, n: int) -> str:
        verdict = "fits" if c.fits else f"over budget ({c.why_not})"
        return (f"[{c.rung} {i}/{n}] {c.label:<22} {c.size_bytes / 1024:7.1f} KiB  val NDCG@10 "
                f"{c.val_ndcg10:.4f}  p50 {c.p50_us:6.0f} us ({c.latency_ratio:.2f}x teacher)  "
                f"{c.seconds:5.0f} s  {verdict}")

    def screen(self) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        choices = space(self.budget, self.cfg)
        sampler = optuna.samplers.TPESampler(seed=self.cfg.seed, n_startup_trials=max(4, self.budget.trials // 2))
        study = optuna.create_study(directions=["maximize", "minimize"], sampler=sampler)
        n = self.budget.trials

        def objective(trial: Any) -> tuple[float, float]:
            p = Params(**{k: trial.suggest_categorical(k, list(v)) for k, v in choices.items()})
            c = self._screened.get(p)
            if c is None:  # the point's value: its best variant (with or without a head) that fits
                made = self.measure(p, SCREEN)
                c = self._screened[p] = max([m for m in made if m.fits] or made[:1], key=lambda m: m.val_ndcg10)
                for m in made:
                    self.ctx.progress.info(self.line(m, len(self._screened), n))
            b = self.budget
            if b.max_bytes is not None:
                trial.set_constraint("bytes", float(c.size_bytes - b.max_bytes))
            if b.max_latency_us is not None:
                trial.set_constraint("latency_us", c.p50_us - b.max_latency_us)
            return c.val_ndcg10, float(c.size_bytes)

        # a repeated draw costs nothing (looked up), so allow a few more draws than distinct trials
        for _ in range(3 * n):
            if len(self._screened) >= n or self.time_left() <= self._screen_until:
                break
            study.optimize(objective, n_trials=1)

    def finals(self) -> None:
        fitting = sorted((c for c in self._screened.values() if c.fits), key=lambda c: -c.val_ndcg10)
        picks = fitting[:self.budget.finalists]
        longest = 0.0
        for i, s in enumerate(picks, 1):
            if i > 1 and self.time_left() < longest:  # the next one would likely overrun the budget
                self.ctx.progress.info(f"time budget: {self.time_left():.0f} s left, a finalist took "
                                       f"{longest:.0f} s; {len(picks) - i + 1} finalist(s) not trained")
                break
            made = self.measure(s.params, FULL)
            longest = max(longest, made[0].seconds)
            for c in made:
                self.ctx.progress.info(self.line(c, i, len(picks)))

    def run(self) -> SearchResult:
        t0 = time.perf_counter()
        b = self.budget
        self.ctx.progress.info(
            "budget search: " + ", ".join(x for x in (
                f"max {b.max_bytes:,} B" if b.max_bytes is not None else "",
                f"max p50 {b.max_latency_us:.0f} us" if b.max_latency_us is not None else "",
                f"time {b.time_budget:.0f} s" if b.time_budget is not None else "") if x)
            + f"; {b.trials} candidates screened, the best {b.finalists} that fit trained in full")
        self.screen()
        self.finals()
        full = [c for c in self.result.candidates if c.rung == FULL]
        fitting = [c for c in full if c.fits]
        r = self.result
        if fitting:
            r.chosen = max(fitting, key=lambda c: c.val_ndcg10)
            r.message = (f"chose {r.chosen.label}: {r.chosen.size_bytes:,} B, validation NDCG@10 "
                         f"{r.chosen.val_ndcg10:.4f}, the best of {len(fitting)} full-trained candidate(s) "
                         "within budget")
        else:
            smallest = min(r.candidates, key=lambda c: c.size_bytes)
            fastest = min(r.candidates, key=lambda c: c.p50_us)
            r.message = ("no candidate meets the budget; smallest found: "
                         f"{smallest.label} {smallest.size_bytes:,} B (validation NDCG@10 "
                         f"{smallest.val_ndcg10:.4f}); fastest: {fastest.label} p50 "
                         f"{fastest.p50_us:.0f} us (validation NDCG@10 {fastest.val_ndcg10:.4f})")
        r.seconds = time.perf_counter() - t0
        return r


def _head_words(head: dict[str, Any] | None) -> str:
    return "" if not head else (f" + transition head ({head['size']} successors per item, "
                                f"{head['bytes'] / 1024:.1f} KiB)")


def run_search(ctx: Any) -> tuple[list[StageResult], SearchResult]:
    """Search, then evaluate every finalist on the test users once; returns their rows and the search."""
    from builder.pipeline import export_tflite

    result = Search(ctx).run()
    rows = []
    for c in result.candidates:
        if c.rung != FULL:
            continue
        blob = (ctx.run_dir / c.tflite).read_bytes()
        mark = " (chosen)" if c is result.chosen else ""
        desc = (f"budget candidate{mark}: student dim {c.params.dim}, {c.params.conv_layers} conv"
                f"{', causal average' if c.params.pool else ''}, alpha {c.params.alpha:g}"
                f"{f', pruned to {c.params.sparsity:.0%}' if c.params.sparsity else ''}"
                f"{f', item table of rank {c.params.rank}' if c.params.rank else ''}"
                f"{f', shared item table over {c.params.buckets} buckets' if c.params.buckets else ''}, QAT int8"
                f"{_head_words(c.head)}; "
                f"validation NDCG@10 {c.val_ndcg10:.4f}, p50 {c.p50_us:.0f} us"
                + ("" if c.fits else f"; over budget: {c.why_not}"))
        row = export_tflite(ctx, f"budget_{c.label.replace('+', '_')}", blob, None, desc, c.weights, c.seconds, False,
                            extra={"budget": c.to_dict()})
        c.test_stage = row.name
        rows.append(row)
    write_json_atomic(ctx.run_dir / "frontier.json", result.to_dict())
    return rows, result
