"""Build reports: report.json (machine-readable), report.md and report.html (with plots)."""
from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from builder.io import write_bytes_atomic, write_json_atomic, write_text_atomic

if TYPE_CHECKING:
    from builder.results import BuildResult, StageResult


def write_reports(result: "BuildResult") -> dict[str, Path]:
    d = result.run_dir
    data = result.to_dict()
    plots = write_plots(result, d / "plots")
    write_json_atomic(d / "report.json", data)
    write_text_atomic(d / "report.md", markdown(data, {k: p.relative_to(d) for k, p in plots.items()}))
    write_text_atomic(d / "report.html", html_report(data, plots))
    return {"json": d / "report.json", "md": d / "report.md", "html": d / "report.html", **plots}


def _ci(s: dict[str, Any], m: str) -> str:
    lo, hi = s[f"{m}_ci"]
    return f"{s[m]:.4f} [{lo:.4f}, {hi:.4f}]"


def _kib(n: int | None) -> str:
    return "" if n is None else f"{n / 1024:,.1f}"


def _diff(s: dict[str, Any]) -> str:
    v = s.get("vs_teacher")
    if not v:
        return ""
    return f"{v['value']:+.4f} [{v['ci_low']:+.4f}, {v['ci_high']:+.4f}] ({v['relative']:+.1%})"


def _users(evaluated: int, users: int) -> str:
    if evaluated >= users:
        return f"{evaluated:,} test users"
    return (f"{evaluated:,} test users, a random subset of the {users:,} (`evaluate.max_users`; "
            "the CIs are over this subset, and validation uses the same users)")


def stage_table(data: dict[str, Any]) -> list[list[str]]:
    rows = [["stage", "NDCG@10 [95% CI]", "HR@10 [95% CI]", "MRR", "vs teacher NDCG@10 (paired)",
             "params (non-zero)", ".tflite KiB", "gzip KiB", "int8 share", "top-10 agreement"]]
    for s in data["stages"]:
        params = "" if s["params"] is None else f"{s['params']:,} ({s['nonzero_params']:,})"
        agree = "" if s["agreement_top10"] is None else f"{s['agreement_top10']:.3f}"
        static = s["extra"].get("static")
        int8 = "" if not static else f"{static['int8_share']:.1%}"
        rows.append([s["name"], _ci(s, "ndcg@10"), _ci(s, "hr@10"), f"{s['mrr']:.4f}", _diff(s), params,
                     _kib(s["size_bytes"]), _kib(s["gzip_bytes"]), int8, agree])
    return rows


def comparison_lines(data: dict[str, Any]) -> list[str]:
    out = []
    for c in data.get("comparisons", []):
        verdict = "better" if c["ci_low"] > 0 else "worse" if c["ci_high"] < 0 else "no significant difference"
        size = (f"; {c['b']} is {c['size_ratio_b_over_a']:.1f}x the size"
                if "size_ratio_b_over_a" in c else "")
        out.append(f"- {c['question']}: {c['a']} - {c['b']} = {c['value']:+.4f} NDCG@10 "
                   f"[{c['ci_low']:+.4f}, {c['ci_high']:+.4f}] ({c['relative']:+.1%}): **{verdict}**{size}")
    return out


def markdown(data: dict[str, Any], plots: dict[str, Path]) -> str:
    ds, pr = data["dataset"], data["protocol"]
    out = [f"# rec-builder report: {data['run_name']}", "",
           f"Data: {ds['source']}: {ds['users']:,} users, {ds['items']:,} items, "
           f"{ds['interactions']:,} interactions (density {ds['density']:.4f}, median sequence "
           f"{ds['seq_len_median']:.0f}).", "",
           f"Protocol: {pr['split']}; {pr['ranking']}; {_users(pr['users'], ds['users'])}; "
           f"{pr['confidence']:.0%} bootstrap CIs over users ({pr['bootstrap_samples']} resamples); "
           "differences to the teacher are paired on the same users. Every stage with a .tflite is "
           "measured by running that file through the LiteRT interpreter.", ""]
    if data.get("workers", 1) > 1:
        out += [f"Training: data-parallel on {data['workers']} workers (tf.distribute."
                "MultiWorkerMirroredStrategy, one shard of every global batch each).", ""]
    rows = stage_table(data)
    out.append("| " + " | ".join(rows[0]) + " |")
    out.append("|" + "---|" * len(rows[0]))
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    out.append("")
    out += ["Stages:", ""] + [f"- **{s['name']}**: {s['description']}" for s in data["stages"]] + [""]
    if data.get("comparisons"):
        out += ["What each step cost and bought (paired on the same users, 95% CI):", ""]
        out += comparison_lines(data) + [""]
    out += ceiling_lines(data)
    out += head_lines(data)
    out += graph_cost_lines(data)
    if data.get("search"):
        out += budget_section(data, plots)
    g = data["gate"]
    out.append(f"Quality gate: **{g['status']}**" + (f": {g['message']}" if "message" in g else
                                                       f" ({g.get('reason', '')})"))
    out.append("")
    for name, p in plots.items():
        if name != "frontier":
            out.append(f"![{name}]({p})")
    out.append("")
    out.append(f"Build time: {data['seconds']:.0f} s. Config hash {data['config_hash']}, "
               f"builder {data['builder_version']}.")
    return "\n".join(out) + "\n"


