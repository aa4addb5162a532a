"""The real machine: types and ranges, not exact values."""

import json
import platform

from conftest import validate


def test_live_facts_have_sane_types_and_ranges(run):
    facts = validate(json.loads(run("check", "--json").stdout)["facts"])
    assert facts["host"]["os"] == platform.system().lower()
    assert facts["host"]["arch"] in {"x86_64", "arm64"}
    cpu = facts["cpu"]
    assert 1 <= cpu["logical_cpus"] <= 4096
    assert cpu["physical_cores"] is None or 1 <= cpu["physical_cores"] <= cpu["logical_cpus"]
    if facts["host"]["arch"] == "x86_64" and facts["host"]["os"] == "linux":
        assert "sse2" in cpu["flags"]
    mem = facts["memory"]
    assert 256 <= mem["total_mib"] <= 64 * 1024 * 1024
    assert 0 <= mem["available_mib"] <= mem["total_mib"]
    assert facts["disks"], "home or the current folder must have a filesystem"
    for d in facts["disks"]:
        assert 0 <= d["free_mib"] <= d["total_mib"]
    for p in facts["probes"]:
        assert p["status"] in {"ok", "absent", "unsupported", "timeout", "error"}
        assert p["status"] != "error", p


def test_live_cuda_toolkit_matches_nvcc_when_present():
    import shutil
    import subprocess

    from readiness.collect import gather
    from readiness.host.live import LiveHost

    cuda = gather(LiveHost())["stack"]["cuda"]
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        assert cuda["toolkit_version"] is None
        return
    out = subprocess.run([nvcc, "--version"], capture_output=True, text=True, timeout=30).stdout
    assert f"release {cuda['toolkit_version']}," in out
    assert cuda["nvcc_path"] == nvcc
