"""The whole pipeline on the smoke preset: real data, real training, real LiteRT evaluation."""
import json
import re
import shutil
from pathlib import Path

import pytest

from builder.cli import run
from builder.evaluate.ceiling import verdict

pytestmark = pytest.mark.slow

STAGES = ["most_popular", "item_transition", "teacher", "assistant_fp32", "student_fp32", "student_nodistill_fp32",
          "student_ptq_int8", "pruned_fp32", "pruned_ptq_int8", "final_int8", "final_int8_transition"]
SHIPPED = "final_int8_transition"  # the smoke students are weak: a transition head wins on validation


def test_smoke_build_writes_every_stage_report_and_model(smoke_build, smoke_run_dir):
    report = json.loads((smoke_run_dir / "report.json").read_text())
    assert [s["name"] for s in report["stages"]] == STAGES
    for s in report["stages"]:
        for key in ("name", "params", "nonzero_params", "size_bytes", "gzip_bytes", "hr@10", "ndcg@10",
                    "mrr", "ndcg@10_ci", "hr@10_ci", "mrr_ci"):
            assert key in s, (s["name"], key)
        lo, hi = s["ndcg@10_ci"]
        assert lo <= s["ndcg@10"] <= hi
        if s["name"] not in ("teacher", "most_popular", "item_transition"):
            assert s["vs_teacher"]["ci_low"] <= s["vs_teacher"]["value"] <= s["vs_teacher"]["ci_high"]
    final = smoke_build.stage("final_int8")
    assert final.size_bytes < smoke_build.stage("student_fp32").size_bytes
    assert final.extra["static"]["constant_bytes_by_type"].get("FLOAT32", 0) == 0
    assert final.nonzero_params < 0.6 * final.params  # pruned
    assert final.agreement_top10 > 0.8  # the .tflite ranks like the QAT Keras model it came from
    assert smoke_build.stage("teacher").agreement_top10 > 0.99  # fp32 conversion is faithful
    for name in ("report.md", "report.html", "plots/size_vs_ndcg.png", "plots/stages.png",
                 "model.tflite", "model.json"):
        assert (smoke_run_dir / name).stat().st_size > 0, name
    assert report["gate"]["status"] == "passed"  # the smoke preset allows any drop
    # the teacher of the students against the best of them, on validation through LiteRT
    ceiling = report["ceiling"]
    trained = {s["name"]: s["extra"]["train"]["best_val_ndcg10"] for s in report["stages"]
               if s["extra"].get("train") and s["name"] not in ("teacher", "assistant_fp32")}
    assert ceiling["teacher"] == report["gate"]["teacher"] and ceiling["student"] == max(trained, key=trained.get)
    d = ceiling["student_minus_teacher"]
    assert d["value"] == pytest.approx(ceiling["student_val_ndcg10"] - ceiling["teacher_val_ndcg10"])
    assert ceiling["verdict"] == verdict(d) and ceiling["users"] == report["dataset"]["users"]
    assert "Is the teacher the ceiling?" in (smoke_run_dir / "report.md").read_text()


def test_the_transition_head_is_chosen_on_validation_and_ships_inside_the_int8_model(smoke_build, smoke_run_dir):
    report = json.loads((smoke_run_dir / "report.json").read_text())
    final, head = smoke_build.stage("final_int8"), smoke_build.stage(SHIPPED)
    decision = final.extra["transition_head"]
    assert report["shipped"] == SHIPPED and head.extra["transition_head"] == decision
    chosen = decision["chosen"]
    assert decision["val_ndcg10_with"] > decision["val_ndcg10_without"]
    assert len(decision["tried"]) == 3 * 2 * 4 and chosen["size"] in (4, 8, 16)
    # the file: the QAT model plus the table (int16 ids + uint8 boosts) and a few ops
    static = head.extra["static"]
    assert static["constant_bytes_by_type"].get("FLOAT32", 0) <= 4  # the boosts' scale
    assert static["constant_bytes_by_type"]["INT16"] == chosen["bytes"] * 2 // 3
    assert head.size_bytes - final.size_bytes >= chosen["bytes"]
    assert head.agreement_top10 > 0.8  # ranks like the QAT Keras model + the numpy head
    gain = next(c for c in report["comparisons"] if c["a"] == SHIPPED and c["b"] == "final_int8")
    assert gain["ci_low"] > 0  # on test too
    assert f"each item's {chosen['size']} most frequent successors" in head.description


