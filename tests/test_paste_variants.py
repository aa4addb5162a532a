"""Format variants met in held-out batch b7 of real pastes (tests/fixtures/expected/b7 checks
each real fixture's facts): fragments under their command's prompt, old layouts (inxi, clinfo,
vulkaninfo), amd-smi list and static of one GPU, cut Windows outputs. The tests here are "logic"
tests on hand-made lines, each named so, for the edges of those rules the real pastes don't show."""

from __future__ import annotations

import pytest

from readiness.collect import _build_vendor, gather
from readiness.errors import ReadinessError
from readiness.host import paste, replay
from readiness.probes import amd, clinfo, gfxinfo, inxi, registry, windows
from readiness.probes.nvidia_smi import detect


def _load(tmp_path, text: str, name: str = "paste.txt"):
    path = tmp_path / name
    path.write_text(text)
    return replay.load([str(path)], registry.detectors())


def test_logic_a_fragment_is_read_only_under_the_prompt_that_ran_its_program(tmp_path):
    host, _ = _load(tmp_path, "$ lscpu\n[...]\nModel name:   AMD Ryzen 7 7840U\n")
    assert gather(host)["cpu"]["model"] == "AMD Ryzen 7 7840U"
    # the same line without the prompt, or under another program's, says too little
    for text in ("[...]\nModel name:   AMD Ryzen 7 7840U\n", "$ grep x y\nModel name:   AMD Ryzen 7 7840U\n"):
        path = tmp_path / "other.txt"
        path.write_text(text)
        with pytest.raises(ReadinessError, match="none of the given paths"):
            replay.load([str(path)], registry.detectors())


def test_logic_bare_command_line_over_quoted_output():
    lines = paste.clean("nvidia-smi -L\n> GPU 0: NVIDIA A100 (UUID: GPU-1)\n> GPU 1: NVIDIA A100 (UUID: GPU-2)\n").lines
    assert [t for _, t in lines][1:] == ["GPU 0: NVIDIA A100 (UUID: GPU-1)", "GPU 1: NVIDIA A100 (UUID: GPU-2)"]


def test_logic_a_glued_closing_fence_is_cut():
    lines = paste.clean("```Architecture:   x86_64\nCPU(s):   8```\n").lines
    assert [t for _, t in lines] == ["Architecture:   x86_64", "CPU(s):   8"]


def test_logic_a_bare_gpu_line_is_nvidia_smi_list_only_with_a_mig_line_under_it():
    assert detect("GPU 0: NVIDIA H100 80GB HBM3\n") is None
    assert detect("GPU 0: NVIDIA H100 80GB HBM3\n  MIG 1g.10gb     Device  0: (UUID: MIG-1)\n") == "list"


def test_logic_inxi_before_3_0_names_the_model_after_its_core_count():
    cpu = inxi.inxi_cpu("CPU:       Quad core Intel Core i7-3520M (-MCP-) cache: 4096 KB")
    assert (cpu.model, cpu.physical_cores) == ("Intel Core i7-3520M", 4)
    cpu = inxi.inxi_cpu("CPU:       Info: 8-core AMD Ryzen 7 5800H with Radeon Graphics [MT MCP] speed (MHz): avg: 1200")
    assert (cpu.model, cpu.physical_cores) == ("AMD Ryzen 7 5800H with Radeon Graphics", 8)
    # a model key wins over the Info text
    assert inxi.inxi_cpu("CPU:       Info: 6-core model: AMD Ryzen 5 5600X bits: 64").model == "AMD Ryzen 5 5600X"


def test_logic_inxi_linux_kernel_and_bsd_os_line():
    host = inxi.inxi_host("System:    Host: box Kernel: 6.5.0-14-generic x86_64 bits: 64 Distro: Ubuntu 22.04")
    assert (host.kernel, host.arch, host.os_release) == ("6.5.0-14-generic", "x86_64", "Ubuntu 22.04")
    host = inxi.inxi_host("System:    Host: bsd Kernel: FreeBSD 14.0-CURRENT amd64 bits: 64 OS: FreeBSD 14.0-CURRENT")
    assert (host.kernel, host.arch, host.os_release) == ("14.0-CURRENT", "x86_64", "FreeBSD 14.0-CURRENT")


def test_logic_vulkaninfo_driver_info_prose_falls_back_to_the_dotted_driver_version():
    base = "GPU0:\n\tdeviceType = PHYSICAL_DEVICE_TYPE_DISCRETE_GPU\n\tdeviceName = AMD Radeon RX 7600\n" \
           "\tvendorID = 0x1002\n\tdriverVersion = {dv}\n\tdriverInfo = {di}\n"
    text = "Devices:\n========\n" + base
    assert gfxinfo.vulkan_gpus(text.format(dv="2.0.302", di="(AMD proprietary shader compiler)"))[0].driver_version \
        == "2.0.302"
    assert gfxinfo.vulkan_gpus(text.format(dv="25.0.3", di="Mesa 25.0.3"))[0].driver_version == "Mesa 25.0.3"
    # a raw integer (old layouts) is no version
    assert gfxinfo.vulkan_gpus(text.format(dv="8388637 (0x80001d)", di="()"))[0].driver_version is None


