"""The NVML path, against a fake NVML that records the calls made to it."""

import sys

import pytest

from conftest import validate
from fakes.nvml import (DRIVER_NOT_LOADED, FUNCTION_NOT_FOUND, LIB_RM_VERSION_MISMATCH,
                        LIBRARY_NOT_FOUND, NO_PERMISSION, NOT_SUPPORTED, FakeGpu, FakeNvml)
from readiness import derive
from readiness.collect import gather
from readiness.host.base import Answer
from readiness.host.replay import ReplayHost
from readiness.host import nvml
from readiness.probes import nvidia


def probe(fake: FakeNvml, extra: dict | None = None):
    answers = {"call:nvml": Answer("ok", nvml.snapshot(fake)), **(extra or {})}
    host = ReplayHost(answers, "linux", "a fake NVML")
    return nvidia.parse(nvidia.collect(host))


def test_one_gpu_every_field():
    fake = FakeNvml()
    result = probe(fake)
    assert result.status == "ok"
    assert result.facts["cuda_driver_version"] == "12.8"
    (gpu,) = result.facts["gpus"]
    assert gpu.name == "NVIDIA GeForce RTX 4090" and gpu.vendor == "nvidia" and gpu.source == "nvml"
    assert gpu.uuid == "GPU-11111111-2222-3333-4444-555555555555"
    assert gpu.pci_bus_id == "0000:01:00.0" and gpu.pci_device_id == "0x2684" and gpu.pci_vendor_id == "0x10de"
    assert gpu.compute_capability == "8.9" and gpu.architecture is None  # NVML gives no name: derived later
    assert gpu.architecture is None  # frozen: deriving makes a new value, the probe's stays as read
    gpu = derive.fill_gpu(gpu)
    assert gpu.architecture == "Ada Lovelace" and gpu.derived == {"architecture": "compute capability"}
    assert (gpu.memory_total_mib, gpu.memory_used_mib, gpu.memory_free_mib) == (24564, 1024, 23540)
    assert gpu.driver_version == "570.133.07"
    assert (gpu.power_limit_w, gpu.power_default_limit_w) == (450.0, 450.0)
    assert (gpu.max_sm_clock_mhz, gpu.max_memory_clock_mhz, gpu.memory_bus_width_bits) == (3120, 10501, 384)
    assert gpu.memory_bandwidth_gbps == pytest.approx(1008.1, abs=0.1)  # RTX 4090: 1008 GB/s on its datasheet
    assert (gpu.pcie_generation, gpu.pcie_width, gpu.pcie_generation_max, gpu.pcie_width_max) == (4, 16, 4, 16)
    assert gpu.mig_mode is None and gpu.mig_devices == []
    assert gpu.persistence_mode is False and gpu.ecc_mode is None and gpu.display_attached is True
    assert gpu.virtualization_mode == "None"
    assert (gpu.processes_count, gpu.processes_memory_mib) == (1, 512)
    assert gpu.nvlink_active_links is None and "nvlink_active_links" in gpu.unavailable
    assert gpu.status == "ok"
    assert fake.called("nvmlInit") == 1 and fake.called("nvmlShutdown") == 1


def test_eight_gpus_with_nvlink():
    gpus = [FakeGpu(name="NVIDIA H100 80GB HBM3", bus_id=f"00000000:{0x18 + i * 0x10:02X}:00.0", cc=(9, 0),
                    total=81559 * 2**20, used=0, max_mem=2619, bus_width=5120, pcie=(5, 16, 5, 16),
                    nvlinks=[1] * 18, display=0, processes=[], ecc=(1, 1), persistence=1) for i in range(8)]
    fake = FakeNvml(gpus)
    result = probe(fake)
    assert len(result.facts["gpus"]) == 8
    assert len({g.pci_bus_id for g in result.facts["gpus"]}) == 8
    for g in result.facts["gpus"]:
        g = derive.fill_gpu(g)
        assert g.architecture == "Hopper" and g.nvlink_active_links == 18 and g.ecc_mode is True
        assert g.memory_bandwidth_gbps == pytest.approx(3352, rel=0.01)  # H100 SXM: 3.35 TB/s
        assert g.processes_count == 0 and g.processes_memory_mib == 0
    assert fake.called("nvmlDeviceGetHandleByIndex") == 8


