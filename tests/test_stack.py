"""The AI software stack: the Python and PyTorch probes (for real), and collect_env reports."""

import importlib.util
import json
import platform
import sys
import venv

import pytest

from conftest import FIXTURES, facts_from, validate
from readiness.host.base import Answer
from readiness.host.replay import ReplayHost
from readiness.probes import torch as torch_probe

COLLECT_ENV = FIXTURES / "collect_env"
HAVE_TORCH = importlib.util.find_spec("torch") is not None


def probe(name, facts):
    return next(p for p in facts["probes"] if p["name"] == name)


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed here (CI installs torch==2.13.0)")
def test_torch_probe_for_real(run):
    import torch

    facts = validate(json.loads(run("check", "--json").stdout)["facts"])
    t = facts["stack"]["torch"]
    assert probe("torch", facts)["status"] == "ok"
    assert t["installed"] and t["version"] == torch.__version__ and t["source"] == "probe"
    assert t["cuda"] == torch.version.cuda and t["hip"] == torch.version.hip
    assert t["cuda_available"] == torch.cuda.is_available()
    if torch.version.cuda is None and torch.version.hip is None:
        assert t["build"] in ("cpu", "mps") and t["arch_list"] == [] and t["devices"] == []
    assert facts["stack"]["packages"]["torch"] == torch.__version__.split("+")[0] or \
        facts["stack"]["packages"]["torch"] == torch.__version__
    assert facts["stack"]["python"]["version"] == platform.python_version()
    assert facts["stack"]["python"]["bits"] == 64


def test_torch_absent_in_another_python(run, tmp_path):
    env = tmp_path / "bare"
    venv.create(env, with_pip=False)
    python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    facts = validate(json.loads(run("check", "--json", "--python", str(python)).stdout)["facts"])
    t = facts["stack"]["torch"]
    assert t["installed"] is False and t["version"] is None and t["build"] is None
    assert probe("torch", facts)["status"] == "absent"
    assert "not installed" in probe("torch", facts)["reason"]
    py = facts["stack"]["python"]
    assert py["executable"] == str(python) and py["environment"] == "venv"
    assert facts["stack"]["packages"] == {}


def test_no_torch_option_skips_the_probe(run):
    facts = json.loads(run("check", "--json", "--no-torch").stdout)["facts"]
    assert probe("torch", facts)["reason"] == "not probed (--no-torch)"


def test_missing_python_is_exit_2(run):
    r = run("check", "--python", "/no/such/python")
    assert r.exit_code == 2 and "--python" in r.stderr


def test_torch_probe_timeout_is_a_status():
    host = ReplayHost({"call:python.executable": Answer("ok", "/usr/bin/python3")}, "linux", "test")
    raw = torch_probe.collect(host)
    raw["probe"] = Answer("timeout", reason="python -c … timed out after 60s")
    result = torch_probe.parse(raw)
    assert result.status == "timeout" and "timed out" in result.reason


def test_a_crashing_torch_import_is_reported_not_raised():
    raw = {"probe": Answer("ok", json.dumps({"installed": False,
                                             "import_error": "OSError: libcudart.so.12: cannot open shared object"}))}
    result = torch_probe.parse(raw)
    assert result.status == "absent" and "libcudart.so.12" in result.reason


# -- collect_env reports (real ones, from public issues; sources in tests/fixtures/README.md) --------

@pytest.mark.parametrize("name, version, build, cuda_available, python, gpus", [
    ("cuda-linux-rtx3060ti-arch-2.2.2.txt", "2.2.2", "cuda 12.1", True, "3.12.2", ["NVIDIA GeForce RTX 3060 Ti"]),
    ("cpu-only-linux-xeon8468-vllm-collect-env.txt", "2.5.1+cpu", "cpu", False, "3.10.16", []),
    ("rocm6.4-wsl2-rx7900xt.txt", "2.9.0.dev20250706+rocm6.4", "rocm 6.4.43483-a187df25c", True, "3.12.3",
     ["AMD Radeon RX 7900 XT"]),  # "(gfx1100)" is read as gfx_target
    ("windows-rocm7.2-radeon8050s-gfx1151.txt", "2.12.0a0+rocm7.13.0a20260313", "rocm 7.2.0", True, "3.12.10",
     ["AMD Radeon(TM) 8050S Graphics"]),
    ("mps-macos-13.7-m2max-nightly-2.10.txt", "2.10.0.dev20251008", None, False, "3.11.9", []),
    ("broken-old-1.3.1-rtx2080ti-cuda-unavailable.txt", "1.3.1", None, False, "3.7", ["GeForce RTX 2080 Ti"]),
    ("broken-rocm6.4-wsl2-no-hip-gpu.txt", "2.8.0.dev20250529+rocm6.4", "rocm 6.4.43482-0f2d60242", False, "3.12.3", []),
])
def test_collect_env_reports(run, name, version, build, cuda_available, python, gpus):
    facts = facts_from(COLLECT_ENV / name, run=run)
    t = facts["stack"]["torch"]
    assert (t["version"], t["build"], t["cuda_available"]) == (version, build, cuda_available)
    assert t["source"] == "collect_env"
    assert facts["stack"]["python"]["version"] == python
    assert [g["name"] for g in facts["gpus"]] == gpus



def test_collect_env_fills_cpu_and_driver(run):
    facts = facts_from(COLLECT_ENV / "cuda-linux-rtx3060ti-arch-2.2.2.txt", run=run)
    assert facts["cpu"]["model"] == "AMD Ryzen 9 7950X 16-Core Processor"  # from the lscpu it embeds
    assert facts["gpus"][0]["driver_version"] == "550.67"
    assert facts["stack"]["cuda"]["driver_version"] == "12.4"
    assert facts["stack"]["cuda"]["driver_version_source"] == "compat-table"


def test_collect_env_old_format_with_unknown_build_raises_no_false_alarm(run):
    r = run("check", "--json", "--from", str(COLLECT_ENV / "broken-old-1.3.1-rtx2080ti-cuda-unavailable.txt"))
    findings = {f["id"] for f in json.loads(r.stdout)["judgments"]["findings"]}
    assert "torch-cpu-build-with-nvidia-gpu" not in findings  # "CUDA used to build PyTorch: Could not collect"


def test_collect_env_rocm_without_gpu_is_flagged(run):
    r = run("check", "--json", "--from", str(COLLECT_ENV / "broken-rocm6.4-wsl2-no-hip-gpu.txt"))
    findings = {f["id"] for f in json.loads(r.stdout)["judgments"]["findings"]}
    assert "rocm-torch-without-rocm" in findings
