"""Format variants met in held-out batch b12 of real pastes (tests/fixtures/expected/b12 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show, each with a case that must not be read so."""

from __future__ import annotations

import pytest
from pastefacts import facts_of
from test_from_budgets import hang_guard

from readiness.errors import ReadinessError
from readiness.host import paste
from readiness.probes import amd, apple, clinfo, cpu, gfxinfo, inxi, nvidia_smi, rocminfo, sycl, torch
from readiness.probes.nvidia_smi.values import _display
from readiness.probes.rocm_smi import _gfx


# -- nvidia-smi --------------------------------------------------------------------------------

def test_logic_display_active_decides_display_attached():
    assert _display("Disabled", "Enabled") is False  # a vGPU guest, a V100 server
    assert _display("Enabled", "Disabled") is True
    assert _display(None, "Disabled") is False  # no display can be active
    assert _display(None, "Enabled") is None  # one could be: unknown, not "yes"
    assert _display("N/A", None) is None


def test_logic_bannerless_q_of_one_section_told_by_attached_gpus_and_its_block():
    text = ("Driver Version                            : 610.57.04\n\nAttached GPUs                             : 1\n"
            "GPU 00000000:03:00.0\n    Performance State                     : P8\n")
    assert nvidia_smi.detect(text) == "query"
    (g,) = nvidia_smi.parse(text)["gpus"]
    assert g["pci_bus_id"] == "0000:03:00.0"
    # a driver line and a count alone, or a block line not under the count, are not -q
    assert nvidia_smi.detect("Driver Version : 610.57.04\nAttached GPUs : 1\n") is None
    assert nvidia_smi.detect("Driver Version : 610.57.04\nGPU 00000000:03:00.0\n    P : P8\n") is None


# -- collect_env -------------------------------------------------------------------------------

SECTIONED = """==============================
       PyTorch Info
==============================
PyTorch version              : 2.6.0+cu124
CUDA used to build PyTorch   : 12.4

==============================
       CUDA / GPU Info
==============================
Is CUDA available            : True
GPU models and configuration : GPU 0: NVIDIA GeForce RTX 3090
Nvidia driver version        : 570.124.06

==============================
          CPU Info
==============================
Architecture:                         x86_64
CPU(s):                               20
Model name:                           Intel(R) Core(TM) i9-10900K CPU @ 3.70GHz
==============================
Versions of relevant libraries
==============================
"""


def test_logic_vllm_sectioned_collect_env_and_its_cpu_info_section():
    parts = torch.split_collect_env(SECTIONED)
    assert parts["cmd:lscpu"].splitlines()[-1].startswith("Model name:")  # the section ends at the banner
    doc = torch.parse_collect_env(SECTIONED)
    assert (doc["torch"]["version"], doc["torch"]["cuda_available"], doc["gpus"], doc["driver"]) == \
        ("2.6.0+cu124", True, ["NVIDIA GeForce RTX 3090"], "570.124.06")


def test_logic_collect_env_fragment_needs_four_of_its_own_keys():
    four = ("Is CUDA available: False\nCUDA runtime version: No CUDA\nGPU models and configuration: No CUDA\n"
            "Is XPU available: True\n")
    assert torch._is_collect_env(four)
    assert torch.parse_collect_env(four)["torch"]["installed"] is True  # collect_env answered True/False
    assert not torch._is_collect_env("\n".join(four.splitlines()[:3]) + "\n")
    # "N/A" is what collect_env says when torch did not import
    assert torch.parse_collect_env("PyTorch version: N/A\nIs CUDA available: N/A\n")["torch"]["installed"] is False


def test_logic_intel_driver_line_is_a_version_or_nothing():
    head = "PyTorch version: 2.8.0+xpu\nIs CUDA available: False\nIs XPU available: True\n"
    linux = head + "Intel GPU driver version:\n* libze1:\t1.28.2-2\nIntel GPU models onboard:\n* Intel(R) Arc(TM) B580 Graphics\n"
    windows = head + ("Intel GPU driver version:\n* 32.0.101.8826 (20250604000000.000000-000)\n"
                      "Intel GPU models onboard:\n* Intel(R) Arc(TM) B580 Graphics\n")
    assert torch.parse_collect_env(linux).get("intel_driver") is None
    assert torch.parse_collect_env(windows).get("intel_driver") == "32.0.101.8826"


def test_logic_collect_env_arch_from_the_linux_platform_line_only():
    head = "PyTorch version: 2.8.0\nIs CUDA available: False\n"
    arm = torch.split_collect_env(head + "Python platform: Linux-6.8.0-1017-nvidia-aarch64-with-glibc2.39\n")
    assert arm[torch.UNAME_M_KEY] == "aarch64\n"
    mac = torch.split_collect_env(head + "Python platform: macOS-14.5-arm64-arm-64bit\n")
    assert torch.UNAME_M_KEY not in mac


