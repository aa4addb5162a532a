"""macOS and Windows hosts, simulated through the host seam: `check` must never crash there.

These answers are shaped like psutil's and platform's return values; they test wiring and
robustness, not parsing accuracy (real macOS and Windows outputs arrive with issue #4).
"""

from conftest import validate
from readiness.collect import gather
from readiness.host.base import Answer, key_for
from readiness.host.replay import ReplayHost


def _host(system, answers):
    return ReplayHost({k: Answer("ok", v) for k, v in answers.items()}, system, "a simulated host")


def test_windows_with_only_psutil_and_the_registry():
    host = _host("windows", {
        "call:platform.uname": {"system": "Windows", "node": "DESK", "release": "11", "version": "10.0.22631",
                                "machine": "AMD64"},
        "call:psutil.cpu_count": {"logical": 16, "physical": 8},
        "call:psutil.virtual_memory": {"total": 32 * 2**30, "available": 20 * 2**30, "swap_total": 2**30},
        "call:windows.cpu": {"name": "AMD Ryzen 7 5800X 8-Core Processor", "vendor": "AuthenticAMD"},
    })
    facts = validate(gather(host))
    assert facts["host"]["os"] == "windows" and facts["host"]["arch"] == "x86_64"
    assert facts["cpu"]["model"] == "AMD Ryzen 7 5800X 8-Core Processor" and facts["cpu"]["vendor"] == "AMD"
    assert facts["cpu"]["flags"] is None
    assert facts["memory"]["total_mib"] == 32 * 1024
    assert all(p["status"] != "error" for p in facts["probes"]), facts["probes"]


def test_windows_with_nothing_answering():
    facts = validate(gather(ReplayHost({}, "windows", "nothing")))
    assert facts["host"]["os"] is None or facts["host"]["os"] == "windows"
    assert all(p["status"] != "error" for p in facts["probes"]), facts["probes"]


def test_macos_with_psutil_only():
    host = _host("darwin", {
        "call:platform.uname": {"system": "Darwin", "node": "mac", "release": "23.5.0", "version": "",
                                "machine": "arm64"},
        "call:psutil.cpu_count": {"logical": 10, "physical": 10},
        "call:psutil.virtual_memory": {"total": 16 * 2**30, "available": 8 * 2**30, "swap_total": 0},
    })
    facts = validate(gather(host))
    assert facts["host"]["os"] == "darwin" and facts["host"]["arch"] == "arm64"
    assert facts["cpu"]["logical_cpus"] == 10 and facts["memory"]["total_mib"] == 16 * 1024
    assert all(p["status"] != "error" for p in facts["probes"]), facts["probes"]


def test_a_question_two_probes_need_is_asked_once():
    """The CPU and Apple probes both read sysctl; the AMD and Intel probes both list the DRM cards."""
    from collections import Counter

    asked = Counter()

    class Counting(ReplayHost):
        def ask(self, kind, *args, timeout=None):
            asked[key_for(kind, args)] += 1
            return super().ask(kind, *args, timeout=timeout)

    from readiness.probes.apple import SYSCTL

    validate(gather(Counting({}, "darwin", "a simulated Mac")))
    assert asked[key_for("cmd", [SYSCTL])] == 1 and max(asked.values()) == 1, [k for k, n in asked.items() if n > 1]
    asked.clear()
    validate(gather(Counting({}, "linux", "a simulated Linux box")))
    assert asked["dir:/sys/class/drm"] == 1 and max(asked.values()) == 1
