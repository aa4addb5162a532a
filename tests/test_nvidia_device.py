"""A real datacentre GPU (an H200, driver 580), captured with tests/fixtures/device-capture.sh.

The live NVML path (check.json, and the capture replayed) and the nvidia-smi path
(nvidia-smi -q -x, -q, the table and the CSV query from the same machine, same minute)
must agree wherever both give a value.
"""

import json

import pytest

from conftest import FIXTURES, facts_from

DEVICE = FIXTURES / "nvidia" / "device-h200-readiness"
COMPARED = ["name", "uuid", "pci_bus_id", "memory_total_mib", "driver_version", "compute_capability",
            "power_limit_w", "power_default_limit_w", "max_sm_clock_mhz", "max_memory_clock_mhz",
            "pcie_generation", "pcie_width", "pcie_generation_max", "pcie_width_max", "mig_mode",
            "persistence_mode", "ecc_mode", "virtualization_mode", "display_attached", "processes_count"]


@pytest.fixture(scope="module")
def live():
    return json.loads((DEVICE / "check.json").read_text())


def test_live_nvml_facts(live):
    (gpu,) = live["gpus"]
    assert gpu["source"] == "nvml" and gpu["name"] == "NVIDIA H200" and gpu["architecture"] == "Hopper"
    assert gpu["compute_capability"] == "9.0" and gpu["memory_total_mib"] == 143771
    assert gpu["memory_bandwidth_gbps"] == pytest.approx(4800, rel=0.01)  # H200 datasheet: 4.8 TB/s
    assert live["stack"]["cuda"]["driver_version"] == "13.0"


def test_replaying_the_capture_gives_the_live_gpu(run, live):
    replayed = facts_from(DEVICE / "capture", run=run)
    # Fields added to the facts after the capture was made are compared where the capture has them.
    for old, new in zip(live["gpus"], replayed["gpus"], strict=True):
        assert {k: new[k] for k in old} == old
    assert replayed["stack"]["cuda"]["driver_version"] == live["stack"]["cuda"]["driver_version"]
    assert replayed["cpu"] == live["cpu"] and {k: replayed["host"][k] for k in live["host"]} == live["host"]


@pytest.mark.parametrize("raw", ["nvidia-smi-q-x.xml", "nvidia-smi-q.txt", "nvidia-smi.txt", "nvidia-smi-query.csv"])
def test_nvidia_smi_path_agrees_with_nvml(run, live, raw):
    smi = facts_from(DEVICE / raw, run=run)
    (nvml_gpu,) = live["gpus"]
    (smi_gpu,) = smi["gpus"]
    assert smi_gpu["source"] == "nvidia-smi"
    compared = 0
    for field in COMPARED:
        if smi_gpu[field] is not None:
            assert smi_gpu[field] == nvml_gpu[field], field
            compared += 1
    assert compared >= 4  # even the plain table gives name, memory, bus id and driver
    assert smi["stack"]["cuda"]["driver_version"] == live["stack"]["cuda"]["driver_version"]
