"""One evaluator for every kind of model: Keras, .tflite (LiteRT) or a baseline.

A *scorer* maps left-padded histories int32 [B, L] to scores float32 [B, N]
over the whole vocabulary (index 0 = padding). The evaluator ranks the full
catalog, excludes each user's whole history, and returns per-user metrics
so that models can be compared paired on the same users.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from builder.data.dataset import EvalSplit, pad_left
from builder.evaluate.bootstrap import Bootstrap
from builder.evaluate.metrics import METRIC_NAMES, per_user_metrics, target_ranks, top_k_stable

Scorer = Callable[[np.ndarray], np.ndarray]


@dataclass
class EvalResult:
    name: str
    per_user: dict[str, np.ndarray]
    top10: np.ndarray  # int32 [U, 10] top-10 ids after exclusion (-1 where fewer remain)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def n_users(self) -> int:
        return len(self.per_user["ndcg@10"])

    def mean(self, metric: str) -> float:
        return float(self.per_user[metric].mean())

    def summary(self, boot: Bootstrap) -> dict[str, dict[str, float]]:
        return {m: boot.summarize(self.per_user[m]) for m in METRIC_NAMES}


def evaluate(scorer: Scorer, split: EvalSplit, max_len: int, name: str,
             batch_size: int | None = None) -> EvalResult:
    """Full-ranking evaluation of `scorer` on `split` (history items excluded).

    The default batch keeps a batch of scores near 64 MB, whatever the catalog size.
    """
    greater, ties, tops, ces = [], [], [], []
    if batch_size is None:
        n = len(scorer(pad_left(split.histories[:1], max_len))[0]) if len(split) else 1
        batch_size = max(1, min(256, (16 << 20) // max(n, 1)))
    for start in range(0, len(split), batch_size):
        hist = split.histories[start:start + batch_size]
        tgt = split.targets[start:start + batch_size]
        scores = np.asarray(scorer(pad_left(hist, max_len)), dtype=np.float32)
        if scores.ndim != 2 or scores.shape[0] != len(hist):
            raise ValueError(f"{name}: scorer returned shape {scores.shape}, expected [{len(hist)}, N]")
        g, t = target_ranks(scores, tgt, hist)
        greater.append(g)
        ties.append(t)
        ces.append(cross_entropy(scores, tgt))
        masked = scores.copy()
        masked[:, 0] = -np.inf
        for i, h in enumerate(hist):
            masked[i, h] = -np.inf
        top = top_k_stable(masked, 10).astype(np.int32)
        top[~np.isfinite(np.take_along_axis(masked, top, axis=1))] = -1  # tiny catalogs only
        tops.append(top)
    return EvalResult(name, per_user_metrics(np.concatenate(greater), np.concatenate(ties)),
                      np.concatenate(tops), {"ce": np.concatenate(ces)})


def cross_entropy(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-user softmax cross-entropy of the target over the catalog (padding excluded), in nats.

    A proper scoring rule that moves while the top-10 does not: training uses it to tell a
    model that is still learning from one that has converged.
    """
    s = scores[:, 1:]
    top = s.max(axis=1, keepdims=True)
    # exp in float32 (each term is <= 1 after the shift), summed in float64: the same nats to
    # ~1e-6, at a fraction of a float64 pass over a large catalog
    lse = top[:, 0].astype(np.float64) + np.log(np.exp(s - top).sum(axis=1, dtype=np.float64))
    return lse - scores[np.arange(len(targets)), targets].astype(np.float64)


def keras_scorer(model: Any, batch_size: int = 512) -> Scorer:
    """Scores from a Keras model mapping [B, L] ids to [B, N] logits."""
    from builder._keras import tf

    fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def score(histories: np.ndarray) -> np.ndarray:
        return np.concatenate([fn(tf.constant(histories[i:i + batch_size])).numpy()
                               for i in range(0, len(histories), batch_size)])

    return score


def tflite_scorer(path: Path, num_threads: int = 2) -> Scorer:
    """Scores from the `scores` signature of a .tflite, run through the LiteRT interpreter.

    The file goes through the same verified loader as every command (its sidecar, when
    present, must match it); a model without a `scores` signature is a ModelFileError."""
    from builder.model_file import SCORES, ModelFileError, inspect_model, open_interpreter

    info = inspect_model(path)
    if SCORES not in info.signatures:
        raise ModelFileError(f"{path}: no '{SCORES}' signature (found {', '.join(info.signatures)}); "
                             "full-catalog evaluation needs it")
    runner = open_interpreter(path, num_threads).get_signature_runner(SCORES)

    def score(histories: np.ndarray) -> np.ndarray:
        return runner(history=histories.astype(np.int32))["scores"]

    return score