def html_report(data: dict[str, Any], plots: dict[str, Path]) -> str:
    """report.md rendered to HTML (one source, so the two cannot drift), plots embedded."""
    import markdown as md

    inline = {k: f"data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}" for k, p in plots.items()}
    body = md.markdown(markdown(data, inline), extensions=["tables"])
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>rec-builder report: {html.escape(data['run_name'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:right}}td:first-child{{text-align:left}}
img{{max-width:560px;display:inline-block;margin:8px}}</style></head><body>
{body}
</body></html>
"""


def graph_cost_lines(data: dict[str, Any]) -> list[str]:
    """The serving graph's own cost per .tflite: operators per signature, the bytes that are not
    constants (graph structure) and the bytes that are not the item table (builder.benchmark.static)."""
    rows = [s for s in data["stages"] if (s["extra"].get("static") or {}).get("graph")]
    if not rows:
        return []
    out = ["The graph's own cost (from the .tflite; activation bytes: the non-constant tensors of one "
           "`recommend` call at their static shapes, before LiteRT's memory reuse):", "",
           "| stage | ops recommend / scores | constant B | graph B (not constants) | item table B | "
           "not the table B | recommend activation B |", "|---|---|---|---|---|---|---|"]
    for s in rows:
        st = s["extra"]["static"]
        g = st["graph"]
        sig = g["by_signature"]
        ops = " / ".join(str(sig[k]["num_operators"]) if k in sig else "-" for k in ("recommend", "scores"))
        act = sig.get("recommend", {}).get("activation_bytes")
        const = st.get("constant_bytes", s["size_bytes"] - g["graph_bytes"])
        out.append(f"| {s['name']} | {ops} | {const:,} | {g['graph_bytes']:,} | {g['item_table_bytes']:,} | "
                   f"{g['non_table_bytes']:,} | {'-' if act is None else f'{act:,}'} |")
    return out + [""]


def ceiling_lines(data: dict[str, Any]) -> list[str]:
    """Is the teacher the ceiling? (report.json `ceiling`, builder.evaluate.ceiling)"""
    from builder.evaluate.ceiling import ceiling_line

    return [ceiling_line(data["ceiling"]), ""] if data.get("ceiling") else []


def head_lines(data: dict[str, Any]) -> list[str]:
    """The transition step's decision on validation: the head it shipped, or why none."""
    # the first row carrying the decision is the model the heads were tried on (the head's own row follows)
    stage, d = next(((s["name"], s["extra"]["transition_head"]) for s in data["stages"]
                     if s["extra"].get("transition_head")), (None, None))
    if d is None:
        return []
    if not d["tried"]:
        return [f"Transition head: none tried ({d.get('why', 'no size allowed')}).", ""]
    best = {}
    for t in d["tried"]:
        if t["size"] not in best or t["val_ndcg@10"] > best[t["size"]]["val_ndcg@10"]:
            best[t["size"]] = t
    sizes = "; ".join(f"{k} successors ({v['bytes'] / 1024:.1f} KiB): {v['val_ndcg@10']:.4f}"
                      for k, v in sorted(best.items()))
    c = d["chosen"]
    verdict = ("none chosen: no candidate gained enough on validation; the shipped model has no head"
               if c is None else f"chosen: {c['size']} successors per item, smoothing {c['smoothing']:g}, "
                                 f"weight {c['weight']:g} ({c['bytes'] / 1024:.1f} KiB)")
    return [f"Transition head (validation NDCG@10 of {stage}'s own scores plus each candidate head; "
            f"{d['val_ndcg10_without']:.4f} without; best per size: {sizes}): {verdict}.", ""]


def budget_section(data: dict[str, Any], plots: dict[str, Any]) -> list[str]:
    """Budget mode: what was asked, what was chosen and why, every candidate and its verdict."""
    s = data["search"]
    b = s["budget"]
    asked = ", ".join(x for x in (
        f".tflite <= {b['max_bytes']:,} B" if b["max_bytes"] is not None else "",
        f"p50 <= {b['max_latency_us']:.0f} us (LiteRT, 1 thread, this machine)" if b["max_latency_us"] else "",
        f"time budget {b['time_budget_s']:.0f} s" if b["time_budget_s"] else "") if x)
    out = ["## Budget search", "", f"Budget: {asked}. Result: **{s['status']}**: {s['message']}.", "",
           f"How: candidates drawn by Optuna (TPE, multi-objective: validation NDCG@10 up, bytes down, the "
           f"budget as a constraint) were screened with a short schedule, the best that fit were trained "
           f"in full; selection: {s['selection']}. Validation NDCG@10 below comes from each candidate's "
           "int8 .tflite through LiteRT on the validation users; the test NDCG@10 of the full-trained "
           "ones is in the stage table (rows `budget_*`). Latency: p50 of `recommend`, interleaved with "
           f"the teacher's .tflite in one process. Search time {s['seconds']:.0f} s.", "",
           "| candidate | rung | .tflite B | val NDCG@10 [95% CI] | p50 us (x teacher) | time s | verdict |",
           "|---|---|---|---|---|---|---|"]
    cands = s["candidates"]
    chosen = next((c for c in cands if c["rung"] == "full" and c["label"] == s["chosen"]), None)
    full_labels = {c["label"] for c in cands if c["rung"] == "full"}
    for c in sorted(cands, key=lambda c: (c["rung"] != "full", c["size_bytes"])):
        if c is chosen:
            verdict = "**chosen**"
        elif not c["fits"]:
            verdict = f"over budget ({c['why_not']})"
        elif c["rung"] == "full":
            verdict = f"fits; validation NDCG@10 {c['val_ndcg10'] - chosen['val_ndcg10']:+.4f} vs chosen"
        elif c["label"] in full_labels:
            verdict = "fits; trained in full (row above)"
        else:
            verdict = "fits; screened out (lower screening NDCG@10 than the finalists)"
        lo, hi = c["val_ci"]
        out.append(f"| {c['label']} | {c['rung']} | {c['size_bytes']:,} | {c['val_ndcg10']:.4f} [{lo:.4f}, "
                   f"{hi:.4f}] | {c['p50_us']:.0f} ({c['latency_ratio_vs_teacher']:.2f}x) | {c['seconds']:.0f} | "
                   f"{verdict} |")
    out.append("")
    if "frontier" in plots:
        out += [f"![frontier]({plots['frontier']})", ""]
    return out


def _label_points(ax: Any, points: list[tuple[float, float, str]]) -> None:
    """Name each point; points of similar size (a cluster) get a column of labels in NDCG order."""
    lo, hi = ax.get_ylim()
    step = 0.055 * (hi - lo)
    clusters: list[list[tuple[float, float, str]]] = []
    for p in sorted(points):
        if clusters and p[0] / clusters[-1][-1][0] < 1.35:
            clusters[-1].append(p)
        else:
            clusters.append([p])
    for cl in clusters:
        if len(cl) == 1:
            x, y, name = cl[0]
            ax.annotate(name, (x, y), textcoords="offset points", xytext=(7, -12), fontsize=8)
            continue
        cl.sort(key=lambda p: -p[1])
        mid, right = sum(p[1] for p in cl) / len(cl), max(p[0] for p in cl) * 1.12
        for i, (x, y, name) in enumerate(cl):
            ax.annotate(name, (x, y), xytext=(right, mid + ((len(cl) - 1) / 2 - i) * step), fontsize=8,
                        va="center", arrowprops={"arrowstyle": "-", "lw": 0.5, "color": "gray"})


def write_plots(result: "BuildResult", plot_dir: Path) -> dict[str, Path]:
    """size_vs_ndcg.png (log size axis) and stages.png (per-stage NDCG@10 / HR@10 bars with CIs)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stages: list[StageResult] = result.stages
    out: dict[str, Path] = {}

    def save(fig: Any, name: str) -> None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        out[name] = plot_dir / f"{name}.png"
        write_bytes_atomic(out[name], buf.getvalue())

    sized = [s for s in stages if s.size_bytes]
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for s in sized:
        m = s.metrics["ndcg@10"]
        ax.errorbar(s.size_bytes / 1024, m["value"],
                    yerr=[[m["value"] - m["ci_low"]], [m["ci_high"] - m["value"]]], fmt="o", capsize=3)
    _label_points(ax, [(s.size_bytes / 1024, s.metrics["ndcg@10"]["value"], s.name) for s in sized])
    for s in stages:
        if not s.size_bytes:
            v = s.metrics["ndcg@10"]["value"]
            ax.axhline(v, ls="--", lw=1, color="gray")
            ax.text(0.99, v, f"{s.name} (baseline, no model file)", transform=ax.get_yaxis_transform(),
                    ha="right", va="bottom", fontsize=8, color="gray")
    ax.set_xscale("log")
    ax.set_xlabel(".tflite size (KiB, log scale)")
    ax.set_ylabel("NDCG@10 (full ranking, 95% CI)")
    ax.set_title("Size vs quality")
    ax.grid(True, which="both", alpha=0.3)
    save(fig, "size_vs_ndcg")

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    names = [s.name for s in stages]
    for ax, metric in zip(axes, ("ndcg@10", "hr@10")):
        vals = [s.metrics[metric]["value"] for s in stages]
        err = [[v - s.metrics[metric]["ci_low"] for v, s in zip(vals, stages)],
               [s.metrics[metric]["ci_high"] - v for v, s in zip(vals, stages)]]
        colors = ["#999999" if s.kind == "baseline" else "#4477aa" for s in stages]
        ax.bar(range(len(stages)), vals, yerr=err, capsize=3, color=colors)
        ax.set_xticks(range(len(stages)), names, rotation=30, ha="right", fontsize=8)
        ax.set_title(metric.upper())
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle("Per-stage quality (95% bootstrap CI); grey = baselines")
    save(fig, "stages")
    if result.search:
        save(frontier_figure(result.search, _teacher_validation(stages)), "frontier")
    return out


def _teacher_validation(stages: list["StageResult"]) -> float | None:
    t = next((s for s in stages if s.name == "teacher"), None)
    return None if t is None else t.extra.get("train", {}).get("best_val_ndcg10")


def frontier_figure(search: dict[str, Any], teacher_val: float | None) -> Any:
    """Bytes vs and latency vs validation NDCG@10: every candidate, the Pareto front, the budget."""
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    cands = search["candidates"]
    b = search["budget"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, key, scale, budget, xlabel in (
            (axes[0], "size_bytes", 1 / 1024, b["max_bytes"], ".tflite size (KiB, log scale)"),
            (axes[1], "p50_us", 1.0, b["max_latency_us"], "p50 latency of `recommend` (us, log scale)")):
        for rung, marker, label in (("screen", "o", "screened (short schedule)"), ("full", "s", "trained in full")):
            pts = [c for c in cands if c["rung"] == rung]
            if pts:
                ax.scatter([c[key] * scale for c in pts], [c["val_ndcg10"] for c in pts], marker=marker,
                           facecolors="none" if rung == "screen" else "#4477aa", edgecolors="#4477aa",
                           label=label)
        front, best = [], -1.0
        for c in sorted(cands, key=lambda c: c[key]):
            if c["val_ndcg10"] > best:
                front.append(c)
                best = c["val_ndcg10"]
        ax.step([c[key] * scale for c in front], [c["val_ndcg10"] for c in front], where="post",
                color="#4477aa", alpha=0.4, label="frontier (best so far)")
        chosen = next((c for c in cands if c["rung"] == "full" and c["label"] == search["chosen"]), None)
        if chosen:
            ax.scatter([chosen[key] * scale], [chosen["val_ndcg10"]], marker="*", s=260, color="#ee6677",
                       zorder=5, label=f"chosen: {chosen['label']}")
        if budget:
            ax.axvline(budget * scale, color="#ee6677", ls="--", lw=1, label="budget")
        if teacher_val is not None:
            ax.axhline(teacher_val, color="gray", ls=":", lw=1, label="teacher (validation, Keras)")
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel("validation NDCG@10 (int8 .tflite)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Budget search: {len(cands)} candidates ({search['status']})")
    return fig
