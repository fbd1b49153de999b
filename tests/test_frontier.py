"""The frontier suite: point specs, and one real run on the smoke preset (tiny models, numbers mean nothing)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks import frontier


def test_point_specs_parse_and_bad_ones_name_the_point() -> None:
    assert frontier.parse_point("dense:32") == ("dense", 32, 0)
    assert frontier.parse_point("low_rank:32x8") == ("low_rank", 32, 8)
    assert frontier.parse_point("shared:16x4") == ("shared", 16, 4)
    for bad in ("dense:32x4", "low_rank:32", "pq:32x4", "dense:", "shared:ax4"):
        with pytest.raises(ValueError, match=bad.split(":")[0]):
            frontier.parse_point(bad)
    cfg = frontier.seed_config(43)
    assert cfg.seed == 43
    p = frontier.point_params(cfg, "shared:32x16")
    assert (p.dim, p.buckets, p.rank, p.sparsity) == (32, 16, 0, 0.0)
    assert frontier.point_params(cfg, "low_rank:32x8").rank == 8


@pytest.mark.slow
def test_frontier_on_the_smoke_preset_trains_measures_and_plots(smoke_run_dir: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(smoke_run_dir, work / "seed7" / smoke_run_dir.name)  # the smoke teacher, cached
    out = tmp_path / "results"
    rc = frontier.main(["--preset", "smoke", "--seeds", "7", "--points", "dense:8,low_rank:8x2",
                        "--catalog-items", "400", "--catalog-points", "dense:8,low_rank:8x2", "--runs", "5",
                        "--work-dir", str(work), "--out", str(out)])
    assert rc == 0
    doc = json.loads((out / "frontier.json").read_text())
    (seed,) = doc["seeds"]
    dense, low = seed["points"]
    assert low["size_bytes"] < dense["size_bytes"]  # the rank-2 table is smaller in the file
    for r in (dense, low):
        assert 0.0 <= r["test_ci"][0] <= r["test_ndcg10"] <= r["test_ci"][1]
        assert Path(r["tflite"]).stat().st_size == r["size_bytes"]
    assert len(doc["latency"]["p50_us"]) == 2 and doc["latency"]["teacher_p50_us"] > 0
    cat = {r["point"]: r for r in doc["catalog"]["points"]}
    assert cat["low_rank:8x2"]["size_bytes"] < cat["dense:8"]["size_bytes"] < doc["catalog"]["teacher"]["size_bytes"]
    assert (out / "frontier.png").stat().st_size > 10_000
    md = (out / "frontier.md").read_text()
    assert "low_rank:8x2" in md and "400-item catalog" in md
