"""Budget mode: budget syntax, the candidate space and configs, verdicts; one tiny real search (slow)."""
import json
import shutil
from pathlib import Path

import pytest

from builder.budget import FULL, SCREEN, Candidate, Params, Search, SearchResult, candidate_config, space
from builder.cli import run
from builder.config import BudgetConfig, BuildConfig, ConfigError, load_config, parse_bytes, parse_seconds
from builder.recipe import resolve


@pytest.mark.parametrize("text,want", [("32KiB", 32768), ("40KB", 40000), ("1.5MiB", 1572864),
                                       (65536, 65536), ("100", 100), ("2 kib", 2048)])
def test_byte_budgets_parse(text, want):
    assert parse_bytes(text) == want


def test_durations_parse():
    assert [parse_seconds(t) for t in ("30m", "90s", "1.5h", 600)] == [1800, 90, 5400, 600]


@pytest.mark.parametrize("key,value", [("max_bytes", "32XB"), ("max_bytes", "lots"), ("max_bytes", 0),
                                       ("time_budget", "soon"), ("max_latency_us", -1.0), ("trials", 0)])
def test_bad_budget_values_name_the_key(key, value):
    with pytest.raises(ConfigError, match=f"budget.{key}"):
        BuildConfig.from_dict({"budget": {key: value}})


@pytest.mark.parametrize("flag,value", [("--max-bytes", "32XB"), ("--time-budget", "soon"),
                                        ("--max-latency-us", "fast"), ("--trials", "0")])
def test_bad_budget_flags_exit_2_naming_the_flag(flag, value, capsys):
    with pytest.raises(SystemExit) as e:
        run(["build", flag, value])
    assert e.value.code == 2 and f"argument {flag}" in capsys.readouterr().err


def test_budget_mode_is_off_unless_a_size_or_latency_is_given():
    assert not BudgetConfig().active and not BudgetConfig(time_budget="30m").active
    assert BudgetConfig(max_bytes="32KiB").active and BudgetConfig(max_latency_us=150).active


def test_space_drops_dims_the_teacher_cannot_initialize():
    cfg = load_config("default", overrides={"teacher": {"dim": 32}})
    assert max(space(cfg.budget, cfg)["dim"]) == 32
    free = load_config("default", overrides={"teacher": {"dim": 32}, "distill": {"item_init": "random"}})
    assert max(space(free.budget, free)["dim"]) == 128


