"""Special environments: WSL2, containers without the NVIDIA runtime, nouveau, sleeping Optimus GPUs."""

import json

from conftest import FIXTURES, validate
from fakes.nvml import LIBRARY_NOT_FOUND, FakeGpu, FakeNvml
from readiness.collect import gather
from readiness.host.base import Answer
from readiness.host.replay import ReplayHost
from readiness.host import nvml

XML = (FIXTURES / "nvidia" / "device-h200-readiness" / "nvidia-smi-q-x.xml").read_text()
ROOT = "/sys/bus/pci/devices"


def ok(value):
    return Answer("ok", value)


def sysfs_gpu(bus="0000:01:00.0", vendor="0x10de", device="0x2684", driver="nvidia", power="active"):
    answers = {f"dir:{ROOT}": ok([bus]), f"file:{ROOT}/{bus}/class": ok("0x030000\n"),
               f"file:{ROOT}/{bus}/vendor": ok(vendor + "\n"), f"file:{ROOT}/{bus}/device": ok(device + "\n"),
               f"file:{ROOT}/{bus}/power/runtime_status": ok(power + "\n")}
    if driver:
        answers[f"link:{ROOT}/{bus}/driver"] = ok(f"../../../bus/pci/drivers/{driver}")
    return answers


def no_nvml():
    return ok(nvml.snapshot(FakeNvml(init_error=LIBRARY_NOT_FOUND)))


def facts(answers, system="linux"):
    return validate(gather(ReplayHost(answers, system, "test")))


def test_wsl2_uses_the_nvidia_smi_in_usr_lib_wsl():
    f = facts({"call:nvml": no_nvml(), "dir:/usr/lib/wsl/lib": ok(["libcuda.so", "libcuda.so.1", "nvidia-smi"]),
               "cmd:/usr/lib/wsl/lib/nvidia-smi -q -x": ok(XML)})
    (gpu,) = f["gpus"]
    assert gpu["name"] == "NVIDIA H200" and gpu["source"] == "nvidia-smi"


def test_wsl2_without_gpu_passthrough_says_so():
    f = facts({"call:nvml": no_nvml(), "dir:/usr/lib/wsl/lib": ok(["libd3d12.so"])})
    probe = next(p for p in f["probes"] if p["name"] == "nvidia")
    assert f["gpus"] == [] and "WSL without GPU passthrough" in probe["reason"]


def test_container_without_the_nvidia_runtime():
    f = facts({"call:nvml": no_nvml(), "dir:/dev": ok(["null", "zero", "tty"]), "file:/.dockerenv": ok(""),
               **sysfs_gpu()})
    (gpu,) = f["gpus"]
    assert f["host"]["container"] == "docker"
    assert gpu["status"] == "error" and "--gpus all" in gpu["status_reason"]


def test_nouveau_bound_instead_of_nvidia():
    f = facts({"call:nvml": no_nvml(), **sysfs_gpu(driver="nouveau")})
    (gpu,) = f["gpus"]
    assert gpu["vendor"] == "nvidia" and gpu["status"] == "driver_not_loaded"
    assert "proprietary driver not loaded" in gpu["status_reason"] and "nouveau" in gpu["status_reason"]


def test_gpu_with_no_driver_is_listed():
    f = facts({"call:nvml": no_nvml(), **sysfs_gpu(driver=None)})
    (gpu,) = f["gpus"]
    assert gpu["status"] == "no_driver" and gpu["pci_device_id"] == "0x2684"


def test_sleeping_optimus_gpu_is_not_absent():
    f = facts({"call:nvml": ok(nvml.snapshot(FakeNvml([FakeGpu(name="NVIDIA GeForce RTX 4060 Laptop GPU")]))),
               **sysfs_gpu(bus="0000:01:00.0", power="suspended"),
               f"file:{ROOT}/0000:00:02.0/class": ok("0x030000\n")})
    nvidia_gpus = [g for g in f["gpus"] if g["vendor"] == "nvidia"]
    assert len(nvidia_gpus) == 1 and nvidia_gpus[0]["name"] == "NVIDIA GeForce RTX 4060 Laptop GPU"


def test_the_pci_probe_marks_a_sleeping_gpu_asleep_not_absent():
    from readiness.probes import pci

    f = validate(gather(ReplayHost(sysfs_gpu(power="suspended"), "linux", "test"), [pci]))
    (gpu,) = f["gpus"]
    assert gpu["status"] == "ok" and "asleep" in gpu["status_reason"]


def test_processes_only_when_asked():
    fake = FakeNvml()
    answers = {"call:nvml": ok(nvml.snapshot(fake)),
               'call:process [1234]': ok({"name": "python3", "cmdline": ["python3", "train.py"]})}
    host = ReplayHost(answers, "linux", "test")
    plain = validate(gather(host))
    assert plain["gpus"][0]["processes"] is None and plain["gpus"][0]["processes_count"] == 1
    host.options = {"processes": True}
    asked = validate(gather(host))
    assert asked["gpus"][0]["processes"] == [{"pid": 1234, "memory_used_mib": 512, "name": "python3",
                                              "command": "python3 train.py"}]


def test_redact_blanks_nvml_uuid_and_serial():
    from readiness.redact import scrub

    snap = nvml.snapshot(FakeNvml())
    snap["devices"][0]["serial"] = {"v": "1320123456789"}
    text = json.dumps(scrub(snap, set()))
    assert "GPU-11111111" not in text and "1320123456789" not in text
