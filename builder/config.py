"""Typed, frozen, validated build configuration.

A build is described by one `BuildConfig`: nested frozen dataclasses, each
validated in `__post_init__`. Configs load from YAML or TOML files and from the
named presets shipped in `builder/presets/`; an unknown key or a value of the
wrong type is a `ConfigError` that names the key.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Mapping

import yaml

PRESETS_DIR = Path(__file__).parent / "presets"


class ConfigError(ValueError):
    """A configuration value is missing, unknown, of the wrong type or impossible."""


def _require(cond: bool, key: str, msg: str) -> None:
    if not cond:
        raise ConfigError(f"config key '{key}': {msg}")


@dataclass(frozen=True)
class SyntheticConfig:
    """Synthetic interactions (builder.data.synthetic).

    kind `successor`: planted item -> successor chains (unit tests, scale sweeps).
    kind `latent`: a realistic catalog: item clusters in a latent taste space, Zipf
    popularity, users whose taste drifts, short-range sequential dependence
    (`follow_prob`: next item is the current one's planted same-cluster successor),
    heavy-tailed history lengths, no repeated items per user.
    """

    kind: str = "successor"  # successor | latent
    num_users: int = 500
    num_items: int = 200
    mean_length: int = 30
    follow_prob: float = 0.7
    # latent only
    num_clusters: int = 40
    latent_dim: int = 16
    popularity_exponent: float = 1.0  # Zipf exponent of item popularity
    drift: float = 0.1  # per-step taste drift (0 = fixed taste)
    taste_temperature: float = 0.25  # lower = choices follow taste more strictly (vs popularity)
    # latent: how a taste choice is drawn. `exact`: softmax over every unseen item, O(catalog) per
    # event; `clustered`: a cluster by its members' mean vector and popularity mass, then an item
    # of it by the exact softmax over its unseen members, O(clusters + cluster size) per event, the
    # way to 10^5-10^6 items with millions of events (builder.data.synthetic)
    sampler: str = "exact"

    KEY_NEW: ClassVar[tuple[str, ...]] = ("sampler",)  # cache keys: see key_fields

    def __post_init__(self) -> None:
        _require(self.kind in ("successor", "latent"), "data.synthetic.kind",
                 f"must be successor or latent (got {self.kind!r})")
        _require(self.num_users >= 1, "data.synthetic.num_users", "must be >= 1")
        _require(self.num_items >= 2, "data.synthetic.num_items", "must be >= 2")
        _require(self.mean_length >= 3, "data.synthetic.mean_length", "must be >= 3")
        _require(0.0 <= self.follow_prob <= 1.0, "data.synthetic.follow_prob", "must be in [0, 1]")
        _require(self.num_clusters >= 1 and (self.kind != "latent" or self.num_clusters <= self.num_items),
                 "data.synthetic.num_clusters", "must be in [1, num_items]")
        _require(self.latent_dim >= 1, "data.synthetic.latent_dim", "must be >= 1")
        _require(self.popularity_exponent >= 0, "data.synthetic.popularity_exponent", "must be >= 0")
        _require(0.0 <= self.drift <= 1.0, "data.synthetic.drift", "must be in [0, 1]")
        _require(self.taste_temperature > 0, "data.synthetic.taste_temperature", "must be > 0")
        _require(self.sampler in ("exact", "clustered"), "data.synthetic.sampler",
                 f"must be exact or clustered (got {self.sampler!r})")
        _require(self.kind != "latent" or self.mean_length < self.num_items, "data.synthetic.mean_length",
                 "must be below num_items for kind latent (users never repeat an item)")


@dataclass(frozen=True)
class DataConfig:
    """Where interactions come from and how they become sequences."""

    source: str = "ml-100k"  # ml-100k (embedded) | file | synthetic
    path: str | None = None  # file or directory, for source=file
    format: str = "auto"  # auto | ml-100k | ml-1m | ml-latest | csv | parquet
    items_path: str | None = None  # optional item metadata file (csv/parquet)
    delimiter: str = ","
    user_col: str = "user_id"
    item_col: str = "item_id"
    time_col: str = "timestamp"
    rating_col: str | None = None
    id_type: str = "auto"  # auto: integers when every id is one, else strings; int; str (any non-empty token)
    title_col: str | None = None
    genres_col: str | None = None
    genres_sep: str = "|"
    rating_threshold: float | None = None  # keep ratings >= threshold; None keeps all
    min_user_interactions: int = 5
    min_item_interactions: int = 5
    user_fraction: float = 1.0  # keep a random (seeded) fraction of the users, before filtering
    max_len: int = 50
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)

    def __post_init__(self) -> None:
        _require(self.source in ("ml-100k", "file", "synthetic"), "data.source",
                 f"must be one of ml-100k, file, synthetic (got {self.source!r})")
        _require(self.format in ("auto", "ml-100k", "ml-1m", "ml-latest", "csv", "parquet"),
                 "data.format", f"unknown format {self.format!r}")
        if self.source == "file":
            _require(bool(self.path), "data.path", "is required when data.source is 'file'")
        _require(self.min_user_interactions >= 3, "data.min_user_interactions",
                 "must be >= 3 (leave-one-out needs a train, a validation and a test item)")
        _require(self.min_item_interactions >= 1, "data.min_item_interactions", "must be >= 1")
        _require(self.max_len >= 1, "data.max_len", "history length must be >= 1")
        _require(0.0 < self.user_fraction <= 1.0, "data.user_fraction", "must be in (0, 1]")
        _require(len(self.delimiter) >= 1, "data.delimiter", "must not be empty")
        _require(self.id_type in ("auto", "int", "str"), "data.id_type",
                 f"must be auto, int or str (got {self.id_type!r})")


OPTIMIZERS = ("adam", "lazy_adam")  # the training loops' optimizers (builder.lazy_adam.make_optimizer)


@dataclass(frozen=True)
class TrainingConfig:
    """The training schedule; the teacher and the student each have one (same keys)."""

    SECTION: ClassVar[str] = "training"

    epochs: int = 200  # a cap for `plateau` (validation decides); the length for cosine/constant
    batch_size: int = 128
    learning_rate: float = 3e-3
    # plateau: constant until validation stalls, then restore the best weights and cut the
    # rate; constant; cosine (decays to 0 over `epochs`)
    lr_schedule: str = "plateau"
    patience: int = 3  # evaluations without validation NDCG@10 improvement
    eval_every: int = 2  # epochs between validation evaluations
    decay_factor: float = 0.3  # plateau: learning-rate multiplier at each plateau
    max_decays: int = 2  # plateau: rate cuts before the next plateau stops training
    max_steps_per_epoch: int | None = None  # cap (scale sweeps); None = every window
    # adam, or lazy_adam: sparse table gradients update only the rows a step touches (builder.lazy_adam)
    optimizer: str = "adam"  # one of OPTIMIZERS

    def __post_init__(self) -> None:
        k = self.SECTION
        _require(self.epochs >= 1, f"{k}.epochs", "must be >= 1")
        _require(self.batch_size >= 1, f"{k}.batch_size", "must be >= 1")
        _require(self.learning_rate > 0, f"{k}.learning_rate", "must be > 0")
        _require(self.lr_schedule in ("constant", "cosine", "plateau"), f"{k}.lr_schedule",
                 f"must be plateau, constant or cosine (got {self.lr_schedule!r})")
        _require(self.patience >= 1, f"{k}.patience", "must be >= 1")
        _require(self.eval_every >= 1, f"{k}.eval_every", "must be >= 1")
        _require(0.0 < self.decay_factor < 1.0, f"{k}.decay_factor", "must be in (0, 1)")
        _require(self.max_decays >= 0, f"{k}.max_decays", "must be >= 0")
        _require(self.max_steps_per_epoch is None or self.max_steps_per_epoch >= 1,
                 f"{k}.max_steps_per_epoch", "must be >= 1")
        _require(self.optimizer in OPTIMIZERS, f"{k}.optimizer",
                 f"must be {' or '.join(OPTIMIZERS)} (got {self.optimizer!r})")


def key_fields(cfg: Any, drop: tuple[str, ...] = (), new: tuple[str, ...] = ()) -> dict[str, Any]:
    """`cfg` as the dict a cache key hashes: less the `drop` fields, and less the `new` fields (options
    added after keys existed) while they hold their defaults, so that adding an option keeps the
    keys of every config that does not use it. A nested section drops its own `KEY_NEW` fields."""
    out, full = {}, dataclasses.asdict(cfg)
    for f in dataclasses.fields(cfg):
        v = getattr(cfg, f.name)
        if f.name in drop or (f.name in new and v == f.default):
            continue
        out[f.name] = (key_fields(v, new=getattr(v, "KEY_NEW", ())) if dataclasses.is_dataclass(v)
                       else full[f.name])
    return out


@dataclass(frozen=True)
class TeacherConfig(TrainingConfig):
    """SASRec-style causal self-attention model, full-softmax CE on every position."""

    SECTION: ClassVar[str] = "teacher"

    dim: int = 64
    blocks: int = 2
    heads: int = 2
    dropout: float = 0.2
    # born-again rounds: generation g+1 (same architecture, fresh init) is distilled from
    # generation g with the `distill` loss, and kept only while validation NDCG@10 improves
    generations: int = 1
    # other teachers to train, each a mapping of overrides of this section (e.g. {dropout: 0.2});
    # the best validation NDCG@10 among this config and its candidates is the teacher
    candidates: tuple[dict, ...] = ()
    # 0: full-softmax CE over the catalog on every position; > 0: sampled softmax with this many
    # negatives drawn per batch by training popularity, logQ-corrected, the scores carrying a fixed
    # log-popularity prior whose scale validation chooses (builder.sampled): the cost per step grows
    # with the distinct drawn items, not with the catalog (benchmarks/results/sampled_softmax*.md)
    negatives: int = 0
    # one item table for the history and the scores (SASRec's choice); false: the history is read
    # through a second table (2x the teacher's table bytes; the student is unchanged)
    tied: bool = True
    # the scores carry a fixed log-popularity prior, h.e + s log q (q: training-target popularity, s
    # chosen on validation after training, 1 on ties), so the table learns what differs from
    # popularity. true: always; false: never (plain SASRec, h.e); auto: plain, and trained again with
    # the prior when the plain teacher does not beat most-popular on validation (paired CI), the
    # better on validation kept. A plain full-softmax SASRec can sit at the popularity solution for
    # its whole schedule (synthetic catalog, seed 43: 36 epochs, validation 0.0650); with the prior
    # the same teacher leaves it in 2 epochs (0.1138 by epoch 8). Where the plain teacher learns,
    # auto keeps it and its results (ML-100K seed 42 in one probe: plain 0.1293, prior 0.1278 on
    # validation). Sampled softmax always has the prior.
    popularity_prior: bool | str = "auto"

    @property
    def scores_with_prior(self) -> bool:
        """Whether this teacher's scores carry the popularity prior (always with sampled softmax)."""
        return self.popularity_prior is True or self.negatives > 0

    def candidate_configs(self) -> list["TeacherConfig"]:
        """This config, then one per candidate (overrides applied, checked like the section)."""
        if not self.candidates:
            return [self]
        base = {k: v for k, v in dataclasses.asdict(self).items() if k != "candidates"}
        out = [dataclasses.replace(self, candidates=())]
        for i, over in enumerate(self.candidates):
            where = f"teacher.candidates[{i}]"
            _require(isinstance(over, Mapping) and bool(over), where, "must be a non-empty mapping of teacher keys")
            for k in ("candidates", "generations"):
                _require(k not in over, f"{where}.{k}", "cannot be set per candidate")
            try:
                out.append(_from_dict(TeacherConfig, {**base, **over}, prefix=f"{where}."))
            except ConfigError as e:
                raise ConfigError(f"{where}: {e}") from e
        return out

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(1 <= self.generations <= 5, "teacher.generations", "must be in 1..5")
        _require(self.dim >= 2, "teacher.dim", "must be >= 2")
        _require(self.heads >= 1 and self.dim % self.heads == 0, "teacher.heads",
                 "must be >= 1 and divide teacher.dim")
        _require(self.blocks >= 1, "teacher.blocks", "must be >= 1")
        _require(0.0 <= self.dropout < 1.0, "teacher.dropout", "must be in [0, 1)")
        _require(self.negatives >= 0, "teacher.negatives", "must be >= 0 (0 = full softmax)")
        _require(self.popularity_prior in (True, False, "auto"), "teacher.popularity_prior",
                 f"must be true, false or auto (got {self.popularity_prior!r})")
        _require(self.popularity_prior is not False or not self.negatives, "teacher.popularity_prior",
                 "a sampled-softmax teacher (negatives > 0) scores with the prior: it cannot be false")
        _require(not (self.negatives and self.generations > 1), "teacher.generations",
                 "born-again generations distil over the full catalog: use 1 with teacher.negatives")
        self.candidate_configs()  # every candidate is a valid teacher config


@dataclass(frozen=True)
class StudentConfig(TrainingConfig):
    """Small int8-friendly model: shared item embedding, causal convolutions, dense."""

    SECTION: ClassVar[str] = "student"

    dim: int = 16
    conv_layers: int = 2
    kernel_size: int = 3
    pool_window: int = 0  # >0: add a causal average over the last `pool_window` items (long-term taste)
    dropout: float = 0.1
    # capacity chosen on validation: while the distilled student's best validation NDCG@10 is
    # more than evaluate.max_ndcg_drop below the teacher's, its width doubles, up to max_dim
    # (0 = never: the student keeps `dim`); with distill.item_init teacher_pca, also up to the
    # teacher's dim (the widened table starts from the teacher's PCA)
    max_dim: int = 0
    # item table: 0 = dense [N, dim]; r >= 1 = low-rank, A [N, r] @ B [r, dim] (N*r + r*dim weights;
    # the scores are (h B^T) A^T); with distill.item_init teacher_pca, A and B are the truncated
    # SVD of the teacher's PCA-projected table
    table_rank: int = 0
    # item table: m >= 2 = shared (quotient-remainder): the `table_head` most popular items get rows
    # of their own, the others share m remainder rows and ceil(tail / m) quotient rows (row = offset
    # + Q[q] + R[r]); with distill.item_init teacher_pca the rows are a least-squares fit of the
    # teacher's PCA table. 0 = off. table_head None = m own rows.
    table_buckets: int = 0
    table_head: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self.dim >= 2, "student.dim", "must be >= 2")
        _require(0 <= self.table_rank < self.dim, "student.table_rank",
                 f"must be 0 (dense) or in 1..{self.dim - 1} (below student.dim {self.dim}; a rank-dim "
                 f"table is larger than the dense one) (got {self.table_rank})")
        _require(self.table_buckets == 0 or self.table_buckets >= 2, "student.table_buckets",
                 f"must be 0 (no sharing) or >= 2 remainder buckets (got {self.table_buckets})")
        _require(not (self.table_buckets and self.table_rank), "student.table_buckets",
                 "cannot be combined with student.table_rank (a table is shared or low-rank, not both)")
        _require(self.table_head is None or (self.table_buckets > 0 and self.table_head >= 0),
                 "student.table_head", "must be >= 0, and is set only with student.table_buckets")
        _require(self.conv_layers >= 0, "student.conv_layers", "must be >= 0")
        _require(self.kernel_size >= 1, "student.kernel_size", "must be >= 1")
        _require(self.pool_window >= 0, "student.pool_window", "must be >= 0")
        _require(0.0 <= self.dropout < 1.0, "student.dropout", "must be in [0, 1)")
        _require(self.max_dim == 0 or self.max_dim >= self.dim, "student.max_dim",
                 f"must be 0 (never widen) or >= student.dim ({self.dim})")

    @property
    def shared_head(self) -> int:
        """Items with rows of their own in a shared table (table_head, default table_buckets)."""
        return self.table_buckets if self.table_head is None else self.table_head


