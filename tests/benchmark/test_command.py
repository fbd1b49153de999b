"""The command end to end on tiny models: JSON fields, ratios, HTML, and every bad input -> 2."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from builder.benchmark.command import main

FAST = ["--runs", "5", "--warmup-runs", "1", "--pool-size", "8", "--quiet"]


def _copy(src: Path, dst_dir: Path, name: str | None = None, sidecar: bool = True) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / (name or src.name)
    shutil.copyfile(src, dst)
    if sidecar and src.with_suffix(".json").exists():
        shutil.copyfile(src.with_suffix(".json"), dst.with_suffix(".json"))
    return dst


def test_json_has_documented_fields(tiny_models, tmp_path: Path, capsys) -> None:
    N, L, K = tiny_models.n, tiny_models.length, tiny_models.k
    out = tmp_path / "r" / "bench.json"
    html = tmp_path / "r" / "bench.html"
    code = main([str(tiny_models.int8_model), str(tiny_models.float_model), "--threads", "1,2",
                 "--json", str(out), "--html", str(html), "--memory-runs", "2", *FAST])
    assert code == 0
    table = capsys.readouterr().out
    assert "int8.tflite" in table and "float.tflite" in table and "p99" in table
    doc = json.loads(out.read_text())
    assert doc["schema_version"] == 1
    for key in ("cpu_model", "cpu_count", "python", "numpy", "ai_edge_litert"):
        assert key in doc["machine"]
    params = doc["parameters"]
    assert params["threads"] == [1, 2] and params["runs"] == 5 and params["histories_source"] == "random"
    assert [m["name"] for m in doc["models"]] == ["int8.tflite", "float.tflite"]
    m0 = doc["models"][0]
    assert (m0["input"], m0["num_items"], m0["k"], m0["info_source"]) == (
        {"name": "history", "length": L}, N, K, "sidecar")
    assert m0["ratio_to_first"]["file_size"] == 1.0
    assert doc["models"][1]["ratio_to_first"]["file_size"] > 1.0
    for key in ("file_size_bytes", "gzip_size_bytes", "op_counts", "int8_share", "weights"):
        assert key in m0["static"]
    # interleaved threads-major: (1, int8) (1, float) (2, int8) (2, float)
    assert [(r["threads"], r["model"]) for r in doc["results"]] == [
        (1, "int8.tflite"), (1, "float.tflite"), (2, "int8.tflite"), (2, "float.tflite")]
    for r in doc["results"]:
        for key in ("init_us", "first_inference_us", "warmup_avg_us", "inference_avg_us",
                    "throughput_per_s"):
            assert r[key] > 0
        lat = r["latency_us"]
        assert lat["count"] == 5 == len(r["latencies_us"])
        assert lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"]
        assert lat["mean"] == pytest.approx(r["inference_avg_us"])
        mem = r["memory"]
        assert set(mem["memory_footprint_mb"]) == {"init", "overall"}
        assert mem["memory_footprint_mb"]["overall"] >= 0
    assert doc["results"][0]["ratio_to_first"] is None
    ratio = doc["results"][1]["ratio_to_first"]
    assert ratio["p50"] == pytest.approx(
        doc["results"][1]["latency_us"]["p50"] / doc["results"][0]["latency_us"]["p50"])
    page = html.read_text()
    assert page.count("data:image/png;base64,") == 2 and "float.tflite" in page


def test_histories_file_and_missing_sidecar(tiny_models, tmp_path: Path, capsys) -> None:
    N, L, K = tiny_models.n, tiny_models.length, tiny_models.k
    model = _copy(tiny_models.float_model, tmp_path, "nosidecar.tflite", sidecar=False)
    hist = tmp_path / "h.npy"
    np.save(hist, np.array([[0, 0, 1, 2, 3], [4, 5, 6, 7, 8]], dtype=np.int64))
    out = tmp_path / "r.json"
    assert main([str(model), "--histories", str(hist), "--no-memory", "--json", str(out), *FAST]) == 0
    doc = json.loads(out.read_text())
    assert doc["parameters"]["histories_source"] == "file"
    m = doc["models"][0]
    assert m["info_source"] == "model" and m["num_items"] == N and m["sidecar"] is None
    assert "no sidecar" in m["notes"][0]
    assert doc["results"][0]["memory"] is None
    assert "no sidecar" in capsys.readouterr().out


def _bad(argv: list[str], capsys) -> str:
    assert main([*argv, "--no-memory", *FAST]) == 2
    return capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nope.tflite"
    assert str(missing) in _bad([str(missing)], capsys)


def test_not_a_flatbuffer(tmp_path: Path, capsys) -> None:
    fake = tmp_path / "fake.tflite"
    fake.write_text("definitely not a model")
    err = _bad([str(fake)], capsys)
    assert str(fake) in err and "not a TFLite flatbuffer" in err


def test_truncated_flatbuffer(tiny_models, tmp_path: Path, capsys) -> None:
    cut = tmp_path / "cut.tflite"
    cut.write_bytes(tiny_models.float_model.read_bytes()[:200])
    assert str(cut) in _bad([str(cut)], capsys)


def test_no_recommend_signature(tiny_models, capsys) -> None:
    err = _bad([str(tiny_models.scores_only)], capsys)
    assert str(tiny_models.scores_only) in err and "recommend" in err


def test_sidecar_length_mismatch(tiny_models, tmp_path: Path, capsys) -> None:
    N, L, K = tiny_models.n, tiny_models.length, tiny_models.k
    model = _copy(tiny_models.float_model, tmp_path, sidecar=False)
    side = tiny_models.write_sidecar(model, input={"name": "history", "length": L + 1, "pad_id": 0, "dtype": "int32"})
    err = _bad([str(model)], capsys)
    assert str(side) in err and "length" in err


def test_sidecar_vocabulary_mismatch(tiny_models, tmp_path: Path, capsys) -> None:
    N, L, K = tiny_models.n, tiny_models.length, tiny_models.k
    model = _copy(tiny_models.float_model, tmp_path, sidecar=False)
    side = tiny_models.write_sidecar(model, num_items=N + 7)
    err = _bad([str(model)], capsys)
    assert str(side) in err and "num_items" in err


def test_sidecar_sha_mismatch_and_bad_json(tiny_models, tmp_path: Path, capsys) -> None:
    model = _copy(tiny_models.float_model, tmp_path, sidecar=False)
    side = tiny_models.write_sidecar(model, model_sha256="0" * 64)
    assert str(side) in _bad([str(model)], capsys)
    side.write_text("{not json")
    assert str(side) in _bad([str(model)], capsys)


def test_bad_histories(tiny_models, tmp_path: Path, capsys) -> None:
    N, L, K = tiny_models.n, tiny_models.length, tiny_models.k
    wrong_width = tmp_path / "w.npy"
    np.save(wrong_width, np.ones((3, L + 2), np.int32))
    assert str(wrong_width) in _bad([str(tiny_models.float_model), "--histories", str(wrong_width)], capsys)
    out_of_vocab = tmp_path / "v.npy"
    np.save(out_of_vocab, np.full((3, L), N, np.int32))
    assert str(out_of_vocab) in _bad([str(tiny_models.float_model), "--histories", str(out_of_vocab)], capsys)


def test_unknown_vocabulary_needs_histories(tiny_models, tmp_path: Path, capsys) -> None:
    model = _copy(tiny_models.recommend_only, tmp_path, sidecar=False)
    err = _bad([str(model)], capsys)
    assert str(model) in err and "--histories" in err
    hist = tmp_path / "h.npy"
    np.save(hist, np.array([[0, 1, 2, 3, 4]], np.int32))
    assert main([str(model), "--histories", str(hist), "--no-memory", *FAST]) == 0


def test_second_model_bad_is_reported_before_timing(tiny_models, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "missing.tflite"
    err = _bad([str(tiny_models.float_model), str(missing)], capsys)
    assert str(missing) in err
