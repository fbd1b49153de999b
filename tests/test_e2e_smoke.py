"""The whole pipeline on the smoke preset: real data, real training, real LiteRT evaluation."""
import json

import pytest

pytestmark = pytest.mark.slow


def test_smoke_build_writes_report_and_models(smoke_build, smoke_run_dir):
    report = json.loads((smoke_run_dir / "report.json").read_text())
    names = [s["name"] for s in report["stages"]]
    assert names[:3] == ["most_popular", "item_transition", "teacher"]
    for s in report["stages"]:
        for key in ("name", "params", "nonzero_params", "size_bytes", "gzip_bytes", "hr@10", "ndcg@10",
                    "mrr", "ndcg@10_ci", "hr@10_ci"):
            assert key in s, (s["name"], key)
        lo, hi = s["ndcg@10_ci"]
        assert lo <= s["ndcg@10"] <= hi
    teacher = smoke_build.stage("teacher")
    assert (smoke_run_dir / teacher.tflite).is_file() and teacher.size_bytes > 0
    assert teacher.agreement_top10 > 0.99  # fp32 .tflite ranks like the Keras model
    assert (smoke_run_dir / "report.md").read_text().count("| teacher |") == 1
    assert (smoke_run_dir / "plots" / "size_vs_ndcg.png").stat().st_size > 1000


def test_rerun_reuses_cached_stages(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    again = build(load_config("smoke"), smoke_build.run_dir.parent, Progress(0))
    assert again.stage("teacher").cached
    assert again.stage("teacher").metrics == smoke_build.stage("teacher").metrics