@dataclass(frozen=True)
class DistillConfig:
    """loss = alpha * CE(hard) + (1 - alpha) * T^2 * KL(teacher_T || student_T).

    item_init: how the distilled student's item table starts. `teacher_pca`: the
    teacher's table projected on its top student.dim principal axes (needs
    student.dim <= teacher.dim); `random`: the same init as the ablation student.
    """

    alpha: float = 0.5
    temperature: float = 2.0
    item_init: str = "teacher_pca"  # teacher_pca | random
    # 0: every student stage (distilled, no-KD, prune, QAT) scores the full catalog; > 0: each batch
    # is scored on a candidate set, its targets plus this many popularity-drawn items
    # (builder.sampled.CandidateSampler), the KD taken over that set: for catalogs too big to score
    negatives: int = 0
    # with negatives: every position's `top_k` items by the teacher join the candidate set (the
    # items its soft labels put their mass on)
    top_k: int = 10
    # with negatives: at most this many items per candidate set (0 = no cap). The batch's targets
    # and draws are always in it; the teacher's top items fill the rest, the ones most positions of
    # the batch share first. Without a cap the set grows with the catalog (33K of 100K items,
    # benchmarks/results/candidate_distillation_steps.md) and so does the step's cost.
    max_candidates: int = 0
    # how the teacher's top-k are found (builder.top_items): exact (every position against the
    # catalog), index (FAISS inverted-file search, approximate, its recall reported), auto (index
    # from builder.top_items.INDEX_MIN_ITEMS items)
    top_k_search: str = "auto"

    KEY_NEW: ClassVar[tuple[str, ...]] = ("negatives", "top_k", "max_candidates", "top_k_search")  # cache keys: see key_fields

    def loss_terms(self, teacher: bool = True) -> dict[str, Any]:
        """The TrainSpec fields a student stage takes from this section (alpha 1 without a teacher)."""
        return {"alpha": self.alpha if teacher else 1.0, "temperature": self.temperature,
                "negatives": self.negatives, "top_k": self.top_k if teacher else 0,
                "max_candidates": self.max_candidates if teacher else 0, "top_k_search": self.top_k_search}

    def __post_init__(self) -> None:
        _require(self.negatives >= 0, "distill.negatives", "must be >= 0 (0 = the full catalog)")
        _require(self.top_k >= 0, "distill.top_k", "must be >= 0")
        _require(self.max_candidates >= 0, "distill.max_candidates", "must be >= 0 (0 = no cap)")
        _require(self.top_k_search in ("auto", "exact", "index"), "distill.top_k_search",
                 f"must be auto, exact or index (got {self.top_k_search!r})")
        _require(not self.max_candidates or self.negatives, "distill.max_candidates",
                 "caps the candidate sets of distill.negatives > 0; set distill.negatives too")
        _require(0.0 <= self.alpha <= 1.0, "distill.alpha", "must be in [0, 1]")
        _require(self.temperature > 0, "distill.temperature", "must be > 0")
        _require(self.item_init in ("teacher_pca", "random"), "distill.item_init",
                 f"must be teacher_pca or random (got {self.item_init!r})")


