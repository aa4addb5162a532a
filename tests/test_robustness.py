"""A hung tool or a crashing probe never stops the check, and never hides the other probes."""

import json
import os
import stat
import time

from conftest import validate
from readiness.collect import gather
from readiness.host.live import LiveHost
from readiness.probes.base import Result
from readiness.probes.registry import all_probes


def _fake_tool(folder, name, script):
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_a_hanging_command_times_out_and_the_check_finishes(run, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A wrapper whose child keeps the pipes open: killing only the wrapper would hang.
    _fake_tool(bin_dir, "nvcc", "sleep 30 & wait\n")
    _fake_tool(bin_dir, "lscpu", "exec sleep 30\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    start = time.monotonic()
    result = run("check", "--json", "--timeout", "1")
    assert time.monotonic() - start < 10
    assert result.exit_code == 0
    facts = validate(json.loads(result.stdout)["facts"])
    probes = {p["name"]: p for p in facts["probes"]}
    assert probes["cuda"]["status"] == "timeout" and "nvcc --version timed out" in probes["cuda"]["reason"]
    assert probes["cpu"]["status"] == "timeout"
    assert facts["cpu"]["model"]  # /proc/cpuinfo still answered
    assert probes["memory"]["status"] == "ok"


class _Boom:
    NAME = "boom"

    @staticmethod
    def collect(host):
        raise RuntimeError("the probe fell over")

    @staticmethod
    def parse(raw):  # pragma: no cover - never reached
        return Result()


def test_a_probe_that_raises_is_an_error_and_the_rest_is_intact():
    facts = gather(LiveHost(), [*all_probes(), _Boom])
    validate(facts)
    probes = {p["name"]: p for p in facts["probes"]}
    assert probes["boom"] == {"name": "boom", "status": "error", "reason": "RuntimeError: the probe fell over",
                              "seconds": probes["boom"]["seconds"]}
    assert probes["cpu"]["status"] == "ok" and facts["cpu"]["logical_cpus"]


def test_missing_tools_are_absent_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH at all
    facts = gather(LiveHost())
    validate(facts)
    probes = {p["name"]: p for p in facts["probes"]}
    assert facts["stack"]["cuda"]["toolkit_version"] is None
    assert facts["stack"]["cuda"]["nvcc_path"] is None
    assert probes["cpu"]["status"] == "ok"  # /proc/cpuinfo needs no tool
