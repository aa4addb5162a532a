"""Format variants met in held-out batch b14 of real pastes (tests/fixtures/expected/b14 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show, each with a case that must not be read so."""

from __future__ import annotations

from pastefacts import facts_of
from test_from_budgets import hang_guard

from readiness.host import replay
from readiness.probes import clinfo, cpu, nvidia_smi


Q_MIDDLE = """    GPU Virtualization Mode
        Virtualization Mode               : None
        Host VGPU Mode                    : N/A
    IBMNPU
        Relaxed Ordering Mode             : N/A
    PCI
        Bus                               : 0x01
        Device Id                         : 0x220410DE
        Bus Id                            : 00000000:01:00.0
        GPU Link Info
            PCIe Generation
                Max                       : 4
                Current                   : 1
"""


def test_logic_q_fragment_told_by_five_of_its_sections():
    assert nvidia_smi.detect(Q_MIDDLE) == "query"
    (g,) = nvidia_smi.parse(Q_MIDDLE)["gpus"]
    assert (g["pci_bus_id"], g["virtualization_mode"]) == ("0000:01:00.0", "None")
    # four of them (or the same one repeated) are too few
    assert nvidia_smi.detect("\n".join(Q_MIDDLE.splitlines()[:5]) + "\n") is None


def test_logic_arm_code_lines_alone_are_cpuinfo():
    assert cpu._is_cpuinfo("CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x4\nCPU part\t: 0xd0c\n")
    assert not cpu._is_cpuinfo("CPU implementer\t: 0x41\nCPU part\t: 0xd0c\n")


def test_logic_win32_processor_list_cut_above_its_name():
    block = "PSComputerName : PC\nDeviceID       : CPU0\nMaxClockSpeed  : 3301\nL2CacheSize    : 1024\n"
    (item,) = cpu._cim_cpus(block)
    assert item["MaxClockSpeed"] == "3301"
    assert cpu._cim_cpus(block.replace("CPU0", "VideoController1")) == []  # another class's list


def test_logic_clinfo_under_grep_its_board_names_open_devices(tmp_path):
    text = ("$ /usr/bin/rocm-clinfo|grep -P 'Board|gfx'\n  Board name:\t\t\t AMD Radeon RX 7900 XTX\n"
            "  Name:\t\t\t\t gfx1100\n  Board name:\t\t\t AMD Radeon RX 7600\n  Name:\t\t\t\t gfx1102\n")
    gpus = facts_of(tmp_path, text)["gpus"]
    assert [(g["name"], g["gfx_target"]) for g in gpus] == [("AMD Radeon RX 7900 XTX", "gfx1100"),
                                                            ("AMD Radeon RX 7600", "gfx1102")]
    assert not clinfo.is_cl_grep_lines("  Board name:\t AMD Radeon RX 7600\nsome other line\n")


def test_logic_clinfo_null_platform_section_alone():
    text = ("  clCreateContextFromType(NULL, CL_DEVICE_TYPE_CPU)  No devices found in platform\n"
            "  clCreateContextFromType(NULL, CL_DEVICE_TYPE_GPU)  Success (1)\n"
            "    Platform Name                                 Intel(R) OpenCL HD Graphics\n"
            "    Device Name                                   Intel(R) UHD Graphics 620\n"
            "  clCreateContextFromType(NULL, CL_DEVICE_TYPE_ALL)  Success (1)\n"
            "    Device Name                                   Intel(R) UHD Graphics 620\n")
    assert clinfo.is_clinfo(text)
    assert [g.name for g in clinfo.cl_gpus(text)] == ["Intel(R) UHD Graphics 620"]  # the GPU context's, once
    assert not clinfo.is_clinfo(text.replace("CL_DEVICE_TYPE_GPU)  Success (1)", "CL_DEVICE_TYPE_GPU)  No devices found"))


def test_logic_neo_version_lines_name_an_intel_gpu():
    text = ("  Device Version                                  OpenCL 3.0 NEO\n"
            "  Driver Version                                  23.35.27191.42\n")
    (g,) = clinfo.cl_gpus(text)
    assert (g.vendor, g.name, g.driver_version, g.pci_vendor_id) == ("intel", None, "23.35.27191.42", None)
    cpu_runtime = text.replace("OpenCL 3.0 NEO", "OpenCL 3.0 (Build 0)")
    assert not clinfo.is_clinfo(cpu_runtime) and clinfo.cl_gpus(cpu_runtime) == []


def test_logic_two_lspci_listings_in_one_paste_are_one_device_list(tmp_path):
    text = ("$ lspci -nn | grep VGA\n"
            "03:00.0 VGA compatible controller [0300]: Advanced Micro Devices, Inc. [AMD/ATI] Navi 31 [1002:744c] (rev c8)\n"
            "$ lspci -v -s 03:00.0\n"
            "03:00.0 VGA compatible controller: Advanced Micro Devices, Inc. [AMD/ATI] Navi 31 (rev c8)\n"
            "\tKernel driver in use: amdgpu\n")
    (g,) = facts_of(tmp_path, text)["gpus"]
    assert (g["pci_device_id"], g["kernel_driver"]) == ("0x744c", "amdgpu")
    # joined, not "a second lspci; the first one is used"
    from readiness.probes import registry

    _, report = replay.load([str(tmp_path / "paste.txt")], registry.detectors())
    assert not any("a second" in why for _, why in report.ignored)


def test_logic_new_patterns_are_linear():
    with hang_guard():
        nvidia_smi.detect("    PCI" + " " * 100_000 + "x\n")
        clinfo.is_clinfo("  Device Version" + " " * 100_000 + "x\n")
        clinfo.is_cl_grep_lines("  Board name:" + " " * 100_000 + "\n")