@dataclass(frozen=True)
class PruneConfig:
    """Magnitude pruning (TFMOT) to a target sparsity, fine-tuned with distillation."""

    target_sparsity: float = 0.5
    structure: str = "unstructured"  # unstructured | block | 2:4
    block_size: tuple[int, int] = (1, 4)
    epochs: int = 10  # the ramp to the target sparsity (reached after 70% of it)
    learning_rate: float = 1e-3
    recover_epochs: int = 30  # then train on at the target until validation stops improving (a cap; 0 = off)
    # keep the pruned weights only if their validation NDCG@10 is within this relative drop of
    # the unpruned model's; otherwise the recipe goes on unpruned (1.0 = always keep)
    max_val_drop: float = 0.02

    def __post_init__(self) -> None:
        _require(0.0 <= self.target_sparsity < 1.0, "prune.target_sparsity", "must be in [0, 1)")
        _require(self.structure in ("unstructured", "block", "2:4"), "prune.structure",
                 f"must be unstructured, block or 2:4 (got {self.structure!r})")
        _require(len(self.block_size) == 2 and all(b >= 1 for b in self.block_size),
                 "prune.block_size", "must be two positive integers")
        _require(self.epochs >= 1, "prune.epochs", "must be >= 1")
        _require(self.learning_rate > 0, "prune.learning_rate", "must be > 0")
        _require(self.recover_epochs >= 0, "prune.recover_epochs", "must be >= 0")
        _require(0.0 <= self.max_val_drop <= 1.0, "prune.max_val_drop", "must be in [0, 1]")


