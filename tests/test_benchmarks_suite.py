"""The benchmarks/ suite: documented JSON fields, failure reporting. No assertions on speed."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks import scale
from benchmarks.summary import scale_markdown, write_summaries

MACHINE_FIELDS = {"cpu_model", "cpu_count", "cpu_count_usable", "python", "numpy", "ai_edge_litert",
                  "rec_builder", "memory_total_gib"}
ROW_FIELDS = {"model", "label", "runtime", "threads", "p50_us", "p90_us", "p99_us", "ratio_to_teacher",
              "size_bytes", "gzip_bytes", "int8_share", "weight_sparsity", "ndcg@10", "ndcg@10_ci"}


def test_size_configs_are_valid_and_scale_training_with_the_catalog() -> None:
    for n in scale.SIZES:
        cfg = scale.size_config(n)
        syn = cfg.data.synthetic
        assert cfg.data.source == "synthetic" and syn.kind == "latent" and syn.num_items == n
        assert syn.sampler == "clustered" and syn.num_clusters == n // scale.ITEMS_PER_CLUSTER
        assert cfg.evaluate.max_users == 2000
        sampled = n >= 10_000
        assert (cfg.teacher.negatives > 0) == sampled and (cfg.distill.negatives > 0) == sampled
        assert (cfg.teacher.max_steps_per_epoch == scale.CHUNK_STEPS) == (n >= 100_000)
        assert (cfg.distill.top_k == 0) == (n >= 100_000)  # no index search where the set is full anyway
        assert cfg.teacher.lr_schedule == cfg.student.lr_schedule == "plateau"  # validation decides
        assert [e["step"] for e in cfg.recipe] == ["distill", "ptq", "qat", "transition"]
        json.dumps(cfg.to_dict())


def test_run_size_reports_a_blown_time_budget_as_failed(tmp_path: Path) -> None:
    doc = scale.run_size(200, tmp_path, quick=True, budget_s=1.0)
    assert doc["status"].startswith("failed: time budget of 1 s exceeded")
    assert doc["num_items"] == 200 and doc["time_budget_s"] == 1.0


def test_run_size_reports_a_memory_cap_failure(tmp_path: Path) -> None:
    doc = scale.run_size(200, tmp_path, quick=True, budget_s=120.0, mem_limit_gib=0.2)
    assert doc["status"].startswith("failed: exit")
    # a sweep made of failures still summarises and plots
    sweep = {"machine": {}, "time_budget_s_per_size": 120.0, "memory_cap_gib": 0.2, "seconds": 1.0,
             "notes": [], "sizes": [doc]}
    assert "failed" in scale_markdown(sweep)
    assert len(scale.plot_scale(sweep, tmp_path)) == 2


def test_completed_stages_and_merge(tmp_path: Path) -> None:
    log = tmp_path / "w.log"
    log.write_text("data: synthetic (9 users): 9 users, 40 items, 300 interactions\rteacher:  50%|\n"
                   "item_transition  NDCG@10 0.0500 [0.0400, 0.0600]  HR@10 0.1000  0.1 s\n"
                   "teacher          NDCG@10 0.1085 [0.0985, 0.1204]  HR@10 0.2, 2.0 KiB  12.5 s\n"
                   "student_fp32     NDCG@10 0.1 [0.0, 0.2]  HR@10 0.2, 1.0 KiB  3.0 s (cached)\n"
                   "student_fp32: 10%| 1/10 [00:01<00:09]\r")  # killed in the next stage
    done = scale.completed_stages(log)
    assert done["teacher"] == {"ndcg@10": 0.1085, "ndcg@10_ci": [0.0985, 0.1204], "build_seconds": 12.5,
                               "size_bytes": 2048}
    assert done["student_fp32"]["build_seconds"] == 3.0 and "size_bytes" not in done["item_transition"]
    part = scale.partial_numbers(log)  # what a size that dies in its build keeps
    assert set(part["stages"]) == {"teacher", "student_fp32"} and set(part["baselines"]) == {"item_transition"}
    assert part["vocabulary_items"] == 40 and part["dataset"]["interactions"] == 300
    sweep = {"machine": {}, "time_budget_s_per_size": 1.0, "memory_cap_gib": 1.0, "seconds": 1.0, "notes": [],
             "sizes": [{"num_items": 40, "status": "failed: time budget of 1 s exceeded", **part}]}
    text = scale_markdown(sweep)
    assert "0.1085 [0.0985, 0.1204]" in text and "2.00 KiB" in text
    merged = scale.merge_sizes({"sizes": [{"num_items": 10, "v": 0}, {"num_items": 5, "v": 0}]},
                               [{"num_items": 10, "v": 1}])
    assert merged == [{"num_items": 5, "v": 0}, {"num_items": 10, "v": 1}]


@pytest.mark.slow
def test_quick_stages_on_the_smoke_build_writes_documented_json(smoke_run_dir: Path, tmp_path: Path) -> None:
    from benchmarks.run import main

    assert main(["--quick", "--only", "stages", "--run-dir", str(smoke_run_dir), "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "stages.json").read_text())
    assert doc["schema_version"] == 1 and doc["suite"] == "benchmarks.stages"
    assert MACHINE_FIELDS <= set(doc["machine"])
    assert doc["threads"] == [1]
    models = [r["model"] for r in doc["rows"]]
    assert models == ["teacher", "student_fp32", "student_ptq_int8", "final_int8", "latency_floor",
                      "keras_eager", "keras_predict_on_batch"]
    for row in doc["rows"]:
        assert ROW_FIELDS <= set(row)
        assert 0 < row["p50_us"] <= row["p99_us"]
    teacher = doc["rows"][0]
    assert teacher["ratio_to_teacher"]["p50"] == pytest.approx(1.0)
    floor = next(r for r in doc["rows"] if r["model"] == "latency_floor")
    assert floor["ratio_to_floor"]["p50"] == pytest.approx(1.0) and floor["int8_share"] > 0.9
    assert floor["ndcg@10"] is None  # a latency row only
    final = next(r for r in doc["rows"] if r["model"] == "final_int8")
    assert final["ratio_to_floor"]["p50"] > 0
    assert final["int8_share"] > 0.5 and final["weight_sparsity"] > 0.2  # pruned + int8
    assert doc["keras_reference"][0]["top10_agreement_keras_vs_tflite"] > 0.9
    assert doc["engine"]["parameters"]["histories_source"] == "file"
    readme = (tmp_path / "README.md").read_text()
    assert "Stages side by side" in readme and "final int8" in readme


@pytest.mark.slow
def test_scale_numbers_and_plots_from_a_real_build(smoke_run_dir: Path, tmp_path: Path) -> None:
    numbers = scale.build_numbers(smoke_run_dir)
    assert list(numbers["stages"]) == list(scale.STAGE_NAMES)
    latency, params = scale.time_stages(smoke_run_dir, list(numbers["stages"]), runs=3, max_seconds=2.0)
    for name, st in numbers["stages"].items():
        st.update(latency[name])
        assert {"size_bytes", "gzip_bytes", "build_seconds", "latency_p50_us", "latency_p99_us"} <= set(st)
    size = {"num_items": numbers["vocabulary_items"], "status": "ok", "wall_seconds": 1.0,
            "peak_rss_build_mb": 100.0, **numbers}
    sweep = {"machine": {}, "time_budget_s_per_size": 900.0, "memory_cap_gib": 18.0, "seconds": 1.0,
             "notes": ["n"], "sizes": [size]}
    (tmp_path / "scale.json").write_text(json.dumps(sweep))
    assert [p.name for p in scale.plot_scale(sweep, tmp_path)] == ["scale_size.png", "scale_latency.png"]
    write_summaries(tmp_path)
    md = (tmp_path / "scale.md").read_text()
    assert "final_int8" in md and "latency p50 / p99" in md


def test_robustness_regimes_load_and_the_summary_reads_a_real_build(smoke_run_dir: Path, tmp_path: Path) -> None:
    from benchmarks import robustness
    from builder.config import load_config

    for regime in robustness.REGIMES:  # every regime file is a valid config on top of the default preset
        cfg = load_config("default", robustness.REGIMES_DIR / f"{regime}.yaml")
        assert cfg.run_name == regime
    row = robustness.summarize_run(smoke_run_dir, "smoke", 7)
    n = row["ndcg@10"]
    report = json.loads((smoke_run_dir / "report.json").read_text())
    shipped = report["shipped"]  # final_int8_transition: the smoke build ships a transition head
    assert row["teacher_stage"] == report["gate"]["teacher"] and row["shipped"] == shipped
    assert row["final_over_teacher"] == pytest.approx(n[shipped] / n[row["teacher_stage"]])
    head = next(s for s in report["stages"] if s["name"] == "final_int8")["extra"]["transition_head"]["chosen"]
    assert row["head"] == head and n["final_int8"] < n[shipped]
    assert row["final_vs_item_transition"]["ci_low"] <= row["final_vs_item_transition"]["value"]
    assert row["teacher_val_ndcg10"] > 0 and row["best_student_val_ndcg10"] > 0
    md = robustness.markdown({"created_utc": "now", "machine": {}, "runs": [row]})
    assert "| smoke | 7 |" in md and f"| {head['size']}, {head['bytes'] / 1024:.1f} KiB | {n[shipped]:.4f} |" in md

    # the same build as if its assistant had taken over: the row is judged against the assistant
    report["gate"]["teacher"] = "assistant_fp32"
    (tmp_path / "report.json").write_text(json.dumps(report))
    took = robustness.summarize_run(tmp_path, "smoke", 7)
    stages = {s["name"]: s for s in report["stages"]}
    assert took["final_over_teacher"] == pytest.approx(n[shipped] / n["assistant_fp32"])
    assert took["teacher_val_ndcg10"] == stages["assistant_fp32"]["extra"]["train"]["best_val_ndcg10"]
    assert took["final_vs_teacher"] == next({k: c[k] for k in ("value", "ci_low", "ci_high")}
                                            for c in report["comparisons"]
                                            if (c["a"], c["b"]) == (shipped, "assistant_fp32"))
    students = [s["extra"]["train"]["best_val_ndcg10"] for name, s in stages.items()
                if s["extra"].get("train") and name not in ("teacher", "assistant_fp32")]
    assert took["best_student_val_ndcg10"] == max(students)
    assert f"| {n['assistant_fp32']:.4f}* |" in robustness.markdown({"created_utc": "now", "machine": {},
                                                                     "runs": [took]})


def test_the_synthetic_oracle_ranks_the_generators_own_last_choices() -> None:
    from benchmarks.synthetic_oracle import oracle
    from builder.config import SyntheticConfig
    from builder.data.synthetic import generate_interactions

    # 300 users: two of the generator's chunks of 256
    cfg = SyntheticConfig(kind="latent", num_users=300, num_items=90, mean_length=8, num_clusters=5,
                          follow_prob=0.5)
    res = oracle(cfg, seed=3)
    events = generate_interactions(cfg, seed=3).events  # the same draws, no observer
    last = events.groupby("user", sort=False)["item"].last()
    assert {int(u): int(i) for u, i in last.items()} == res["test_targets"]
    assert len(res["test"]) == len(res["val"]) == 300
    assert all(0.0 <= res[k].mean() <= 1.0 for k in ("test", "val", "test_taste_only", "test_successors_only"))
    assert res["test"].mean() > res["test_taste_only"].mean()  # the successors carry signal at follow_prob 0.5


@pytest.mark.parametrize("student", [False, True], ids=["teacher", "student"])
def test_sampled_step_times_time_the_production_step_and_skip_what_does_not_fit(monkeypatch, student) -> None:
    from benchmarks import sampled_softmax

    doc = sampled_softmax.step_times([300], [64], steps=2, seed=0, student=student)
    full, sampled = doc["rows"]
    assert full["negatives"] == 0 and full["fits"] and full["steps"] == 2 and full["speedup"] is None
    # the teacher's distinct draws; the student's candidate set: its batch's targets and the draws
    assert sampled["negatives"] == 64 and 0 < sampled["distinct_negatives"] <= (299 if student else 64)
    assert sampled["speedup"] == pytest.approx(full["median_s"] / sampled["median_s"], abs=0.01)  # the speedup and the medians are rounded
    monkeypatch.setattr(sampled_softmax.os, "sysconf", lambda name: 1024, raising=False)
    doc = sampled_softmax.step_times([300], [64], steps=1, seed=0, student=student)
    assert not doc["rows"][0]["fits"] and "GiB" in doc["rows"][0]["note"]
    assert doc["rows"][1]["fits"] and doc["rows"][1]["speedup"] is None
    text = sampled_softmax.step_markdown({"result": doc, "machine": {}, "created_utc": "now"})
    assert "does not fit" not in text and "logits need" in text
    assert ("candidates, 64 draws" in text) == student


def test_table_clustering_maps_int8_values_to_at_most_k_levels_and_finds_the_smoke_table(smoke_run_dir: Path) -> None:
    from benchmarks.table_clustering import cluster_levels, table_bytes

    values = np.random.default_rng(0).normal(0, 30, 5000).clip(-128, 127).astype(np.int8)
    for k in (2, 8, 64):
        mapped = cluster_levels(values, k)
        assert mapped.dtype == np.int8 and len(np.unique(mapped)) <= k
        assert np.abs(mapped.astype(int) - values).mean() < 128 / k  # each value goes to a near level
    few = np.array([-5, 0, 7, 7, 0], np.int8)
    assert np.array_equal(cluster_levels(few, 3), few)  # as many levels as values: unchanged
    blob = (smoke_run_dir / "model.tflite").read_bytes()
    offset, n = table_bytes(blob)
    meta = json.loads((smoke_run_dir / "model.json").read_text())
    assert n % meta["num_items"] == 0 and 0 < offset < len(blob) - n