def test_shipped_model_matches_its_sidecar(smoke_run_dir):
    from builder.model_file import inspect_model

    sidecar = inspect_model(smoke_run_dir / "model.tflite", require_sidecar=True).sidecar
    assert sidecar["stage"] == SHIPPED and sidecar["model_file"] == "model.tflite"
    assert sidecar["items"][0]["title"] and len(sidecar["popular"]) > 10


def test_gate_fails_with_a_too_strict_threshold_but_writes_the_report(smoke_build, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # reuse the trained stages (cache)
    (out / "smoke" / "report.json").unlink()
    strict = tmp_path / "strict.yaml"
    strict.write_text("evaluate:\n  max_ndcg_drop: 0.0\n  bootstrap_samples: 100\n")
    code = run(["-q", "build", "--preset", "smoke", "--config", str(strict), "--out", str(out)])
    report = json.loads((out / "smoke" / "report.json").read_text())
    if report["gate"]["relative_drop"] > 0:
        assert code == 1 and report["gate"]["status"] == "failed"
        assert re.search(r"below (the|its) teacher", capsys.readouterr().out)
    else:  # the student happens to beat the teacher: a 0% gate passes honestly
        assert code == 0
    assert all(s["cached"] for s in report["stages"] if s["name"] in ("teacher", "student_fp32"))


def test_interrupted_build_resumes_at_the_first_incomplete_stage(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")
    shutil.rmtree(out / "smoke" / "cache" / "final_int8")  # as if killed during QAT
    (out / "smoke" / "cache" / ".final_int8.partial.tmp").mkdir()  # a leftover temp dir is ignored
    again = build(load_config("smoke"), out, Progress(0))
    assert again.stage("teacher").cached and again.stage("pruned_fp32").cached
    assert not again.stage("final_int8").cached
    assert again.stage("teacher").metrics == smoke_build.stage("teacher").metrics


def test_a_recipe_without_qat_ships_its_last_ptq_model_from_the_cached_chain(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # reuse the trained stages
    recipe = [{"step": "assistant"}, {"step": "distill"}, {"step": "prune"}, {"step": "ptq", "name": "shipped_ptq"}]
    res = build(load_config("smoke", overrides={"recipe": recipe}), out, Progress(0))
    assert [s.name for s in res.stages][3:] == ["assistant_fp32", "student_fp32", "pruned_fp32", "shipped_ptq"]
    assert res.stage("pruned_fp32").cached and res.shipped == "shipped_ptq"
    assert res.gate["model"] == "shipped_ptq"
    run_dir = out / "smoke"
    assert (run_dir / "model.tflite").read_bytes() == (run_dir / "models" / "shipped_ptq.tflite").read_bytes()
    assert json.loads((run_dir / "model.json").read_text())["stage"] == "shipped_ptq"


def test_pruning_that_costs_validation_quality_is_rejected_and_the_chain_goes_on_unpruned(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # reuse the distilled student
    recipe = [{"step": "assistant"}, {"step": "distill"},
              {"step": "prune", "name": "pruned_hard", "target_sparsity": 0.95, "max_val_drop": 0.0},
              {"step": "qat"}]
    res = build(load_config("smoke", overrides={"recipe": recipe}), out, Progress(0))
    hard, final = res.stage("pruned_hard"), res.stage("final_int8")
    before = res.stage("student_fp32").extra["train"]["best_val_ndcg10"]
    kept = hard.extra["train"]["best_val_ndcg10"] >= before
    assert hard.extra["kept"] is kept and hard.extra["weight_sparsity"] > 0.9
    assert final.extra["float_source"] == ("pruned_hard" if kept else "student_fp32")
    if not kept:  # the QAT model was fine-tuned from the dense student, not the 95%-sparse one
        assert "rejected on validation" in hard.description
        assert final.nonzero_params > 0.5 * final.params
    cost = next(c for c in res.comparisons if c["question"].startswith("what int8 quantization cost"))
    assert cost["b"] == final.extra["float_source"]


def test_recommend_command_on_the_shipped_model(smoke_run_dir, capsys):
    from builder.recommend import recommend

    recs, unknown = recommend(smoke_run_dir, ["50", "172", "181", "no-such-id"])
    assert unknown == ["no-such-id"] and len(recs) == 10
    assert not {"50", "172", "181"} & {r["id"] for r in recs}
    cold, _ = recommend(smoke_run_dir / "model.tflite", [])
    assert [r["score"] for r in cold] == [None] * 10  # popularity list from the sidecar
    assert run(["recommend", str(smoke_run_dir), "--items", "50,172"]) == 0
    assert capsys.readouterr().out.count("\n") == 10
    assert run(["recommend", str(smoke_run_dir / "missing.tflite")]) == 2


OUR_LINES = re.compile(
    r"^(data: |report: |ceiling: |[a-z0-9_]+ +NDCG@10 |[a-z_ ()A-Z]+: +\d+%\||student: item table initialized"
    r"|[a-z0-9_]+: (kept|rejected on validation|validation NDCG@10 |trying \d+ transition heads|no head: |no head fits )|timing \d+ configuration|memory probe )")


def _foreign_lines(stderr: str) -> list[str]:
    lines = [ln.strip() for ln in re.split(r"[\r\n]+", stderr) if ln.strip()]
    return [ln for ln in lines if not OUR_LINES.match(ln)]


def test_stderr_of_a_fresh_process_holds_only_our_own_lines(smoke_build, tmp_path):
    """TensorFlow's import notices, the converter's settings and LiteRT's XNNPACK line stay hidden."""
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # cached stages: still imports, converts, runs LiteRT
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "REC_BUILDER_VERBOSE")}
    cli = [sys.executable, "-m", "builder.cli"]
    runs = [cli + ["build", "--preset", "smoke", "--out", str(out)],
            cli + ["recommend", str(out / "smoke"), "--items", "50,172"],
            cli + ["benchmark", str(out / "smoke" / "model.tflite"), "--runs", "3", "--memory-runs", "2"]]
    for argv in runs:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert _foreign_lines(done.stderr) == [], argv[3]
    verbose = subprocess.run(cli + ["-v", "recommend", str(out / "smoke"), "--items", "50"],
                             capture_output=True, text=True, env=env, timeout=600)
    assert "XNNPACK" in verbose.stderr  # -v shows the libraries' own lines again


def test_a_born_again_teacher_is_kept_only_when_validation_improves(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # generation 1 comes from the cache
    cfg = load_config("smoke", overrides={"teacher": {"generations": 2}, "recipe": [{"step": "distill"},
                                                                                     {"step": "ptq"}]})
    res = build(cfg, out, Progress(0))
    teacher = res.stage("teacher")
    first, second = teacher.extra["generations_val_ndcg10"]
    assert first == smoke_build.stage("teacher").extra["train"]["best_val_ndcg10"]
    assert "born-again generation" in teacher.description
    if second > first:
        assert teacher.extra["train"]["best_val_ndcg10"] == second and not teacher.cached
    else:  # generation 1 stays: the same teacher, the same test metrics
        assert teacher.metrics == smoke_build.stage("teacher").metrics


def test_an_assistant_that_beats_the_teacher_on_validation_teaches_the_student(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    assistant = smoke_build.stage("assistant_fp32")  # the default recipe starts with one
    assert f"dim {smoke_build.config.teacher.dim}," in assistant.description  # halfway from 8 to 16, rounded up
    val = assistant.extra["train"]["best_val_ndcg10"]
    teacher_val = smoke_build.stage("teacher").extra["train"]["best_val_ndcg10"]
    assert assistant.extra["takes_over"] is (val > teacher_val)
    assert smoke_build.gate["teacher"] == ("assistant_fp32" if val > teacher_val else "teacher")
    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")
    res = build(load_config("smoke", overrides={"recipe": [{"step": "distill"}, {"step": "ptq"}]}), out, Progress(0))
    # without the assistant the student is distilled again only when the assistant had taken over
    assert res.stage("student_fp32").cached is (not assistant.extra["takes_over"])
    assert res.gate["teacher"] == "teacher"


def test_an_assistant_that_does_not_beat_the_teacher_on_validation_is_widened(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # the teacher is cached
    recipe = [{"step": "assistant", "dim": 8, "max_dim": 16}, {"step": "distill"}, {"step": "ptq"}]
    res = build(load_config("smoke", overrides={"recipe": recipe}), out, Progress(0))
    assistant = res.stage("assistant_fp32")
    widths = {int(k): v for k, v in assistant.extra["widths_val_ndcg10"].items()}
    teacher_val = res.stage("teacher").extra["train"]["best_val_ndcg10"]
    assert sorted(widths) == ([8] if widths[8] > teacher_val else [8, 16])  # 16: the teacher's width
    best = max(widths, key=lambda d: widths[d])
    assert assistant.extra["train"]["best_val_ndcg10"] == widths[best] and f"dim {best}," in assistant.description
    assert assistant.extra["takes_over"] is (widths[best] > teacher_val)
    assert res.gate["teacher"] == ("assistant_fp32" if assistant.extra["takes_over"] else "teacher")


def test_a_student_too_far_below_the_teacher_on_validation_is_widened(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # the teacher and the dim-8 student are cached
    cfg = load_config("smoke", overrides={"student": {"max_dim": 16}, "evaluate": {"max_ndcg_drop": 0.0},
                                          "recipe": [{"step": "assistant"}, {"step": "distill"},
                                                     {"step": "ablation"}, {"step": "ptq"}]})
    res = build(cfg, out, Progress(0))
    student, ablation = res.stage("student_fp32"), res.stage("student_nodistill_fp32")
    widths = {int(k): v for k, v in student.extra["widths_val_ndcg10"].items()}
    teacher_val = res.stage("teacher").extra["train"]["best_val_ndcg10"]
    assert widths[8] == smoke_build.stage("student_fp32").extra["train"]["best_val_ndcg10"]
    if widths[8] < teacher_val:  # max_ndcg_drop 0: any gap to the teacher doubles the width
        assert sorted(widths) == [8, 16] and "width chosen on validation" in student.description
    else:
        assert sorted(widths) == [8]
    chosen = max(widths, key=lambda d: widths[d])
    assert student.extra["train"]["best_val_ndcg10"] == widths[chosen]
    assert f"dim {chosen}," in student.description and f"dim {chosen}," in ablation.description
    assert student.params == ablation.params  # the ablation has the chosen width


def test_the_teacher_is_the_best_of_its_candidates_on_validation(smoke_build, tmp_path):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # the base teacher comes from the cache
    cfg = load_config("smoke", overrides={"teacher": {"candidates": [{"dropout": 0.4}]},
                                          "recipe": [{"step": "distill"}, {"step": "ptq"}]})
    res = build(cfg, out, Progress(0))
    teacher = res.stage("teacher")
    vals = teacher.extra["candidates_val_ndcg10"]
    assert list(vals) == ["dropout 0.1", "dropout 0.4"]
    assert vals["dropout 0.1"] == smoke_build.stage("teacher").extra["train"]["best_val_ndcg10"]
    assert teacher.extra["train"]["best_val_ndcg10"] == max(vals.values())
    assert "chosen on validation" in teacher.description
    winner = max(vals, key=vals.get)
    assert f"dropout {winner.split()[-1]}," in teacher.description


def test_a_low_rank_item_table_goes_through_the_whole_pipeline(smoke_build, tmp_path, capsys):
    from builder.config import load_config
    from builder.pipeline import build
    from builder.progress import Progress
    from builder.recommend import recommend

    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # the teacher comes from the cache
    rank, dim = 4, smoke_build.config.student.dim
    res = build(load_config("smoke", overrides={"student": {"table_rank": rank}}), out, Progress(0))
    assert [s.name for s in res.stages] == STAGES and res.shipped == SHIPPED
    assert res.stage("teacher").cached and not res.stage("student_fp32").cached  # its own cache key
    final, dense = res.stage("final_int8"), smoke_build.stage("final_int8")
    assert f"low-rank item table (rank {rank})" in res.stage("student_fp32").description
    static = final.extra["static"]
    assert static["constant_bytes_by_type"].get("FLOAT32", 0) == 0
    assert static["op_counts"]["DEQUANTIZE"] == dense.extra["static"]["op_counts"]["DEQUANTIZE"]
    # the table: N*r + r*d int8 bytes instead of N*d; the user layer: d*r instead of d*d
    n = json.loads((out / "smoke" / "model.json").read_text())["num_items"]
    int8 = static["constant_bytes_by_type"]["INT8"]
    assert dense.extra["static"]["constant_bytes_by_type"]["INT8"] - int8 == (n * dim + dim * dim) - (
        n * rank + rank * dim + dim * rank)
    assert final.size_bytes < dense.size_bytes and final.nonzero_params < 0.6 * final.params  # A pruned
    assert final.agreement_top10 > 0.8
    recs, _ = recommend(out / "smoke", ["50", "172"])
    assert len(recs) == 10 and not {"50", "172"} & {r["id"] for r in recs}
    assert run(["benchmark", str(out / "smoke" / "model.tflite"), "--runs", "3", "--memory-runs", "2"]) == 0
    capsys.readouterr()


def test_a_shared_item_table_goes_through_the_whole_pipeline(shared_table_build, smoke_build, capsys):
    """Distill (teacher init), prune, PTQ and QAT with a weight-sharing table; the int8 file holds
    the shared rows once and an int16 slot per item instead of the [N, d] table."""
    from files_for_tests import SHARED_TABLE

    from builder.recommend import recommend

    res, out = shared_table_build, Path(shared_table_build.run_dir)
    assert [s.name for s in res.stages] == STAGES and res.shipped == SHIPPED
    assert res.stage("teacher").cached and not res.stage("student_fp32").cached  # its own cache key
    buckets, head = SHARED_TABLE["table_buckets"], SHARED_TABLE["table_head"]
    assert f"({head} own rows, the rest quotient-remainder over {buckets} buckets)" in res.stage(
        "student_fp32").description
    final, dense = res.stage("final_int8"), smoke_build.stage("final_int8")
    static, dense_static = final.extra["static"], dense.extra["static"]
    assert static["constant_bytes_by_type"].get("FLOAT32", 0) == 0
    assert static["op_counts"]["DEQUANTIZE"] == dense_static["op_counts"]["DEQUANTIZE"]
    n, dim = json.loads((out / "model.json").read_text())["num_items"], smoke_build.config.student.dim
    rows = head + 1 + -(-(n - 1 - head) // buckets) + buckets
    int8 = static["constant_bytes_by_type"]["INT8"]
    assert dense_static["constant_bytes_by_type"]["INT8"] - int8 == (n - rows) * dim
    assert static["constant_bytes_by_type"]["INT16"] == 2 * n  # the slots
    assert final.size_bytes < dense.size_bytes
    assert final.agreement_top10 > 0.8
    recs, _ = recommend(out, ["50", "172"])
    assert len(recs) == 10 and not {"50", "172"} & {r["id"] for r in recs}
    assert run(["benchmark", str(out / "model.tflite"), "--runs", "3", "--memory-runs", "2"]) == 0
    capsys.readouterr()