@dataclass(frozen=True)
class QATConfig:
    """Sparsity-preserving quantization-aware training (TFMOT), embeddings included.

    Validated every epoch with the student's plateau schedule; `epochs` is a cap and the
    best validation epoch is kept."""

    epochs: int = 20
    learning_rate: float = 5e-4

    def __post_init__(self) -> None:
        _require(self.epochs >= 1, "qat.epochs", "must be >= 1")
        _require(self.learning_rate > 0, "qat.learning_rate", "must be > 0")


@dataclass(frozen=True)
class TransitionConfig:
    """The transition head (builder.models.transition): a sparse item-to-item table added to the
    shipped model's scores in its .tflite. Every (size, smoothing, weight) below is tried on the
    validation users against the model without a head; a head ships only if it beats it with a
    paired CI above 0 (evaluate.confidence), and the smallest table not significantly worse than
    the best one is preferred."""

    sizes: tuple[int, ...] = (4, 8, 16)  # successors kept per item (3 bytes each, 5 above 32,767 items)
    smoothings: tuple[float, ...] = (1.0, 10.0)  # popularity smoothing of the boost log(1 + c / (s p))
    weights: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0)  # the head's weight against the model's logits
    # a byte limit for the file with its head (0 = none): sizes whose table would not fit beside the
    # model are not tried (budget mode sets it to budget.max_bytes)
    max_bytes: int = 0

    def __post_init__(self) -> None:
        _require(len(self.sizes) >= 1 and all(k >= 1 for k in self.sizes), "transition.sizes",
                 "must list at least one size >= 1")
        _require(len(self.smoothings) >= 1 and all(a > 0 for a in self.smoothings), "transition.smoothings",
                 "must list at least one smoothing > 0")
        _require(len(self.weights) >= 1 and all(w > 0 for w in self.weights), "transition.weights",
                 "must list at least one weight > 0 (no head is always a candidate)")
        _require(self.max_bytes >= 0, "transition.max_bytes", "must be >= 0 (0 = no limit)")


