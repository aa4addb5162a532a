"""readiness bench: real runs on this CPU (tiny sizes), the store, and check's use of the results.

No timed assertions: figures are only checked for type and range. Speed is printed by
benchmarks/bench_validation.py and measured by hand (docs/bench.md)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from readiness.bench import apply, cache, disk, results, runner

FIX = Path(__file__).parent / "fixtures" / "bench"
torch_installed = pytest.mark.skipif(not __import__("importlib").util.find_spec("torch"), reason="torch not installed")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("READINESS_CACHE_DIR", str(folder))
    return folder


def _bench(run, *args):
    r = run("bench", "--size", "tiny", "--json", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def _check(run, *args):
    r = run("check", "--json", "--no-torch", "--no-costs", *args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), r.stderr


def _cpu_llm(report):
    """The first CPU-placed LLM verdict, with every assumption it rests on (its own and the shared)."""
    from conftest import assumptions_of

    v = next(v for v in report["judgments"]["verdicts"] if v["kind"] == "llm-inference" and v["placement"] == "cpu")
    return {**v, "assumptions": assumptions_of(report, v)}


def _positive(figure):
    assert figure["median"] > 0 and figure["min"] <= figure["median"] <= figure["max"] and figure["repeats"] >= 1


@torch_installed
def test_bench_with_torch_is_stored_and_used_by_check(run, cache_dir):
    doc = _bench(run)
    assert doc["bench_schema_version"] == 1 and doc["torch"]["version"]
    cpu = doc["cpu"]
    _positive(cpu["ram"]["read_gbps"])
    _positive(cpu["ram"]["copy_gbps"])
    _positive(cpu["matmul"]["fp32"])
    assert cpu["ram_method"].startswith("torch")
    assert (cache_dir / "bench.json").exists() and doc["stored_in"] == str(cache_dir / "bench.json")
    facts, _ = _check(run)
    v = _cpu_llm(facts)
    date = doc["measured_at"][:10]
    ram = cpu["ram"]["read_gbps"]["median"]
    assert f"RAM bandwidth {ram:.1f} GB/s measured here on {date}" in " ".join(v["assumptions"])
    assert any("CPU FP32 matrix throughput" in a for a in v["assumptions"])
    plain, _ = _check(run, "--no-bench-cache")
    assert not any("measured here" in a for a in _cpu_llm(plain)["assumptions"])


def _python_without_torch(tmp_path: Path) -> str:
    """This interpreter with site-packages switched off (-S): torch can't be imported."""
    wrapper = tmp_path / "python-no-torch"
    wrapper.write_text(f"#!/bin/sh\nexec {sys.executable} -S \"$@\"\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return str(wrapper)


@pytest.mark.skipif(os.name != "posix", reason="the wrapper is a shell script")
def test_without_torch_the_stdlib_fallback_runs_and_is_used(run, cache_dir, tmp_path):
    doc = _bench(run, "--python", _python_without_torch(tmp_path))
    cpu = doc["cpu"]
    assert doc["torch"] is None and cpu["ram_method"].startswith("standard library")
    _positive(cpu["ram"]["read_gbps"])
    _positive(cpu["ram"]["copy_gbps"])
    assert cpu["matmul"] == {}
    assert any("torch is not installed" in n for n in doc["notes"])
    facts, _ = _check(run)
    text = " ".join(_cpu_llm(facts)["assumptions"])
    assert "measured here" in text and "standard library" in text and "CPU FP32" not in text


def test_no_torch_flag_uses_fallback(run, cache_dir):
    doc = _bench(run, "--no-torch")
    assert doc["cpu"]["ram_method"].startswith("standard library")
    assert any("--no-torch" in n for n in doc["notes"])


def _store(doc: dict) -> None:
    cache.save(doc)


def test_stale_cpu_result_is_ignored_with_a_message(run, cache_dir):
    doc = _bench(run, "--no-torch")
    doc["cpu"]["model"] = "Some Other CPU 9000"
    _store(doc)
    facts, err = _check(run)
    assert "not used: the CPU changed (Some Other CPU 9000 then" in err
    assert not any("measured here" in a for a in _cpu_llm(facts)["assumptions"])


def test_result_of_another_machine_is_not_used(run, cache_dir):
    doc = _bench(run, "--no-torch")
    store = json.loads((cache_dir / "bench.json").read_text())
    store["machines"] = {"0123456789abcdef": doc}
    (cache_dir / "bench.json").write_text(json.dumps(store))
    facts, err = _check(run)
    assert "from another machine" in err
    assert not any("measured here" in a for a in _cpu_llm(facts)["assumptions"])


def test_corrupt_cache_is_named_and_ignored(run, cache_dir):
    cache_dir.mkdir()
    (cache_dir / "bench.json").write_text("{not json")
    _, err = _check(run)
    assert "bench.json is not valid JSON; ignored" in err


def test_clear(run, cache_dir):
    _bench(run, "--no-torch")
    r = run("bench", "--clear")
    assert r.exit_code == 0 and "removed" in r.stdout and not (cache_dir / "bench.json").exists()
    assert "nothing to remove" in run("bench", "--clear").stdout


def test_text_output_has_medians_and_spread(run, cache_dir):
    r = run("bench", "--size", "tiny", "--no-torch")
    assert r.exit_code == 0, r.output
    assert "RAM read" in r.stdout and "median of" in r.stdout and "IQR" in r.stdout
    assert "Stored in" in r.stdout


def test_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("READINESS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.path() == str(tmp_path / "readiness" / "bench.json")


def test_disk_read_removes_its_file(tmp_path):
    out = disk.measure(str(tmp_path), 8 * 2**20, 2, 2.0)
    _positive(out["read_gbps"])
    assert out["file_bytes"] == 8 * 2**20 and list(tmp_path.iterdir()) == []
    assert out["cache"].startswith("dropped") == hasattr(os, "posix_fadvise")


def test_ram_buffer_stays_within_its_share_of_free_memory():
    from readiness.host.base import Answer, Host

    class NoSysfs(Host):
        def ask(self, kind, *args, timeout=None):
            return Answer("absent", reason="none")

    notes: list[str] = []
    size = runner._ram_buffer(NoSysfs(), {"memory": {"available_mib": 400}}, runner.SIZES["normal"], notes)
    assert size == int(400 * 2**20 * runner.MEMORY_SHARE / 2) and "25% of free RAM" in notes[0]


def test_summary_statistics():
    s = results.summary([4.0, 1.0, 3.0, 2.0, 5.0], "GB/s")
    assert (s["median"], s["min"], s["max"], s["iqr"], s["repeats"]) == (3.0, 1.0, 5.0, [2.0, 4.0], 5, )


# -- GPU branch: a hand-recorded child output (logic fixture, not a real run) ----------------------

def _gpu_facts(driver="550.54.14", torch_version="2.5.1+cu124", cpu="AMD Ryzen 9 7950X 16-Core Processor"):
    return {"cpu": {"model": cpu, "physical_cores": 16, "logical_cpus": 32, "max_mhz": 5000, "flags": ["avx2", "fma"]},
            "memory": {"total_mib": 65536, "available_mib": 60000},
            "stack": {"torch": {"version": torch_version}},
            "gpus": [{"name": "NVIDIA GeForce RTX 4090", "vendor": "nvidia", "status": "ok", "driver_version": driver,
                      "memory_total_mib": 24564, "memory_free_mib": 24000}]}


def _gpu_doc():
    parsed = results.from_child(json.loads((FIX / "child-cuda-logic.json").read_text()))
    runner._attach_drivers(parsed["gpus"], _gpu_facts())
    return {"measured_at": "2026-12-01T10:00:00Z", "torch": {"version": parsed["torch"]},
            "cpu": {**parsed["cpu"], "model": "AMD Ryzen 9 7950X 16-Core Processor"}, "gpus": parsed["gpus"]}


def test_gpu_child_output_is_summarised():
    doc = _gpu_doc()
    g = doc["gpus"][0]
    assert g["memory"]["read_gbps"]["median"] == pytest.approx(1073741824 / 0.00119 / 1e9, rel=1e-3)
    assert g["matmul"]["fp16"]["median"] == pytest.approx(1099511627776 / 0.0066 / 1e12, rel=1e-3)
    assert g["matmul"]["int8"]["unit"] == "TOPS" and g["transfer"]["pinned"] is True
    assert g["driver_version"] == "550.54.14"
    assert "error" in doc["gpus"][1]  # a GPU that failed stays listed with its error
    assert doc["cpu"]["matmul"]["bf16"] == {"error": "RuntimeError: \"addmm_impl_cpu_\" not implemented for 'BFloat16'"}


def test_gpu_figures_replace_the_catalogue():
    from readiness.workloads import hardware

    facts = _gpu_facts()
    loaded = apply.select(_gpu_doc(), facts)
    assert loaded.notes == []
    hw = hardware.from_facts(facts, loaded.measured)
    dev = hw.gpus[0]
    assert dev.bandwidth_gbps == pytest.approx(1073741824 / 0.00119 / 1e9, rel=1e-3)
    assert dev.fp16_tflops == pytest.approx(1099511627776 / 0.0066 / 1e12, rel=1e-3)
    assert any("measured here on 2026-12-01" in a for a in hw.assumptions)
    before = hardware.from_facts(facts)
    assert before.gpus[0].bandwidth_gbps != dev.bandwidth_gbps


@pytest.mark.parametrize("facts, why", [
    (_gpu_facts(driver="560.35.03"), "the driver changed (550.54.14 then, 560.35.03 now)"),
    (_gpu_facts(torch_version="2.6.0+cu126"), "torch changed (2.5.1+cu124 then, 2.6.0+cu126 now)"),
])
def test_stale_gpu_result_is_not_used(facts, why):
    loaded = apply.select(_gpu_doc(), facts)
    assert any(why in n for n in loaded.notes)
    assert not (loaded.measured or {}).get("gpus")


def test_report_methods_say_what_was_measured(run, cache_dir):
    doc = _bench(run, "--no-torch")
    r = run("check", "--no-torch", "--no-costs", "-o", "report.html")
    assert r.exit_code == 0, r.output
    html = Path("report.html").read_text(encoding="utf-8")
    ram = doc["cpu"]["ram"]["read_gbps"]["median"]
    assert f"measured here on {doc['measured_at'][:10]} by readiness bench: RAM bandwidth {ram:.1f} GB/s" in html


def test_gpu_child_script_runs_its_cpu_branch_here():
    """The same child.py that a GPU machine runs: here it finds no GPU and says so with an empty list."""
    import subprocess

    pytest.importorskip("torch")
    args = json.dumps({"ram_bytes": 2**20, "matmul_n": 64, "repeats": 2, "step_budget_s": 0.1, "cpu": False})
    out = subprocess.run([sys.executable, runner.CHILD, args], capture_output=True, text=True, timeout=120)
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    assert doc["installed"] is True and "cpu" not in doc and isinstance(doc["gpus"], list)


def test_check_text_says_speeds_use_measured_figures(run, cache_dir):
    doc = _bench(run, "--no-torch")
    r = run("check", "--no-torch", "--no-costs", "--no-html")
    assert r.exit_code == 0, r.output
    ram = doc["cpu"]["ram"]["read_gbps"]["median"]
    said = f"Speeds use figures measured here on {doc['measured_at'][:10]} by readiness bench: RAM bandwidth {ram:.1f}"
    assert said in r.stdout
    assert "Speeds use figures" not in run("check", "--no-torch", "--no-costs", "--no-html", "--no-bench-cache").stdout


def test_a_run_that_measured_nothing_is_not_stored(cache_dir, monkeypatch):
    from readiness.bench import session
    from readiness.host.live import LiveHost

    empty = {"measured_at": "2026-12-01T00:00:00Z", "machine": {"id": "x"}, "torch": None, "gpus": [], "notes": [],
             "cpu": {"ram": {"read_gbps": {"error": "skipped: the bench's time budget was spent"}}, "matmul": {}}}
    monkeypatch.setattr(session.runner, "run", lambda host, facts, opts: dict(empty, notes=[]))
    doc = session.bench(LiveHost(options={"torch": False}), runner.Options(size="tiny"))
    assert not (cache_dir / "bench.json").exists() and "stored_in" not in doc
    assert any("nothing was stored" in n for n in doc["notes"])
