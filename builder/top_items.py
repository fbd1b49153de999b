"""The frozen teacher's top items for every training position (candidate distillation).

Candidate distillation (builder.sampled.CandidateSampler) puts each position's top-k items by the
teacher into the batch's candidate set. Finding them is one pass over the training windows that
scores every position against the whole catalog: 0.42 ms per position at 100K items and 4.94 ms
at 1M on this project's 2-core machine, so ~35 min and ~7 h for 5M positions. Two searches:

- `exact`: the teacher's logits over the catalog and tf.math.top_k, in chunks.
- `index`: maximum-inner-product search in a FAISS inverted-file index (IndexIVFFlat, inner
  product) over the teacher's scoring rows. The teacher's score is linear in its hidden vector
  h, s(h) = h.M + c (c: the scoring layer's bias plus the log-popularity prior), so the index
  holds the rows [M_i, c_i] and the queries are [h, 1]. Each query scans `nprobe` of `nlist`
  clusters, `nprobe` doubled from 16 until the recall@k against the exact search on a sample of
  positions reaches RECALL_TARGET (a trained teacher's rows cluster loosely: at 100K items 16 of
  1,264 lists gave recall 0.39). The recall is reported.
- `auto`: `index` from INDEX_MIN_ITEMS items, `exact` below.

FAISS (faiss-cpu) is a maintained, SIMD and OpenMP search library; an index of our own would be
the same inverted lists, slower. Candidates only need items the teacher ranks high, not the
exact top-k, and the sample recall says how close they are.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from builder._keras import tf
from builder.cache import StageCache
from builder.evaluate.metrics import top_k_overlap
from builder.models.teacher import SequenceModel
from builder.progress import SILENT, Progress

SEARCHES = ("auto", "exact", "index")
# From here on the index is cheaper (and below it the exact pass takes seconds): on the trained
# 100K-item teacher the exact pass cost 0.578 ms per position, the index 0.11 ms (539 s for 4.85M
# positions at 64 of 1,264 lists, recall 0.944; README).
INDEX_MIN_ITEMS = 20_000
RECALL_SAMPLE = 2_000  # positions whose index result is checked against the exact top-k
RECALL_TARGET = 0.9  # the index scans more lists until its recall@k on that sample reaches this


@dataclass(frozen=True)
class TopItems:
    """int32 [W, L, k] items (0 for padding positions under `index`) and how they were found."""

    items: np.ndarray
    search: str  # exact | index
    seconds: float
    recall: float | None = None  # index: mean recall@k vs exact on RECALL_SAMPLE positions
    nlist: int = 0
    nprobe: int = 0
    reused: bool = False  # the memo's result for the same teacher: `seconds` is the first call's

    def summary(self) -> dict[str, float | int | str | None]:
        """What a report keeps: the search, its cost and (index) recall and shape."""
        return {"search": self.search, "k": int(self.items.shape[-1]), "seconds": round(self.seconds, 1),
                "recall": self.recall, "nlist": self.nlist, "nprobe": self.nprobe, "reused": self.reused}

    def describe(self) -> str:
        cost = f"{self.seconds:.0f} s" + (" once, reused for this stage" if self.reused else "")
        if self.search == "exact":
            return f"teacher top-{self.items.shape[-1]}: exact search, {cost}"
        return (f"teacher top-{self.items.shape[-1]}: FAISS IVF index ({self.nlist} lists, {self.nprobe} scanned "
                f"per query), {cost}, recall@{self.items.shape[-1]} {self.recall:.3f} against the "
                f"exact search on {RECALL_SAMPLE} positions")


_TOP_ITEMS: dict[tuple, TopItems] = {}  # the last teacher_top_items result (one entry)


def resolve_search(search: str, num_items: int) -> str:
    if search not in SEARCHES:
        raise ValueError(f"unknown top-k search {search!r} ({' | '.join(SEARCHES)})")
    if search == "auto":
        return "index" if num_items >= INDEX_MIN_ITEMS else "exact"
    return search


def teacher_top_items(teacher: SequenceModel, inputs: np.ndarray, k: int, search: str = "exact",
                      chunk_bytes: int = 256 << 20, seed: int = 0, cache: StageCache | None = None,
                      progress: Progress = SILENT) -> TopItems:
    """Every training position's k best items by the frozen teacher (padding excluded).

    The last result is kept: every student stage of a build (distill, widths, prune, QAT) asks for
    the same teacher's top items, which then cost one pass per build instead of one per stage. With
    a `cache` (the build's stage cache) they are also stored on disk under a key of the teacher's
    weights, the windows and the search, so that a rebuild with the same teacher (another student,
    a resumed build) reads them instead of searching again (243 s on the AMD EPYC host and
    539 s on the Xeon at 100K items). A search shows a bar over the training windows."""
    n = int(teacher.sequence.output_shape[-1])
    search = resolve_search(search, n)
    checksum = sum(float(tf.reduce_sum(w)) for w in teacher.sequence.weights)  # no host copy of the table
    shape = index_shape(n - 1) if search == "index" else (0, 0)
    memo = (id(teacher.sequence), id(inputs), inputs.shape, k, search, shape, checksum)
    if memo in _TOP_ITEMS:
        return replace(_TOP_ITEMS[memo], reused=True)
    _TOP_ITEMS.clear()
    key = _store_key(teacher, inputs, k, search, shape, seed) if cache is not None else ""
    stored = cache.load_arrays(STORE_NAME, key) if cache is not None else None
    if stored is not None and STORED in stored[0]:  # an entry without it is redone, as a stage's is
        meta, arrays = stored
        _TOP_ITEMS[memo] = TopItems(arrays["items"], search, reused=True, **meta[STORED])
        return _TOP_ITEMS[memo]
    t0 = time.perf_counter()
    if search == "exact":
        found = TopItems(_exact(teacher, inputs, k, chunk_bytes, progress), "exact", 0.0)
    else:
        found = _indexed(teacher, inputs, k, shape, chunk_bytes, seed, progress)
    found = _TOP_ITEMS[memo] = replace(found, seconds=time.perf_counter() - t0)
    if cache is not None:
        cache.save_arrays(STORE_NAME, key, {"items": found.items},
                          {STORED: {f: getattr(found, f) for f in ("seconds", "recall", "nlist", "nprobe")}})
    return found


STORE_NAME = "teacher_top_items"  # the stage-cache entry holding the last teacher's top items
STORED = "search"  # its meta.json key for the TopItems fields besides the items


def _store_key(teacher: SequenceModel, inputs: np.ndarray, k: int, search: str, shape: tuple[int, int],
               seed: int) -> str:
    """The disk key of a search: a digest of the teacher's weights and the windows, and its settings."""
    import hashlib

    h = hashlib.sha256()
    for w in teacher.sequence.weights:
        h.update(np.ascontiguousarray(w.numpy()).tobytes())
    h.update(np.ascontiguousarray(inputs).tobytes())
    h.update(repr((inputs.shape, k, search, shape, seed, RECALL_TARGET, RECALL_SAMPLE)).encode())
    return h.hexdigest()[:16]


def _exact(teacher: SequenceModel, inputs: np.ndarray, k: int, chunk_bytes: int,
           progress: Progress = SILENT) -> np.ndarray:
    w, length = inputs.shape
    n = int(teacher.sequence.output_shape[-1])
    mask = tf.constant(np.r_[-1e9, np.zeros(n - 1)].astype(np.float32))
    top = tf.function(lambda x: tf.math.top_k(teacher.sequence(x, training=False) + mask, k=min(k, n - 1))[1],
                      reduce_retracing=True)
    rows = max(1, chunk_bytes // (length * n * 4))
    out = np.empty((w, length, min(k, n - 1)), np.int32)
    with progress.bar(f"teacher top-{k} (exact)", w, unit="window") as bar:
        for start in range(0, w, rows):
            out[start:start + rows] = top(tf.constant(inputs[start:start + rows])).numpy()
            bar.update(min(rows, w - start))
    return out


def scoring_rows(teacher: SequenceModel, chunk: int = 65_536) -> np.ndarray:
    """float32 [N, C + 1]: row i = [M_i, c_i] with score(h)_i = h.M_i + c_i (the teacher's scoring
    layer and prior are linear in h, so its scores of the unit vectors and of 0 give M and c)."""
    c_dim = int(teacher.hidden.output_shape[-1])
    n = int(teacher.sequence.output_shape[-1])
    probes = tf.constant(np.vstack([np.eye(c_dim), np.zeros((1, c_dim))]).astype(np.float32)[None])  # [1, C+1, C]
    rows = np.empty((n, c_dim + 1), np.float32)
    for start in range(0, n, chunk):
        ids = tf.range(start, min(n, start + chunk), dtype=tf.int32)
        s = teacher.score_candidates(probes, ids).numpy()[0]  # [C+1, U]
        rows[start:start + s.shape[1], :c_dim] = (s[:c_dim] - s[c_dim]).T
        rows[start:start + s.shape[1], c_dim] = s[c_dim]
    return rows


def hidden_queries(teacher: SequenceModel, inputs: np.ndarray, rows_per_call: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(flat indices of the non-padding positions of `inputs`, float32 [P, C + 1] queries [h, 1])."""
    forward = tf.function(lambda x: teacher.hidden(x, training=False), reduce_retracing=True)
    flat = np.flatnonzero(inputs.ravel() > 0)
    c_dim = int(teacher.hidden.output_shape[-1])
    q = np.ones((len(flat), c_dim + 1), np.float32)
    done = 0
    for start in range(0, len(inputs), rows_per_call):
        x = inputs[start:start + rows_per_call]
        h = forward(tf.constant(x)).numpy()[x > 0]
        q[done:done + len(h), :c_dim] = h
        done += len(h)
    return flat, q


def index_shape(num_items: int) -> tuple[int, int]:
    """(nlist, first nprobe): ~4 sqrt(N) lists (FAISS's guideline); the search starts by scanning
    16 of them per query and doubles that until the sample recall reaches RECALL_TARGET."""
    nlist = int(max(1, min(num_items // 39, 4 * np.sqrt(num_items))))  # >= 39 training points per list
    return nlist, min(nlist, 16)


def _indexed(teacher: SequenceModel, inputs: np.ndarray, k: int, shape: tuple[int, int], chunk_bytes: int,
             seed: int, progress: Progress = SILENT) -> TopItems:
    import faiss

    rows = scoring_rows(teacher)[1:]  # padding (item 0) is never a candidate
    n, dim = rows.shape
    k = min(k, n)
    nlist, nprobe = shape
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    index.train(rows)
    index.add(rows)
    flat, queries = hidden_queries(teacher, inputs)
    sample = np.random.default_rng(seed).choice(len(queries), min(RECALL_SAMPLE, len(queries)), replace=False)
    exact = _exact_rows(queries[sample], rows, k)
    while True:  # how many lists to scan: the fewest (by doubling) that reach the target recall
        index.nprobe = nprobe
        recall = float(top_k_overlap(index.search(queries[sample], k)[1], exact).mean())
        if recall >= RECALL_TARGET or nprobe >= nlist:
            break
        nprobe = min(nlist, 2 * nprobe)
    progress.info(f"teacher top-{k}: FAISS IVF index, {nlist} lists, {nprobe} scanned per query "
                  f"(sample recall@{k} {recall:.3f}); searching {len(queries):,} positions")
    out = np.zeros((inputs.size, k), np.int32)
    step = max(1, min(chunk_bytes // (dim * 4 * 8), 65_536))
    with progress.bar(f"teacher top-{k} (index)", len(queries), unit="position") as bar:
        for start in range(0, len(queries), step):
            _, labels = index.search(queries[start:start + step], k)
            out[flat[start:start + step]] = labels + 1  # row r is item r + 1
            bar.update(len(labels))
    return TopItems(out.reshape(*inputs.shape, k), "index", 0.0, recall, nlist, nprobe)


def _exact_rows(queries: np.ndarray, rows: np.ndarray, k: int, chunk: int = 256) -> np.ndarray:
    """The exact top-k row indices of each query (the recall check)."""
    out = np.empty((len(queries), k), np.int64)
    for start in range(0, len(queries), chunk):
        s = queries[start:start + chunk] @ rows.T
        top = np.argpartition(-s, k - 1, axis=1)[:, :k]
        out[start:start + chunk] = top
    return out