@dataclass(frozen=True)
class ExportConfig:
    """TFLite export: top-K of the `recommend` signature, PTQ calibration size."""

    k: int = 10
    representative_samples: int = 256

    def __post_init__(self) -> None:
        _require(self.k >= 1, "export.k", "must be >= 1")
        _require(self.representative_samples >= 1, "export.representative_samples", "must be >= 1")


@dataclass(frozen=True)
class EvalConfig:
    """Evaluation protocol: bootstrap CIs and the final quality gate."""

    bootstrap_samples: int = 1000
    confidence: float = 0.95
    max_ndcg_drop: float = 0.05  # quality gate: max relative NDCG@10 drop of final int8 vs teacher
    # quality gate: the teacher must beat most-popular on test (paired CI > 0), else the build fails
    teacher_beats_popularity: bool = True
    # cap on evaluated users (None = all): a seeded random subset, the same users for test and for
    # validation (early stopping, every selection step), which then costs O(max_users x catalog)
    max_users: int | None = None

    def __post_init__(self) -> None:
        _require(self.bootstrap_samples >= 10, "evaluate.bootstrap_samples", "must be >= 10")
        _require(0.5 < self.confidence < 1.0, "evaluate.confidence", "must be in (0.5, 1)")
        _require(0.0 <= self.max_ndcg_drop <= 1.0, "evaluate.max_ndcg_drop", "must be in [0, 1]")
        _require(self.max_users is None or self.max_users >= 1, "evaluate.max_users", "must be >= 1")


