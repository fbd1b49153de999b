"""What a build produces: one StageResult per report row, one BuildResult per build.

Shared by the pipeline (which makes them) and the report (which renders them), so
it sits below both.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from builder.config import BuildConfig


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
    shipped: str | None = "final_int8"  # the stage copied to model.tflite (None: nothing met the budget)
    recipe: list[dict[str, Any]] = field(default_factory=list)  # the resolved steps
    search: dict[str, Any] | None = None  # budget mode: frontier.json's content
    ceiling: dict[str, Any] | None = None  # the teacher vs the best student on validation (evaluate.ceiling)

    def stage(self, name: str) -> StageResult:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        from builder import __version__, distributed

        cluster = distributed.cluster()
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
            "recipe": self.recipe,
            "shipped": self.shipped,
            "search": self.search,
            "comparisons": self.comparisons,
            "gate": self.gate,
            "ceiling": self.ceiling,
            "seconds": round(self.seconds, 1),
            "workers": 1 if cluster is None else len(cluster.workers),  # training processes
        }


def _stage_dict(s: StageResult) -> dict[str, Any]:
    d = asdict(s)
    flat = {m: v["value"] for m, v in s.metrics.items()}
    flat.update({f"{m}_ci": [v["ci_low"], v["ci_high"]] for m, v in s.metrics.items()})
    d.update(flat)
    return d