def test_logic_old_amd_app_clinfo_pci_numbers_are_decimal():
    text = ("Number of platforms:\t\t\t\t 1\n  Platform Name:\t\t\t\t AMD Accelerated Parallel Processing\n"
            "Number of devices:\t\t\t\t 1\n  Device Type:\t\t\t\t\t CL_DEVICE_TYPE_GPU\n  Vendor ID:\t\t\t\t\t 1002h\n"
            "  Board name:\t\t\t\t\t AMD Radeon R9 200 Series\n  Device Topology:\t\t\t\t PCI[ B#12, D#0, F#0 ]\n"
            "  Global memory size:\t\t\t\t 3221225472\n  Name:\t\t\t\t\t\t Hawaii\n")
    assert clinfo.is_clinfo(text)
    (gpu,) = clinfo.cl_gpus(text)
    assert (gpu.name, gpu.pci_bus_id, gpu.memory_total_mib, gpu.pci_vendor_id) == \
        ("AMD Radeon R9 200 Series", "0000:0c:00.0", 3072, "0x1002")


def test_logic_amd_smi_static_before_list_is_still_one_gpu():
    static = "GPU: 0\n    ASIC:\n        MARKET_NAME: AMD Instinct MI300X\n        DEVICE_ID: 0x74a1\n"
    listing = "GPU: 0\n    BDF: 0000:05:00.0\n    UUID: 1fff74a1-0000-1000-80e9-0123456789ab\n"
    (row,) = amd.parse_amd_smi_static_text(static + "\n" + listing)
    assert (row["name"], row["pci_bus_id"], row["uuid"]) == \
        ("AMD Instinct MI300X", "0000:05:00.0", "1fff74a1-0000-1000-80e9-0123456789ab")
    # amd-smi's placeholder (00ff + device id, zeros) is the same on every card: no identity
    (row,) = amd.parse_amd_smi_list("GPU: 0\n    BDF: 0000:05:00.0\n    UUID: 00ff74a1-0000-1000-8000-000000000000\n")
    assert row["uuid"] is None


def test_logic_two_gpus_of_list_and_static_pair_by_bus_id():
    static = ("GPU: 0\n    ASIC:\n        MARKET_NAME: A\n    BUS:\n        BDF: 0000:83:00.0\n"
              "GPU: 1\n    ASIC:\n        MARKET_NAME: B\n    BUS:\n        BDF: 0000:03:00.0\n")
    listing = "GPU: 0\n    BDF: 0000:03:00.0\n    UUID: aa\nGPU: 1\n    BDF: 0000:83:00.0\n    UUID: bb\n"
    rows = amd._merge(amd.parse_amd_smi_static_text(static), amd.parse_amd_smi_list(listing), key="index")
    assert [(r["name"], r["uuid"]) for r in rows] == [("A", "bb"), ("B", "aa")]


def test_logic_wmic_format_list_and_a_cut_format_list_are_video_controller_lists():
    wmic = "AdapterCompatibility=NVIDIA\nCaption=NVIDIA GeForce GTX 1060\nDriverVersion=31.0.15.1694\n"
    assert windows._is_cim_list(wmic)
    assert windows.parse_cim_list(wmic)[0]["name"] == "NVIDIA GeForce GTX 1060"
    cut = "Caption    : Intel(R) Iris(R) Xe Graphics\nName       : Intel(R) Iris(R) Xe Graphics\n" \
          "CreationClassName : Win32_VideoController\nSystemName : DESK\n"
    assert windows._is_cim_list(cut)
    assert windows.parse_cim_list(cut)[0]["system_name"] == "DESK"
    # Win32_Processor's list is no video controller's
    assert not windows._is_cim_list("Name : Intel(R) Core(TM) i7\nNumberOfCores : 4\nDeviceID : CPU0\n")


def test_logic_dxdiag_hybrid_graphics_line_says_discrete():
    block = ("Card name: NVIDIA GeForce RTX 3060 Laptop GPU\nDedicated Memory: 5996 MB\nDriver Model: WDDM 3.0\n"
             "Hybrid Graphics GPU: Discrete\nVendor ID: 0x10DE\nDevice ID: 0x2520\n")
    assert windows.parse_dxdiag("Display Devices\n" + block)[0]["integrated"] is False


def test_logic_a_gpu_named_by_no_vendor_takes_the_vendor_of_the_torch_build():
    assert _build_vendor({"torch": {"build": "rocm 6.2.41133"}}) == "amd"
    assert _build_vendor({"torch": {"build": "cuda 12.4"}}) == "nvidia"
    assert _build_vendor({"torch": {"build": "cpu"}}) == "other"