_BYTE_UNITS = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000 ** 2, "mib": 1024 ** 2}
_TIME_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600}


def _parse_amount(text: str | int | float, units: dict[str, int], what: str, example: str) -> float:
    import re

    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value, unit = float(text), ""
    else:
        m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)\s*", str(text))
        if m is None or m.group(2).lower() not in units:
            raise ValueError(f"{text!r} is not a {what} (examples: {example})")
        value, unit = float(m.group(1)), m.group(2).lower()
    if value <= 0:
        raise ValueError(f"{text!r}: a {what} must be > 0")
    return value * units[unit]


def parse_bytes(text: str | int) -> int:
    """'32KiB' / '1.5MB' / 40000 -> bytes (KiB = 1024, KB = 1000); ValueError says the syntax."""
    return int(_parse_amount(text, _BYTE_UNITS, "size", "32768, 32KiB, 40KB, 1.5MiB"))


def parse_seconds(text: str | int | float) -> float:
    """'30m' / '90s' / '1.5h' / 600 -> seconds; ValueError says the syntax."""
    return _parse_amount(text, _TIME_UNITS, "duration", "600, 90s, 30m, 1.5h")


@dataclass(frozen=True)
class BudgetConfig:
    """Budget mode (builder.budget): the best model for this data under a size / latency budget.

    Active when max_bytes or max_latency_us is set. Candidates are drawn from the
    space below by Optuna, screened with a short schedule, the most promising that
    fit are trained in full, and the best on validation is shipped.
    """

    max_bytes: int | str | None = None  # exact .tflite bytes; 32768 or "32KiB"
    max_latency_us: float | None = None  # p50 of `recommend` through LiteRT (1 thread, this machine)
    time_budget: float | str | None = None  # seconds or "30m" for the whole build; None = no limit
    trials: int = 16  # candidates screened with the short schedule
    finalists: int = 4  # best-screened candidates within budget trained in full
    screen_epochs: int = 8  # epoch cap of the screening schedule
    dims: tuple[int, ...] = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
    conv_layers: tuple[int, ...] = (0, 1, 2)
    pool: tuple[bool, ...] = (True, False)  # with / without the causal long-window average
    alphas: tuple[float, ...] = (0.1, 0.2, 0.5, 0.8)
    sparsities: tuple[float, ...] = (0.0, 0.5)  # 0 = no pruning step
    ranks: tuple[int, ...] = (0,)  # item-table ranks (student.table_rank); 0 = dense; a rank >= dim = dense
    buckets: tuple[int, ...] = (0,)  # shared-table buckets (student.table_buckets, own rows = buckets); 0 = off

    def __post_init__(self) -> None:
        for key, parse in (("max_bytes", parse_bytes), ("time_budget", parse_seconds)):
            value = getattr(self, key)
            if value is not None:
                try:
                    object.__setattr__(self, key, parse(value))
                except ValueError as e:
                    raise ConfigError(f"config key 'budget.{key}': {e}") from e
        _require(self.max_latency_us is None or self.max_latency_us > 0, "budget.max_latency_us", "must be > 0")
        _require(self.trials >= 1, "budget.trials", "must be >= 1")
        _require(self.finalists >= 1, "budget.finalists", "must be >= 1")
        _require(self.screen_epochs >= 1, "budget.screen_epochs", "must be >= 1")
        for key in ("dims", "conv_layers", "pool", "alphas", "sparsities", "ranks", "buckets"):
            _require(len(getattr(self, key)) >= 1, f"budget.{key}", "must list at least one value")
        _require(all(d >= 2 for d in self.dims), "budget.dims", "every dim must be >= 2")
        _require(all(c >= 0 for c in self.conv_layers), "budget.conv_layers", "must be >= 0")
        _require(all(0.0 <= a <= 1.0 for a in self.alphas), "budget.alphas", "must be in [0, 1]")
        _require(all(0.0 <= s < 1.0 for s in self.sparsities), "budget.sparsities", "must be in [0, 1)")
        _require(all(r >= 0 for r in self.ranks), "budget.ranks", "must be >= 0 (0 = dense)")
        _require(all(b == 0 or b >= 2 for b in self.buckets), "budget.buckets", "must be 0 (not shared) or >= 2")

    @property
    def active(self) -> bool:
        return self.max_bytes is not None or self.max_latency_us is not None