def test_candidate_configs_carry_the_params_and_a_short_schedule_when_screening():
    cfg = load_config("default")
    p = Params(dim=16, conv_layers=1, pool=False, alpha=0.8, sparsity=0.5)
    full, short = candidate_config(cfg, p, FULL), candidate_config(cfg, p, SCREEN)
    assert (full.student.dim, full.student.conv_layers, full.student.pool_window) == (16, 1, 0)
    assert full.student.epochs == cfg.student.epochs and short.student.epochs == cfg.budget.screen_epochs
    steps = resolve(full)
    assert [s.definition.name for s in steps] == ["distill", "prune", "qat", "transition"]
    assert steps[0].config.alpha == 0.8 and steps[1].config.target_sparsity == 0.5
    assert steps[3].config.max_bytes == 0  # no byte budget: any head size may be tried
    assert [s.definition.name for s in resolve(short)] == ["distill", "prune", "qat", "transition"]
    assert [s.config.epochs for s in resolve(short)[1:3]] == [cfg.prune.epochs // 4, 1]
    dense = candidate_config(cfg, Params(8, 0, True, 0.2, 0.0), FULL)
    assert [s.definition.name for s in resolve(dense)] == ["distill", "qat", "transition"]
    assert dense.student.pool_window == cfg.data.max_len
    with_ptq = resolve(candidate_config(cfg, p, FULL, ptq=True))
    assert [s.definition.name for s in with_ptq] == ["distill", "prune", "ptq", "qat", "transition"]
    capped = load_config("default", overrides={"budget": {"max_bytes": "32KiB"}})
    assert resolve(candidate_config(capped, p, FULL))[-1].config.max_bytes == 32 * 1024


def test_the_item_table_rank_is_a_knob_only_when_budget_ranks_lists_a_low_rank():
    cfg = load_config("default")
    assert "rank" not in space(cfg.budget, cfg)  # the default space (and its draws) are unchanged
    ranked = load_config("default", overrides={"budget": {"ranks": [0, 8, 16]}})
    assert space(ranked.budget, ranked)["rank"] == (0, 8, 16)
    p = Params(dim=32, conv_layers=1, pool=False, alpha=0.2, sparsity=0.0, rank=8)
    assert p.label.endswith("_r8") and candidate_config(ranked, p, FULL).student.table_rank == 8
    # a rank at or above the drawn dim is the dense table: the same candidate, screened once
    assert Params(8, 0, True, 0.2, 0.0, rank=16) == Params(8, 0, True, 0.2, 0.0)
    assert candidate_config(ranked, Params(8, 0, True, 0.2, 0.0, rank=8), FULL).student.table_rank == 0
    with pytest.raises(ConfigError, match="budget.ranks"):
        load_config("default", overrides={"budget": {"ranks": [-1]}})


def test_shared_table_buckets_are_a_knob_only_when_budget_buckets_lists_some():
    cfg = load_config("default")
    assert "buckets" not in space(cfg.budget, cfg)
    shared = load_config("default", overrides={"budget": {"buckets": [0, 32, 128], "ranks": [0, 8]}})
    assert space(shared.budget, shared)["buckets"] == (0, 32, 128)
    p = Params(dim=32, conv_layers=1, pool=False, alpha=0.2, sparsity=0.0, rank=8, buckets=32)
    assert p.rank == 0 and p.label.endswith("_b32")  # a shared table is not also low-rank
    student = candidate_config(shared, p, FULL).student
    assert (student.table_buckets, student.table_rank, student.shared_head) == (32, 0, 32)
    assert candidate_config(shared, Params(8, 0, True, 0.2, 0.0), FULL).student.table_buckets == 0
    with pytest.raises(ConfigError, match="budget.buckets"):
        load_config("default", overrides={"budget": {"buckets": [1]}})


def _candidate(size: int, p50: float) -> Candidate:
    return Candidate(Params(8, 0, True, 0.2, 0.0), FULL, size, size // 2, 0.1, (0.09, 0.11), p50, 1000.0,
                     1.0, "x.tflite")


def test_verdicts_name_what_is_over():
    class Ctx:
        cfg = load_config("default", overrides={"budget": {"max_bytes": 1000, "max_latency_us": 100.0}})
        run_dir = None

    search = Search.__new__(Search)
    search.budget = Ctx.cfg.budget
    assert search.verdict(_candidate(1000, 100.0)) == (True, "")
    fits, why = search.verdict(_candidate(1001, 150.0))
    assert not fits and why == "1,001 B > 1,000 B; p50 150 us > 100 us"
    assert SearchResult(Ctx.cfg.budget).failed



def _budget_build(smoke_build, tmp_path, dims: str, pool: str, *flags: str) -> tuple[int, Path, Path]:
    """A budget build of the smoke preset over a tiny space (no conv, alpha 0.2, no pruning, one
    finalist), the teacher from the smoke build's cache; -> (exit code, run dir, the space file)."""
    out = tmp_path / "out"
    shutil.copytree(smoke_build.run_dir, out / "smoke")  # the teacher is cached
    space_file = tmp_path / "space.yaml"
    space_file.write_text(f"budget:\n  {dims}\n  conv_layers: [0]\n  {pool}\n"
                          "  alphas: [0.2]\n  sparsities: [0.0]\n  finalists: 1\n")
    code = run(["-q", "build", "--preset", "smoke", "--config", str(space_file), "--out", str(out), *flags])
    return code, out / "smoke", space_file


@pytest.mark.slow
def test_tiny_budget_search_ships_the_validation_winner_and_fails_honestly(smoke_build, tmp_path, capsys):
    # d4 (~11-15 KB) fits 24 KiB, d16 (~28 KB) does not
    code, run_dir, space_file = _budget_build(smoke_build, tmp_path, "dims: [4, 16]", "pool: [true, false]",
                                              "--max-bytes", "24KiB", "--trials", "3")
    out = run_dir.parent
    frontier = json.loads((run_dir / "frontier.json").read_text())
    report = json.loads((run_dir / "report.json").read_text())
    assert report["stages"][2]["cached"]  # the teacher was trained once, reused
    screened = [c for c in frontier["candidates"] if c["rung"] == "screen"]
    full = [c for c in frontier["candidates"] if c["rung"] == "full"]
    assert len({c["label"] for c in screened}) == 3  # three distinct candidates of the four
    assert all(c["size_bytes"] == (run_dir / c["tflite"]).stat().st_size for c in screened)
    assert {c["fits"] for c in screened} == {True, False}  # d16 is over 24 KiB, d4 is not
    assert len(full) == 1 and full[0]["label"] == max((c for c in screened if c["fits"]),
                                                      key=lambda c: c["val_ndcg10"])["label"]
    assert code == 0 and frontier["status"] == "passed"
    chosen = full[0]
    assert frontier["chosen"] == chosen["label"] and chosen["size_bytes"] <= 24 * 1024
    assert report["shipped"] == chosen["test_stage"]
    assert (run_dir / "model.tflite").read_bytes() == (run_dir / chosen["tflite"]).read_bytes()
    assert json.loads((run_dir / "model.json").read_text())["stage"] == chosen["test_stage"]
    assert (run_dir / "plots" / "frontier.png").stat().st_size > 0
    md = (run_dir / "report.md").read_text()
    assert "## Budget search" in md and "**chosen**" in md
    assert "Budget search" in (run_dir / "report.html").read_text()
    capsys.readouterr()

    # nothing fits 1 KiB: exit 1, the frontier still written, no shipped model left behind
    code = run(["-q", "build", "--preset", "smoke", "--config", str(space_file), "--out", str(out),
                "--max-bytes", "1KiB", "--trials", "1"])
    frontier = json.loads((run_dir / "frontier.json").read_text())
    assert code == 1 and frontier["status"] == "failed" and frontier["chosen"] is None
    assert "no candidate meets the budget; smallest found" in frontier["message"]
    assert "budget: failed" in capsys.readouterr().out
    assert not (run_dir / "model.tflite").exists() and not (run_dir / "model.json").exists()


@pytest.mark.slow
def test_a_finalist_with_a_transition_head_that_fits_is_a_candidate_of_its_own(smoke_build, tmp_path, capsys):
    """d4 (~11-15 KB) + a 4-successor head (1,349 x 4 x 3 B ~ 16 KB) fit 40 KiB, larger heads do not:
    the finalist is measured with and without it, and validation picks between them."""
    code, run_dir, _ = _budget_build(smoke_build, tmp_path, "dims: [4]", "pool: [false]",
                                     "--max-bytes", "40KiB", "--trials", "1")
    frontier = json.loads((run_dir / "frontier.json").read_text())
    plain, headed = [c for c in frontier["candidates"] if c["rung"] == "full"]
    assert plain["head"] is None and headed["head"]["size"] == 4  # 8 and 16 would not fit beside it
    assert headed["label"] == plain["label"] + "+head4" and headed["size_bytes"] <= 40 * 1024
    assert headed["size_bytes"] - plain["size_bytes"] >= headed["head"]["bytes"]
    assert all(c["size_bytes"] == (run_dir / c["tflite"]).stat().st_size for c in (plain, headed))
    best = max((plain, headed), key=lambda c: c["val_ndcg10"])
    assert code == 0 and frontier["chosen"] == best["label"]
    report = json.loads((run_dir / "report.json").read_text())
    assert report["shipped"] == best["test_stage"] and {plain["test_stage"], headed["test_stage"]} <= {
        s["name"] for s in report["stages"]}
    capsys.readouterr()
