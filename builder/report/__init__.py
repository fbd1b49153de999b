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
           f"Protocol: {pr['split']}; {pr['ranking']}; {pr['users']:,} test users; "
           f"{pr['confidence']:.0%} bootstrap CIs over users ({pr['bootstrap_samples']} resamples); "
           "differences to the teacher are paired on the same users. Every stage with a .tflite is "
           "measured by running that file through the LiteRT interpreter.", ""]
    rows = stage_table(data)
    out.append("| " + " | ".join(rows[0]) + " |")
    out.append("|" + "---|" * len(rows[0]))
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    out.append("")
    out += ["Stages:", ""] + [f"- **{s['name']}**: {s['description']}" for s in data["stages"]] + [""]
    if data.get("comparisons"):
        out += ["What each step cost and bought (paired on the same users, 95% CI):", ""]
        out += comparison_lines(data) + [""]
    g = data["gate"]
    out.append(f"Quality gate: **{g['status']}**" + (f": {g['message']}" if "message" in g else
                                                       f" ({g.get('reason', '')})"))
    out.append("")
    for name, p in plots.items():
        out.append(f"![{name}]({p})")
    out.append("")
    out.append(f"Build time: {data['seconds']:.0f} s. Config hash {data['config_hash']}, "
               f"builder {data['builder_version']}.")
    return "\n".join(out) + "\n"


def html_report(data: dict[str, Any], plots: dict[str, Path]) -> str:
    rows = stage_table(data)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    imgs = "".join(
        f'<figure><img alt="{html.escape(k)}" src="data:image/png;base64,'
        f'{base64.b64encode(p.read_bytes()).decode()}"/><figcaption>{html.escape(k)}</figcaption></figure>'
        for k, p in plots.items())
    g = data["gate"]
    md_intro = markdown(data, {}).split("\n\n")[1:3]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>rec-builder report: {html.escape(data['run_name'])}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;font-size:13px;text-align:right}}td:first-child{{text-align:left}}
img{{max-width:560px}}figure{{display:inline-block;margin:8px}}</style></head><body>
<h1>rec-builder report: {html.escape(data['run_name'])}</h1>
{''.join(f'<p>{html.escape(p)}</p>' for p in md_intro)}
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p>Quality gate: <b>{html.escape(g['status'])}</b> {html.escape(g.get('message', g.get('reason', '')))}</p>
{imgs}
<p>Build time {data['seconds']:.0f} s; config hash {data['config_hash']}; builder {data['builder_version']}.</p>
</body></html>
"""


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
    return out
