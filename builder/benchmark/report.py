"""Render a benchmark document: terminal table, JSON file, self-contained HTML with plots.

Files are written atomically (temporary file in the target folder, then
`os.replace`), so a reader never sees half a report.
"""
from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

from builder.io import write_bytes_atomic


def write_json(doc: dict[str, Any], path: str | Path) -> None:
    """The full document as indented JSON."""
    write_bytes_atomic(path, (json.dumps(doc, indent=2) + "\n").encode("utf-8"))


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def latency_rows(doc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the latency table (one row per model x threads)."""
    header = ["model", "thr", "init ms", "first us", "avg us", "std", "p50", "p90", "p99",
              "inf/s", "mem MB", "avg/1st", "p50/1st"]
    rows = []
    for r in doc["results"]:
        lat, ratio = r["latency_us"], r["ratio_to_first"] or {}
        mem = (r["memory"] or {}).get("memory_footprint_mb", {}).get("overall")
        rows.append([
            r["model"], str(r["threads"]), _fmt(r["init_us"] / 1e3, ".2f"),
            _fmt(r["first_inference_us"]), _fmt(lat["mean"]), _fmt(lat["std"]), _fmt(lat["p50"]),
            _fmt(lat["p90"]), _fmt(lat["p99"]), _fmt(r["throughput_per_s"], ".0f"),
            _fmt(mem, ".2f"),
            _ratio(ratio.get("inference_avg")) if ratio else "1.00x",
            _ratio(ratio.get("p50")) if ratio else "1.00x",
        ])
    return header, rows


def static_rows(doc: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the static model table (one row per model)."""
    header = ["model", "size KB", "gzip KB", "size/1st", "ops rec/scores", "graph KB", "table KB",
              "non-table KB", "rec act KB", "int8 share", "sparsity", "top ops"]
    rows = []
    for m in doc["models"]:
        st = m["static"]
        g = st["graph"]
        sig = g["by_signature"]
        ops = "/".join(str(sig[k]["num_operators"]) if k in sig else "-" for k in ("recommend", "scores"))
        act = sig.get("recommend", {}).get("activation_bytes")
        top = ", ".join(f"{k} {v}" for k, v in list(st["op_counts"].items())[:4])
        rows.append([
            m["name"], _fmt(st["file_size_bytes"] / 1024), _fmt(st["gzip_size_bytes"] / 1024),
            _ratio(m["ratio_to_first"]["file_size"]), ops, _fmt(g["graph_bytes"] / 1024),
            _fmt(g["item_table_bytes"] / 1024), _fmt(g["non_table_bytes"] / 1024),
            _fmt(None if act is None else act / 1024),
            f"{st['int8_share']:.1%}", f"{st['weights']['sparsity']:.1%}", top,
        ])
    return header, rows


def format_table(doc: dict[str, Any]) -> str:
    """The readable terminal summary."""
    machine, params = doc["machine"], doc["parameters"]
    count = doc["results"][0]["latency_us"]["count"] if doc["results"] else 0
    lines = [
        f"machine: {machine['cpu_model']} ({machine['cpu_count_usable']} usable cores), "
        f"python {machine['python']}, numpy {machine['numpy']}, litert {machine['ai_edge_litert']}",
        f"runs: {count} measured per configuration after {params['warmup_runs']} warm-up, "
        f"interleaved; histories: {params['histories'] or 'random (seed %d)' % params['seed']}",
        "",
        _grid(*latency_rows(doc)),
        "",
        _grid(*static_rows(doc)),
        "",
        "latency: us per call of the 'recommend' signature from Python (batch 1); "
        "mem: peak RSS growth in a fresh process (benchmark_model's 'overall'); "
        "ratios: vs the first model at the same thread count; graph: file bytes that are not constants; "
        "table: item-table constants; rec act: non-constant tensor bytes of one recommend call.",
    ]
    for m in doc["models"]:
        lines.extend(f"note: {n}" for n in m["notes"])
    return "\n".join(lines)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plots(doc: dict[str, Any]) -> dict[str, str]:
    """Base64 PNGs: latency distribution per configuration, file size vs p50 latency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = doc["results"]
    labels = [f"{r['model']}\n{r['threads']} thr" for r in results]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(results)), 4.5))
    ax.boxplot([r["latencies_us"] for r in results], showfliers=True)
    ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=8, rotation=25, ha="right")
    ax.set_ylabel("latency per call (us)")
    ax.set_title("Latency distribution (recommend, batch 1)")
    ax.grid(axis="y", alpha=0.3)
    out = {"latency_distribution": _png(fig)}
    plt.close(fig)

    sizes = {m["name"]: m["static"]["file_size_bytes"] / 1024 for m in doc["models"]}
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for threads in sorted({r["threads"] for r in results}):
        rs = [r for r in results if r["threads"] == threads]
        ax.scatter([sizes[r["model"]] for r in rs], [r["latency_us"]["p50"] for r in rs],
                   label=f"{threads} thread(s)")
        for r in rs:
            ax.annotate(r["model"], (sizes[r["model"]], r["latency_us"]["p50"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("file size (KB)")
    ax.set_ylabel("p50 latency (us)")
    ax.set_title("Size vs latency")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    out["size_vs_latency"] = _png(fig)
    plt.close(fig)
    return out


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(doc: dict[str, Any]) -> str:
    """A self-contained HTML page: tables, plots (embedded PNG), machine and parameters."""
    images = plots(doc)
    ops = "".join(
        f"<h3>{html.escape(m['name'])}</h3>"
        + _html_table(["op", "count"], [[k, str(v)] for k, v in m["static"]["op_counts"].items()])
        + _html_table(["constant type", "bytes"],
                      [[k, str(v)] for k, v in m["static"]["constant_bytes_by_type"].items()])
        for m in doc["models"]
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for m in doc["models"] for n in m["notes"])
    meta = html.escape(json.dumps({"machine": doc["machine"], "parameters": doc["parameters"]}, indent=2))
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>rec-builder benchmark</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:75em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:right}}td:first-child,th:first-child{{text-align:left}}
pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style></head><body>
<h1>rec-builder benchmark</h1>
<p>{html.escape(doc['created_utc'])} on {html.escape(str(doc['machine']['cpu_model']))}.
Latency: {html.escape(doc['parameters']['latency_scope'])}. Memory: peak RSS growth in a fresh process.
Ratios: against the first model at the same thread count.</p>
<ul>{notes}</ul>
<h2>Latency</h2>{_html_table(*latency_rows(doc))}
<img alt="latency distribution" src="data:image/png;base64,{images['latency_distribution']}">
<h2>Size</h2>{_html_table(*static_rows(doc))}
<img alt="size vs latency" src="data:image/png;base64,{images['size_vs_latency']}">
<h2>Operators and constants</h2>{ops}
<h2>Machine and parameters</h2><pre>{meta}</pre>
</body></html>
"""


def write_html(doc: dict[str, Any], path: str | Path) -> None:
    """The HTML report, written atomically."""
    write_bytes_atomic(path, render_html(doc).encode("utf-8"))