# -- CPU ---------------------------------------------------------------------------------------

def test_logic_cpuinfo_fragment_above_its_processor_line():
    assert cpu._is_cpuinfo("cpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) CPU\nstepping\t: 6\n")
    # lscpu capitalises its keys; two cpuinfo keys, or three without the model name, are too little
    assert not cpu._is_cpuinfo("CPU family: 6\nModel name: Intel(R) Xeon(R) CPU\nStepping: 6\n")
    # (one `model name` line at cpuinfo's tab stop is enough since b13: test_b13_variants)
    assert not cpu._is_cpuinfo("cpu family: 6\nmodel name: Intel(R) Xeon(R) CPU\n")
    assert not cpu._is_cpuinfo("cpu family\t: 6\nstepping\t: 6\nmicrocode\t: 0x1\n")


def test_logic_inxi_short_form_and_speed_in_mhz_key():
    short = ("CPU: 6-core AMD Ryzen 5 5600X (-MT MCP-) speed/min/max: 3700/2200/4650 MHz\n"
             "Kernel: 6.8.0-45-generic x86_64 Up: 1h Mem: 3.1/31.3 GiB (10.0%)\n")
    assert inxi.is_inxi(short)
    c, h = inxi.inxi_cpu(short), inxi.inxi_host(short)
    assert (c.model, c.physical_cores, c.max_mhz, h.kernel, h.arch) == \
        ("AMD Ryzen 5 5600X", 6, 4650.0, "6.8.0-45-generic", "x86_64")
    assert not inxi.is_inxi("CPU: my CPU is slow\nKernel: 6.8\n")
    speed = "CPU:\n  Info: 8-core model: AMD Ryzen 7 5800X3D bits: 64\n  Speed (MHz): avg: 2693 min/max: 2200/4549 cores:\n"
    assert inxi.inxi_cpu(speed).max_mhz == 4549.0


# -- AMD ---------------------------------------------------------------------------------------

def test_logic_rocm_smi_decimal_stepping_is_llvm_hex():
    assert [_gfx(v) for v in ("gfx9010", "gfx9012", "gfx906", "gfx1030", "gfx1100", "gfx90a", "N/A")] == \
        ["gfx90a", "gfx90c", "gfx906", "gfx1030", "gfx1100", "gfx90a", None]


AGENT_MIDDLE = ("  Device Type:             GPU\n  Chip ID:                 29772(0x744c)\n"
                "  Cacheline Size:          64(0x40)\n  BDFID:                   768\n  Compute Unit:            96\n")


def test_logic_rocminfo_fragment_without_its_agent_header():
    assert rocminfo.detect(AGENT_MIDDLE)
    (g,) = rocminfo.gpus(AGENT_MIDDLE)
    assert (g.pci_device_id, g.pci_bus_id) == ("0x744c", "0000:03:00.0")
    # the paste reader takes the common indent off: the same lines at the margin
    assert [x.pci_device_id for x in rocminfo.gpus("\n".join(line[2:] for line in AGENT_MIDDLE.splitlines()))] == ["0x744c"]
    cpu_agent = "  Fast F16 Operation:      FALSE\n  Wavefront Size:          0(0x0)\n  Workgroup Max Size:      0(0x0)\n" \
                "  Max Waves Per CU:        0(0x0)\n  Features:                None\n"
    assert rocminfo.detect(cpu_agent) and rocminfo.gpus(cpu_agent) == []  # no KERNEL_DISPATCH: no GPU
    assert not rocminfo.detect("  Device Type:  GPU\n  Chip ID:  1\n  BDFID:  2\n")  # three keys are too few


def test_logic_grep_fragments_under_their_command(tmp_path):
    rocm = facts_of(tmp_path, "$ rocminfo | grep Name\nName: AMD Ryzen 9 7950X\nMarketing Name: AMD Ryzen 9 7950X\n"
                            "Name: gfx1100\nMarketing Name: AMD Radeon RX 7900 XTX\n")["gpus"]
    assert [(g["name"], g["gfx_target"]) for g in rocm] == [("AMD Radeon RX 7900 XTX", "gfx1100")]
    vk = facts_of(tmp_path, "$ vulkaninfo | grep deviceName\n\tdeviceName = NVIDIA GeForce RTX 4070\n", "vk.txt")["gpus"]
    assert [g["name"] for g in vk] == ["NVIDIA GeForce RTX 4070"]
    # the same lines under another pipe, or with a line grep would not have kept, are not read
    with pytest.raises(ReadinessError):  # nothing readable in it
        facts_of(tmp_path, "$ rocminfo | head\nName: gfx1100\n", "head.txt")
    assert not rocminfo.detect_grep("Name: gfx1100\nsomething else\n")
    assert not gfxinfo.is_vk_grep_lines("apiVersion = 1.3\n")  # no device name among them


