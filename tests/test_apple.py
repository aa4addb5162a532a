"""Apple GPUs and Macs: system_profiler, sysctl, Metal's working set.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

import json

from conftest import APPLE, facts_from, gpus
from readiness.probes import amd, apple


# -- Apple --------------------------------------------------------------------------------------

def test_system_profiler_json_m1(run):
    (g,) = gpus(run, APPLE / "system-profiler-displays-json-m1-macbookair-pytorch-serve.json")
    assert (g["vendor"], g["name"], g["gpu_cores"], g["unified_memory"]) == ("apple", "Apple M1", 7, True)
    assert g["memory_bandwidth_gbps"] == 68.0  # catalogue: M1 7-core GPU
    assert g["derived"]["memory_bandwidth_gbps"] == "catalogue"  # never presented as read from the machine
    assert g["metal_family"] == "GPU family Apple 7"


def test_apple_bandwidth_is_said_to_come_from_the_catalogue(run):
    from conftest import assumptions_of, report_from

    rep = report_from(APPLE / "system-profiler-displays-json-m1-macbookair-pytorch-serve.json", run=run)
    said = " ".join(a for w in rep["judgments"]["verdicts"] for a in assumptions_of(rep, w))
    assert "68 GB/s from the catalogue" in said and "reported by the driver" not in said


def test_intel_mac_lists_its_amd_gpu_with_metal_and_vram(run):
    (g,) = gpus(run, APPLE / "system-profiler-displays-text-imacpro2017-radeon-pro-vega64.txt")
    assert (g["vendor"], g["name"], g["memory_total_mib"]) == ("amd", "Radeon Pro Vega 64", 16 * 1024)
    assert g["unified_memory"] is False and "GPUFamily2" in g["metal_family"]


def test_m3_from_hardware_overview_and_sysctl(run):
    facts = facts_from(APPLE / "system-profiler-hardware-text-m3-macbookpro-mac15,3-prompt.txt",
                       APPLE / "sysctl-hw-optional-m3-prompt.txt", run=run)
    (g,) = facts["gpus"]
    assert g["name"] == "Apple M3" and g["memory_total_mib"] == 24 * 1024
    assert g["memory_usable_mib"] == 16 * 1024  # 2/3 of 24 GB: Metal's default working set
    assert {"asimd", "asimddp", "i8mm", "bf16"} <= set(facts["cpu"]["flags"])


def test_wired_limit_is_what_the_gpu_may_use():
    assert apple.working_set_mib(32 * 1024, 26000) == (26000, "iogpu.wired_limit_mb")
    assert apple.working_set_mib(32 * 1024, None)[0] == 32 * 1024 * 2 // 3
    assert apple.working_set_mib(64 * 1024, None)[0] == 48 * 1024
    sysctl = apple.parse_sysctl((APPLE / "sysctl-set-iogpu-wired-limit-m1max-32gb-prompt.txt").read_text())
    assert sysctl["iogpu.wired_limit_mb"].startswith("26000")