def test_mig_instances_stay_inside_their_gpu():
    a100 = FakeGpu(name="NVIDIA A100-SXM4-80GB", cc=(8, 0), total=81920 * 2**20, mig=(1, 1),
                   mig_devices=[("NVIDIA A100-SXM4-80GB MIG 3g.40gb", 40192 * 2**20, 1, 0), None,
                                ("NVIDIA A100-SXM4-80GB MIG 1g.10gb", 9728 * 2**20, 9, 0)])
    result = probe(FakeNvml([a100]))
    (gpu,) = result.facts["gpus"]
    assert gpu.mig_mode is True
    assert [(m.name, m.memory_total_mib, m.gpu_instance_id) for m in gpu.mig_devices] == [
        ("NVIDIA A100-SXM4-80GB MIG 3g.40gb", 40192, 1), ("NVIDIA A100-SXM4-80GB MIG 1g.10gb", 9728, 9)]
    assert gpu.memory_total_mib == 81920  # never the sum of the instances


OPTIONAL = {
    "nvmlDeviceGetUUID": "uuid",
    "nvmlDeviceGetCudaComputeCapability": "compute_capability",
    "nvmlDeviceGetMemoryInfo": "memory_total_mib",
    "nvmlDeviceGetPowerManagementLimit": "power_limit_w",
    "nvmlDeviceGetPowerManagementDefaultLimit": "power_default_limit_w",
    "nvmlDeviceGetMaxClockInfo": "max_memory_clock_mhz",
    "nvmlDeviceGetMemoryBusWidth": "memory_bus_width_bits",
    "nvmlDeviceGetCurrPcieLinkGeneration": "pcie_generation",
    "nvmlDeviceGetCurrPcieLinkWidth": "pcie_width",
    "nvmlDeviceGetMaxPcieLinkWidth": "pcie_width_max",
    "nvmlDeviceGetPersistenceMode": "persistence_mode",
    "nvmlDeviceGetVirtualizationMode": "virtualization_mode",
    "nvmlDeviceGetDisplayActive": "display_attached",
    "nvmlDeviceGetComputeRunningProcesses": "processes_count",
    "nvmlDeviceGetPciInfo": "pci_bus_id",
}


@pytest.mark.parametrize("function, field", sorted(OPTIONAL.items()))
def test_not_supported_metric_is_null_with_a_reason_and_the_rest_stays(function, field):
    result = probe(FakeNvml([FakeGpu(failing={function: NOT_SUPPORTED})]))
    (gpu,) = result.facts["gpus"]
    assert getattr(gpu, field) is None
    assert "not supported" in gpu.unavailable[field]
    assert gpu.name == "NVIDIA GeForce RTX 4090" and gpu.status == "ok"
    others = [f for f in OPTIONAL.values() if f not in (field, "memory_total_mib") and not
              (field == "memory_total_mib" and f.startswith("memory"))]
    if function != "nvmlDeviceGetMaxClockInfo":
        assert sum(getattr(gpu, f) is not None for f in others) >= len(others) - 1


def test_old_driver_function_not_found_and_old_binding():
    fake = FakeNvml([FakeGpu(failing={"nvmlDeviceGetMemoryBusWidth": FUNCTION_NOT_FOUND})],
                    missing=("nvmlSystemGetCudaDriverVersion_v2", "nvmlDeviceGetGpuMaxPcieLinkGeneration"))
    result = probe(fake)
    (gpu,) = result.facts["gpus"]
    assert result.facts["cuda_driver_version"] == "12.8"  # from the v1 call
    assert fake.called("nvmlSystemGetCudaDriverVersion") == 1
    assert gpu.pcie_generation_max == 4 and fake.called("nvmlDeviceGetMaxPcieLinkGeneration") == 1
    assert gpu.memory_bus_width_bits is None and "too old" in gpu.unavailable["memory_bus_width_bits"]
    assert gpu.memory_bandwidth_gbps is None


