"""Markdown summaries of the result JSONs: `stages.md`, `scale.md` and `README.md`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.common import fmt_bytes, fmt_pct, fmt_ratio, fmt_us, md_table, write_text

STAGES_JSON = "stages.json"
SCALE_JSON = "scale.json"


def machine_line(m: dict[str, Any]) -> str:
    return (f"{m.get('cpu_model')}, {m.get('cpu_count_usable')} usable cores, "
            f"{m.get('memory_total_gib')} GiB RAM, load {m.get('load_average_1_5_15')} at start; "
            f"Python {m.get('python')}, TensorFlow {m.get('tensorflow_cpu') or m.get('tensorflow')}, "
            f"tf-keras {m.get('tf_keras')}, ai-edge-litert {m.get('ai_edge_litert')}, "
            f"NumPy {m.get('numpy')}, rec-builder {m.get('rec_builder')}")


def stages_markdown(doc: dict[str, Any]) -> str:
    b = doc["build"]
    ds = b.get("dataset") or {}
    out = [f"Build `{doc['run_dir']}` (run `{b.get('run_name')}`, config {b.get('config_hash')}; "
           f"{ds.get('source')}: {ds.get('users')} users, {ds.get('items')} items; NDCG@10 on "
           f"{b.get('evaluated_users')} test users, full ranking, 95% bootstrap CI).",
           f"Inputs: {doc['histories']}. Latency = one `recommend` call at batch 1 from Python "
           "(LiteRT: input copy + invoke + top-K fetch); LiteRT models timed interleaved in one "
           "process; the Keras rows come from a separate process per thread count, where they were "
           "interleaved with `teacher.tflite`, and their ratios are to that in-process teacher.",
           f"Machine: {machine_line(doc['machine'])}. Took {doc['seconds']:.0f} s.", ""]
    for t in doc["threads"]:
        rows = [r for r in doc["rows"] if r["threads"] == t]
        table = []
        for r in rows:
            ci = r.get("ndcg@10_ci")
            ndcg = "-" if r.get("ndcg@10") is None else (
                f"{r['ndcg@10']:.4f}" + (f" [{ci[0]:.4f}, {ci[1]:.4f}]" if ci else ""))
            rt, rf = r["ratio_to_teacher"], r.get("ratio_to_floor") or {}
            table.append([r["label"], r["runtime"], fmt_us(r["p50_us"]), fmt_us(r["p90_us"]),
                          fmt_us(r["p99_us"]), fmt_ratio(rt["p50"]), fmt_ratio(rt["p99"]),
                          fmt_ratio(rf.get("p50")), fmt_ratio(rf.get("p99")),
                          fmt_bytes(r["size_bytes"]), fmt_bytes(r["gzip_bytes"]),
                          fmt_pct(r["int8_share"]), fmt_pct(r["weight_sparsity"]), ndcg])
        out.append(f"**{t} thread{'s' if t > 1 else ''}**\n")
        out.append(md_table(["model", "runtime", "p50", "p90", "p99", "p50 / teacher", "p99 / teacher",
                             "p50 / floor", "p99 / floor",
                             "size", "gzip", "int8 share of constant bytes", "weight sparsity", "NDCG@10 [95% CI]"],
                            table))
    if doc.get("keras_reference"):
        agree = [k.get("top10_agreement_keras_vs_tflite") for k in doc["keras_reference"]]
        out.append(f"Keras teacher vs teacher.tflite top-10 agreement on 20 histories: "
                   f"{', '.join('-' if a is None else f'{a:.2f}' for a in agree)} (cross-check that the "
                   "Keras reference is the same model).\n")
    if doc.get("keras_reference_error"):
        out.append(f"Keras reference: {doc['keras_reference_error']}\n")
    return "\n".join(out)


def _ndcg_cell(q: dict[str, Any]) -> str:
    """NDCG@10 [CI], and the paired difference to the teacher with its CI when there is one."""
    if q.get("ndcg@10") is None:
        return "-"
    ci, vs = q.get("ndcg@10_ci"), q.get("vs_teacher")
    cell = f"{q['ndcg@10']:.4f}" + (f" [{ci[0]:.4f}, {ci[1]:.4f}]" if ci else "")
    if vs:
        cell += f"; {vs['value']:+.4f} [{vs['ci_low']:+.4f}, {vs['ci_high']:+.4f}] vs teacher"
    return cell


def scale_markdown(doc: dict[str, Any]) -> str:
    from benchmarks.scale import BASELINES, STAGE_NAMES

    sizes = doc["sizes"]
    out = [f"Machine: {machine_line(doc['machine'])}. Per-size budget {doc['time_budget_s_per_size']:.0f} s, "
           f"address-space cap {doc['memory_cap_gib']} GiB. Sweep took {doc['seconds']:.0f} s"
           + (f" (this run; sizes {doc['sizes_kept_from_previous_run']} kept from an earlier run, "
              "see each size's `wall_seconds`)" if doc.get("sizes_kept_from_previous_run") else "") + ".", ""]
    out += [f"- {n}" for n in doc["notes"]]
    out.append("")
    rows = []
    for s in sizes:
        plan = s.get("plan") or {}
        ds = s.get("dataset") or {}
        train = (s.get("config") or {}).get("teacher", {})
        rows.append([f"{s['num_items']:,}", f"{s['vocabulary_items']:,}" if s.get("vocabulary_items") else "-",
                     f"{ds.get('users', plan.get('num_users', '-'))} / {ds.get('interactions', '-'):,}"
                     if ds else f"{plan.get('num_users', '-')} / -",
                     "full" if not plan.get("negatives") else f"sampled, {plan['negatives']} draws",
                     f"{train.get('batch_size', '-')} x {(s.get('config') or {}).get('data', {}).get('max_len', '-')}",
                     f"{s.get('evaluated_users') or '-'}",
                     s.get("status", "-"),
                     f"{s['build_seconds']:.0f} s" if s.get("build_seconds") is not None else "-",
                     f"{s['wall_seconds']:.0f} s" if s.get("wall_seconds") is not None else "-",
                     f"{s['peak_rss_build_mb'] / 1024:.2f} GiB" if s.get("peak_rss_build_mb") else "-"])
    out.append("**Runs**\n")
    out.append(md_table(["catalog (nominal)", "vocabulary", "users / interactions", "softmax", "batch x history",
                         "test users", "status", "build total", "wall (incl. import, latency)",
                         "peak RSS (build)"], rows))
    ok = [s for s in sizes if s.get("stages")]
    if ok:
        def table(title: str, names: tuple[str, ...], cell: Any, part: str = "stages") -> None:
            if title:
                out.append(f"**{title}**\n")
            out.append(md_table(["stage"] + [f"{s['num_items']:,}" for s in ok],
                                [[n] + [cell(s.get(part, {}).get(n, {})) for s in ok] for n in names]))

        table("test NDCG@10 [95% CI]; paired difference to the teacher [95% CI]", BASELINES,
              _ndcg_cell, part="baselines")
        table("", STAGE_NAMES, _ndcg_cell)
        table("epochs run (best validation epoch; equal = the cap ended it)", STAGE_NAMES,
              lambda st: "-" if not st.get("train") else f"{st['train']['epochs_run']} ({st['train']['best_epoch']})")
        table(".tflite size (gzip -9)", STAGE_NAMES, lambda st: "-" if "size_bytes" not in st else
              fmt_bytes(st['size_bytes']) + (f" ({fmt_bytes(st['gzip_bytes'])})" if "gzip_bytes" in st else ""))
        table("latency p50 / p99 (recommend, batch 1, 1 thread)", STAGE_NAMES,
              lambda st: "-" if "latency_p50_us" not in st
              else f"{fmt_us(st['latency_p50_us'])} / {fmt_us(st['latency_p99_us'])}")
        table("stage build time (training; report.json `seconds`)", STAGE_NAMES,
              lambda st: "-" if "build_seconds" not in st else f"{st['build_seconds']:.1f} s")
    out.append("Plots: [size vs catalog](scale_size.png), [latency vs catalog](scale_latency.png).\n")
    return "\n".join(out)


def write_summaries(out_dir: Path) -> Path:
    """Write stages.md / scale.md for the JSONs present and the combined README.md."""
    out_dir = Path(out_dir)
    parts = ["# Benchmark results\n",
             "Produced by `python -m benchmarks.run` (`make benchmark`); see "
             "[benchmarks/README.md](../README.md) for what is measured and how. "
             "Raw numbers: `stages.json`, `scale.json`.\n"]
    for part, json_name, title, to_markdown in (("stages", STAGES_JSON, "Stages side by side", stages_markdown),
                                                ("scale", SCALE_JSON, "Scale sweep", scale_markdown)):
        path = out_dir / json_name
        if path.is_file():
            md = to_markdown(json.loads(path.read_text()))
            write_text(out_dir / f"{part}.md", f"# {title}\n\n" + md)
            parts += [f"## {title}\n", md]
        else:
            parts.append(f"## {title}\n\nNot run yet (`python -m benchmarks.run --only {part}`).\n")
    return write_text(out_dir / "README.md", "\n".join(parts))