# The default recipe (builder.recipe): a teacher assistant (the student's architecture, halfway
# in width to the teacher, distilled from it; it becomes the teacher when it beats SASRec on
# validation), the distilled student (its width chosen on validation), the ablation student of
# that width, the distilled student's PTQ int8, pruning and the pruned PTQ int8 (what QAT must
# beat), QAT, and the transition head on the QAT model where it wins on validation (the shipped model).
DEFAULT_RECIPE: tuple[dict[str, Any], ...] = (
    {"step": "assistant"}, {"step": "distill"}, {"step": "ablation"}, {"step": "ptq"}, {"step": "prune"},
    {"step": "ptq"}, {"step": "qat"}, {"step": "transition"})


@dataclass(frozen=True)
class BuildConfig:
    """Everything one `rec-builder build` needs.

    `recipe`: the ordered steps after the teacher; each entry names a registered step
    (builder.recipe) and may override keys of that step's section, e.g.
    `{step: prune, target_sparsity: 0.7}`. Entries are checked by `builder.recipe.resolve`.
    """

    run_name: str = "default"
    seed: int = 42
    data: DataConfig = field(default_factory=DataConfig)
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    student: StudentConfig = field(default_factory=StudentConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    prune: PruneConfig = field(default_factory=PruneConfig)
    qat: QATConfig = field(default_factory=QATConfig)
    transition: TransitionConfig = field(default_factory=TransitionConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    evaluate: EvalConfig = field(default_factory=EvalConfig)
    recipe: tuple[dict, ...] = DEFAULT_RECIPE
    budget: BudgetConfig = field(default_factory=BudgetConfig)

    def __post_init__(self) -> None:
        _require(bool(self.run_name) and "/" not in self.run_name and self.run_name not in (".", ".."),
                 "run_name", "must be a non-empty name without '/'")
        _require(self.distill.item_init != "teacher_pca" or self.student.dim <= self.teacher.dim,
                 "distill.item_init", f"teacher_pca needs student.dim ({self.student.dim}) <= "
                 f"teacher.dim ({self.teacher.dim}); use random or a smaller student")
        _require(len(self.recipe) >= 1, "recipe", "must list at least one step")
        for i, entry in enumerate(self.recipe):
            _require(isinstance(entry.get("step"), str), f"recipe[{i}].step",
                     f"every recipe entry needs a step name (got {dict(entry)!r})")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def hash(self) -> str:
        """Stable short hash of the whole config."""
        d = self.to_dict()
        blob = json.dumps(d, sort_keys=True, default=list).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "BuildConfig":
        return _from_dict(cls, data, prefix="")


def _check_type(value: Any, tp: Any, key: str) -> Any:
    """Check `value` against a (simple) type hint; return it, converted where lossless."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _check_type(value, a, key)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"config key '{key}': invalid value {value!r}")
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"config key '{key}': expected a list, got {value!r}")
        return tuple(_check_type(v, args[0], f"{key}[{i}]") for i, v in enumerate(value))
    if origin is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(args):
            raise ConfigError(f"config key '{key}': expected a list of {len(args)} values, got {value!r}")
        return tuple(_check_type(v, a, f"{key}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{key}': expected true/false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{key}': expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key '{key}': expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key '{key}': expected a string, got {value!r}")
        return value
    if tp is dict:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise ConfigError(f"config key '{key}': expected a mapping, got {value!r}")
        return dict(value)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"config key '{key}': expected a table/mapping, got {value!r}")
        return _from_dict(tp, value, prefix=f"{key}.")
    raise ConfigError(f"config key '{key}': unsupported type {tp}")  # pragma: no cover


def _from_dict(cls: type, data: Mapping[str, Any], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"unknown config key '{prefix}{unknown[0]}' (valid keys under '{prefix or 'top level'}': "
            f"{', '.join(sorted(names))})"
        )
    kwargs = {k: _check_type(v, hints[k], f"{prefix}{k}") for k, v in data.items()}
    return cls(**kwargs)


def _deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _deep_merge(dict(out[k]), v)
        else:
            out[k] = v
    return out


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML (.yaml/.yml) or TOML (.toml) config file into a dict."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    text = p.read_text(encoding="utf-8")
    try:
        if p.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        elif p.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text) or {}
        else:
            raise ConfigError(f"config file {p}: unknown extension {p.suffix!r} (use .yaml, .yml or .toml)")
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"config file {p}{where}: invalid YAML: {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {p}: invalid TOML: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p}: the top level must be a mapping")
    return data


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def load_config(
    preset: str | None = "default",
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> BuildConfig:
    """Preset, then the config file on top of it, then explicit overrides."""
    data: dict[str, Any] = {}
    if preset is not None:
        if preset not in preset_names():
            raise ConfigError(f"unknown preset {preset!r} (available: {', '.join(preset_names())})")
        data = read_config_file(PRESETS_DIR / f"{preset}.yaml")
    if path is not None:
        try:
            data = _deep_merge(data, read_config_file(path))
            return BuildConfig.from_dict(_deep_merge(data, overrides or {}))
        except ConfigError as e:
            msg = str(e)
            raise ConfigError(msg if str(path) in msg else f"config file {path}: {msg}") from e
    return BuildConfig.from_dict(_deep_merge(data, overrides or {}))