def test_a_lost_gpu_stays_in_the_list():
    fake = FakeNvml([FakeGpu(), FakeGpu(bus_id="00000000:02:00.0", lost=True)])
    result = probe(fake)
    ok, lost = result.facts["gpus"]
    assert ok.status == "ok" and ok.name
    assert lost.status == "error" and "fallen off the bus" in lost.status_reason and lost.index == 1


@pytest.mark.parametrize("code, words", [
    (LIBRARY_NOT_FOUND, "no NVIDIA driver is installed"),
    (DRIVER_NOT_LOADED, "kernel driver is not loaded"),
    (NO_PERMISSION, "no permission"),
    (LIB_RM_VERSION_MISMATCH, "reboot, or reload"),
])
def test_init_failures_say_why_in_plain_words(code, words):
    fake = FakeNvml(init_error=code)
    result = probe(fake)
    assert result.facts["gpus"] == []
    assert words in result.reason
    assert [n for n, _ in fake.calls] == ["nvmlInit"]  # nothing else asked of a dead library


def test_no_binding_at_all(monkeypatch):
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml raises ImportError
    snap = nvml.snapshot_live()
    assert snap["status"] == "absent" and "nvidia-ml-py" in snap["init"]["reason"]


def test_no_device():
    result = probe(FakeNvml([]))
    assert result.status == "absent" and "no NVIDIA device" in result.reason


def test_init_failure_falls_back_to_nvidia_smi_output():
    from conftest import FIXTURES

    xml = next((FIXTURES / "nvidia").glob("q-x-a100*.xml")).read_text()
    result = probe(FakeNvml(init_error=DRIVER_NOT_LOADED), {"cmd:nvidia-smi -q -x": Answer("ok", xml)})
    assert result.status == "ok" and "from nvidia-smi" in result.reason
    assert result.facts["gpus"] and all(g.source == "nvidia-smi" for g in result.facts["gpus"])


def test_nvml_gpu_and_its_sysfs_entry_merge_by_bus_id():
    fake = FakeNvml()
    answers = {"call:nvml": Answer("ok", nvml.snapshot(fake)),
               "dir:/sys/bus/pci/devices": Answer("ok", ["0000:00:02.0", "0000:01:00.0"]),
               "file:/sys/bus/pci/devices/0000:01:00.0/class": Answer("ok", "0x030000\n"),
               "file:/sys/bus/pci/devices/0000:01:00.0/vendor": Answer("ok", "0x10de\n"),
               "file:/sys/bus/pci/devices/0000:01:00.0/device": Answer("ok", "0x2684\n"),
               "link:/sys/bus/pci/devices/0000:01:00.0/driver": Answer("ok", "../../../bus/pci/drivers/nvidia"),
               "file:/sys/bus/pci/devices/0000:00:02.0/class": Answer("ok", "0x030000\n"),
               "file:/sys/bus/pci/devices/0000:00:02.0/vendor": Answer("ok", "0x8086\n"),
               "file:/sys/bus/pci/devices/0000:00:02.0/device": Answer("ok", "0xa780\n"),
               "link:/sys/bus/pci/devices/0000:00:02.0/driver": Answer("ok", "../../../bus/pci/drivers/i915")}
    facts = validate(gather(ReplayHost(answers, "linux", "fake")))
    nvidia_gpus = [g for g in facts["gpus"] if g["vendor"] == "nvidia"]
    assert len(nvidia_gpus) == 1 and nvidia_gpus[0]["source"] == "nvml"
    assert nvidia_gpus[0]["kernel_driver"] == "nvidia"
    assert len(facts["gpus"]) == 2 and facts["stack"]["cuda"]["driver_version"] == "12.8"