def test_logic_vulkaninfo_summary_from_its_first_gpu_line():
    text = "GPU0:\n\tapiVersion = 1.3.274\n\tvendorID = 0x1002\n\tdeviceType = PHYSICAL_DEVICE_TYPE_DISCRETE_GPU\n" \
           "\tdeviceName = AMD Radeon RX 6700 XT (RADV NAVI22)\n"
    (g,) = gfxinfo.vulkan_gpus(text)
    assert (g.name, g.pci_vendor_id, g.integrated) == ("AMD Radeon RX 6700 XT (RADV NAVI22)", "0x1002", False)


def test_logic_bare_command_on_a_paste_first_line():
    lines = paste.clean("/opt/rocm/bin/rocminfo | grep Name\nName: gfx1100\n").lines
    (seg,) = paste.split_prompts(lines)
    assert seg.command == "/opt/rocm/bin/rocminfo | grep Name" and seg.text == "Name: gfx1100\n"
    (prose,) = paste.split_prompts(paste.clean("lscpu says this:\nArchitecture: x86_64\n").lines)
    assert prose.command is None  # the tool's name in a sentence is no command line


def test_logic_amd_smi_metric_from_a_paste_only(tmp_path):
    text = ("GPU: 0\n    USAGE:\n        GFX_ACTIVITY: 0 %\n    MEM_USAGE:\n        TOTAL_VRAM: 16368 MB\n"
            "        USED_VRAM: 310 MB\n")
    assert amd._is_amd_smi_metric(text) and not amd._is_amd_smi_metric("GPU: 0\n    ASIC:\n    USAGE:\n")
    (g,) = facts_of(tmp_path, text)["gpus"]
    assert (g["vendor"], g["memory_total_mib"]) == ("amd", 16368)


def test_logic_amd_smi_metric_is_never_run_live():
    from readiness.host.base import Answer

    class Live:
        replayed, system, options = False, "linux", {}

        def __init__(self):
            self.ran = []

        def call(self, name):
            return Answer("ok", {"status": "absent"})

        def read_file(self, path):
            return Answer("absent", reason="no")

        def run(self, argv, **kw):
            self.ran.append(argv)
            return Answer("absent", reason="not found on PATH")

        def list_dir(self, path):
            return Answer("absent", reason="no")

    host = Live()
    try:
        amd.collect(host)
    except Exception:  # noqa: BLE001 - only what it ran matters here
        pass
    assert amd.AMD_SMI_METRIC not in host.ran and host.ran  # it ran other tools


# -- clinfo, sycl-ls, system_profiler -----------------------------------------------------------

def test_logic_clinfo_device_block_without_its_header():
    block = ("  Device Name                                     Intel(R) Graphics [0x56a0]\n"
             "  Device Vendor ID                                0x8086\n"
             "  Device Version                                  OpenCL 3.0 NEO\n"
             "  Driver Version                                  23.35.27191.42\n")
    assert clinfo.is_clinfo(block)
    (g,) = clinfo.cl_gpus(block)  # no Device Type line: told by its name, as clinfo -l's are
    assert (g.name, g.driver_version) == ("Intel(R) Graphics [0x56a0]", "23.35.27191.42")
    cpu_block = block.replace("Intel(R) Graphics [0x56a0]", "Intel(R) Core(TM) i7-12700H")
    assert clinfo.cl_gpus(cpu_block) == []
    assert not clinfo.is_clinfo("\n".join(block.splitlines()[:3]) + "\n")  # two keys and no type: too little


def test_logic_sycl_ls_of_2021_counts_unnamed_gpus():
    old = ("[opencl:0] CPU : Intel(R) OpenCL 3.0 [2021.12.9.0.24_005321]\n"
           "[level_zero:0] GPU : Intel(R) Level-Zero 1.1 [1.2.20939]\n"
           "[opencl:1] GPU : Intel(R) OpenCL HD Graphics 3.0 [21.37.20939]\n")
    assert sycl.is_sycl_ls(old)
    (g,) = sycl.sycl_gpus(old)
    assert (g.vendor, g.name) == ("intel", None)
    assert sycl.sycl_gpus(old.splitlines()[0] + "\n") == []


def test_logic_apple_silicon_core_line_alone_is_sphardware():
    detect = apple._is("SPHardwareDataType", False)
    assert detect("      Total Number of Cores: 10 (8 performance and 2 efficiency)\n")
    assert not detect("Total Number of Cores: 8\n")  # Intel Macs' line says too little alone


def test_logic_new_patterns_are_linear():
    with hang_guard():
        rocminfo.detect_grep("Name: " + "x" * 100_000 + "\n")
        gfxinfo.is_vk_grep_lines("deviceName = " + " " * 100_000 + "x\n")
        inxi.inxi_cpu("CPU: " + "min/max: 1/" * 20_000 + "\n")
        torch._is_collect_env("Is CUDA available" + " " * 100_000 + "x\n" * 10)
        cpu._is_cpuinfo("model name" + " " * 100_000 + "\n")
