"""llama-bench: its outputs as people paste them (real fixtures, tests/fixtures/README.md) and the runner."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from readiness.bench import llama_bench as lb

FIX = Path(__file__).parent / "fixtures" / "llama_bench"


def _read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name, fmt, backend, pp, tg, build", [
    ("md-cuda-rtx-pro-6000-blackwell.txt", "markdown", "CUDA", 16634.04, 278.95, ("233d773d0", 6413)),
    ("md-rocm-radeon-780m.txt", "markdown", "ROCm", 262.87, 19.57, ("faac0bae", 3841)),
    ("md-cpu-ryzen-7940hs.txt", "markdown", "CPU", 61.84, 14.42, ("faac0bae", 3841)),
    ("md-vulkan-intel-lunar-lake.txt", "markdown", "Vulkan", 44.65, 5.54, ("ba6f62eb", 4008)),
    ("md-metal-commented-readme.txt", "markdown", "Metal,BLAS", 5765.41, 197.71, ("3e0ba0e60", 4229)),
    ("md-cpu-epyc-c7a-old-format.txt", "markdown", "CPU", 200.22, 17.81, ("928e0b70", 2749)),
    ("json-cuda-rtx4080.json", "json", "CUDA", 7100.002165, 118.881588, ("8cf427ff", 5163)),
    ("jsonl-cuda-rtx4080.jsonl", "json", "CUDA", 7263.609157, 119.844681, ("8cf427ff", 5163)),
])
def test_real_outputs(name, fmt, backend, pp, tg, build):
    parsed = lb.parse(_read(name))
    assert parsed["format"] == fmt
    assert {r["backend"] for r in parsed["rows"]} == {backend}
    assert lb.speeds(parsed) == {"prompt_tokens_per_s": pp, "decode_tokens_per_s": tg}
    assert (parsed["build"]["commit"], parsed["build"]["number"]) == build


def test_markdown_columns_and_spread():
    rows = lb.parse(_read("md-cuda-rtx-pro-6000-blackwell.txt"))["rows"]
    assert [r["test"] for r in rows] == ["pp512", "tg128"]
    assert rows[0]["stddev"] == 97.98 and rows[0]["columns"] == {"ngl": "99", "fa": "1"}
    assert rows[0]["model"] == "llama 7B Q4_0" and rows[0]["size"] == "3.56 GiB"
    old = lb.parse(_read("md-cpu-epyc-c7a-old-format.txt"))["rows"]
    # The 2024 format names tests "pp 3968" / "tg 128".
    assert (old[0]["kind"], old[0]["n_prompt"], old[1]["kind"], old[1]["n_gen"]) == ("pp", 3968, "tg", 128)
    assert old[0]["columns"]["threads"] == "96"


def test_json_keeps_samples_and_machine():
    rows = lb.parse(_read("json-cuda-rtx4080.json"))["rows"]
    assert rows[0]["samples"] == [6863.1, 7147.55, 7136.37, 7115.79, 7237.21]
    assert rows[1]["columns"]["gpu_info"] == "NVIDIA GeForce RTX 4080" and rows[1]["n_gen"] == 128


def test_test_names():
    assert lb._test_fields("pp512+tg128") == {"kind": "pg", "n_prompt": 512, "n_gen": 128, "n_depth": 0}
    assert lb._test_fields("tg128 @ d512") == {"kind": "tg", "n_prompt": 0, "n_gen": 128, "n_depth": 512}


def test_not_llama_bench():
    assert lb.parse("hello\n| a | b |\n")["rows"] == []
    assert lb.parse("[1, 2]")["rows"] == []


def _fake_llama_bench(tmp_path: Path, fixture: str) -> Path:
    """A llama-bench on PATH that records its argv and prints a real output (logic: the script is ours)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "llama-bench"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"open({str(tmp_path / 'argv.json')!r}, 'w').write(json.dumps({{'argv': sys.argv[1:], "
        "'lc_all': os.environ.get('LC_ALL')}))\n"
        f"sys.stdout.write(open({str(FIX / fixture)!r}, encoding='utf-8').read())\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bindir


def test_runner_argv_and_parse(tmp_path, monkeypatch):
    from readiness.host.live import LiveHost

    bindir = _fake_llama_bench(tmp_path, "json-cuda-rtx4080.json")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    out = lb.run(LiveHost(), str(model), timeout=30)
    seen = json.loads((tmp_path / "argv.json").read_text())
    assert seen["argv"] == ["-m", str(model), "-p", "512", "-n", "128", "-r", "3", "-o", "json"]
    assert seen["lc_all"] == "C"
    assert out["status"] == "ok" and out["decode_tokens_per_s"] == 118.881588


def test_runner_without_llama_bench(tmp_path, monkeypatch):
    from readiness.host.live import LiveHost

    monkeypatch.setenv("PATH", str(tmp_path))
    assert lb.run(LiveHost(), "x.gguf")["status"] == "absent"


def test_bench_gguf_prints_measured_against_estimated(tmp_path, monkeypatch, run):
    gguf = pytest.importorskip("gguf")
    import numpy as np

    path = tmp_path / "tiny.gguf"
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_block_count(2), w.add_embedding_length(64), w.add_feed_forward_length(128), w.add_head_count(4)
    w.add_head_count_kv(2), w.add_context_length(256), w.add_name("tiny"), w.add_file_type(1)
    w.add_tensor("token_embd.weight", np.zeros((100, 64), dtype=np.float16))
    w.add_tensor("output.weight", np.zeros((100, 64), dtype=np.float16))
    w.write_header_to_file(), w.write_kv_data_to_file(), w.write_tensors_to_file(), w.close()
    bindir = _fake_llama_bench(tmp_path, "md-cpu-ryzen-7940hs.txt")
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    r = run("bench", "--size", "tiny", "--no-torch", "--gguf", str(path), "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    c = doc["llama_bench"]["comparison"]["decode_tokens_per_s"]
    assert c["measured"] == 14.42 and c["estimated"] and c["estimate_over_measured"] == round(c["estimated"] / 14.42, 3)
