"""Format variants met in held-out batch b13 of real pastes (tests/fixtures/expected/b13 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show, each with a case that must not be read so."""

from __future__ import annotations

from pastefacts import facts_of
from test_from_budgets import hang_guard

from readiness.host import paste
from readiness.probes import apple, clinfo, cpu, gfxinfo, osinfo, pci, rocminfo, sycl, torch, windows
from readiness.probes.rocm_smi import parse_rocm_smi_text


# -- paste hygiene -------------------------------------------------------------------------------

def test_logic_a_double_spaced_copy_loses_its_blank_lines():
    rows = ["Architecture:        x86_64", "CPU(s):              8", "Model name:          Some CPU",
            "Thread(s) per core:  2", "Core(s) per socket:  4", "Socket(s):           1"]
    cleaned = [t for _, t in paste.clean("\n\n".join(rows) + "\n").lines]
    assert cleaned == rows
    # the output's own blank line (three in the copy) stays one
    assert [t for _, t in paste.clean("\n\n".join(rows[:3]) + "\n\n\n\n" + "\n\n".join(rows[3:]) + "\n").lines] \
        == rows[:3] + [""] + rows[3:]
    # prose with blank lines between paragraphs and two lines together is left alone
    prose = "a\n\nb\n\nc\nd\n\ne\n\nf\n\ng\n"
    assert [t for _, t in paste.clean(prose).lines] == prose.rstrip("\n").split("\n")


def test_logic_bare_command_after_a_blank_line_and_two_quoted_lines():
    text = "# System information\n\n> uname -a\n>\n> Linux box 6.8.0-45-generic #1 SMP x86_64 x86_64 x86_64 GNU/Linux\n\nmore prose\n"
    segments = paste.split_prompts(paste.clean(text).lines)
    assert [s.command for s in segments] == [None, "uname -a"]
    # a tool's name on a line of its own right under another line is no command line
    assert [s.command for s in paste.split_prompts(paste.clean("run this:\nnvidia-smi\nthen\n").lines)] == [None]


def test_logic_uname_under_its_command_reads_its_first_line(tmp_path):
    host = facts_of(tmp_path, "$ uname -a\nLinux box 6.8.0-45-generic #1 SMP PREEMPT x86_64 x86_64 x86_64 GNU/Linux\n"
                            "and then some prose about it\n")["host"]
    assert (host["kernel"], host["arch"], host["hostname"]) == ("6.8.0-45-generic", "x86_64", "box")
    assert not osinfo._is_uname_a_fragment("my machine runs Linux\n")
    assert osinfo.parse_uname_a("x")["release"] is None  # a capture entry of the wrong shape


# -- Windows, CPU --------------------------------------------------------------------------------

def test_logic_dxdiag_card_name_over_chip_type():
    assert windows._is_dxdiag("           Card name: NVIDIA GeForce GTX 860M\n           Chip type: GeForce GTX 860M\n")
    assert not windows._is_dxdiag("Card name: NVIDIA GeForce GTX 860M\nManufacturer: NVIDIA\n")


def test_logic_lone_format_list_caption_only_for_a_gpu_brand():
    assert windows._is_cim_list("Caption                      : NVIDIA GeForce GTX 1070 Ti\n")
    assert [g["name"] for g in windows.parse_cim_list("Caption   : AMD Radeon RX 6600\n")] == ["AMD Radeon RX 6600"]
    assert not windows._is_cim_list("Caption                      : Microsoft Windows 10 Pro\n")
    assert not windows._is_cim_list("Caption : NVIDIA GeForce GTX 1070 Ti\nCaption : NVIDIA GeForce GTX 1080\n")


def test_logic_one_cpuinfo_model_name_line_at_its_tab_stop():
    assert cpu._is_cpuinfo("CPU info:\nmodel name\t: Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz\n")
    assert cpu._is_cpuinfo("model name      : AMD EPYC 7763 64-Core Processor\n")
    assert not cpu._is_cpuinfo("model name: my laptop\n")  # no padding to column 16: prose
    assert not cpu._is_cpuinfo("Model name:          AMD EPYC 7763\n")  # lscpu's


def test_logic_collect_env_arch_from_a_linux_os_line():
    head = "PyTorch version: N/A\nIs debug build: N/A\nCUDA used to build PyTorch: N/A\n\n"
    linux = torch.split_collect_env(head + "OS: Fedora Linux 40 (Workstation Edition) (x86_64)\n")
    assert linux.get(torch.UNAME_M_KEY) == "x86_64\n"
    assert torch.UNAME_M_KEY not in torch.split_collect_env(head + "OS: macOS 14.5 (arm64)\n")


def test_logic_a_collect_env_without_cpu_section_leaves_a_later_lscpu_whole(tmp_path):
    """The arch a cut collect_env gives is `uname -m`'s answer, not an lscpu: a real lscpu later in
    the paste is still read (it was "a second lscpu; the first one is used")."""
    text = ("PyTorch version: 2.8.0\nIs CUDA available: False\nCUDA used to build PyTorch: None\n"
            "OS: Ubuntu 24.04 LTS (x86_64)\n\n$ lscpu\nArchitecture:        x86_64\nCPU(s):              16\n"
            "Model name:          AMD Ryzen 7 7700X 8-Core Processor\n")
    facts = facts_of(tmp_path, text)["cpu"]
    assert (facts["arch"], facts["logical_cpus"], facts["model"]) == ("x86_64", 16, "AMD Ryzen 7 7700X 8-Core Processor")


# -- AMD -----------------------------------------------------------------------------------------

def test_logic_rocm_smi_1x_did_column_is_the_device_id():
    text = ("==================== ROCm System Management Interface ====================\n"
            " GPU  DID    Temp     AvgPwr   SCLK     MCLK     Fan      Perf    OverDrive  ECC\n"
            "  0   67df   48.0c    N/A      N/A      N/A      42.75%   auto      0%       N/A\n"
            "  1   687f   50.0c    N/A      N/A      N/A      40.00%   auto      0%       N/A\n"
            "==========================================================================\n")
    gpus, _ = parse_rocm_smi_text(text)
    assert [g["device_id"] for g in gpus] == ["0x67df", "0x687f"]
    # without a DID column the second cell is a temperature, no id
    gpus, _ = parse_rocm_smi_text(text.replace("GPU  DID    Temp", "GPU  Temp   AvgPwr").replace("67df", "48.0c"))
    assert gpus[0]["device_id"] is None


def test_logic_rocminfo_fragment_under_a_rule_and_from_its_isa():
    cpu_agent = ("=====================\n  Device Type:             CPU\n  Chip ID:                 0\n"
                 "  Cacheline Size:          64\n  Max Clock Frequency (MHz):3200\n  BDFID:                   0\n"
                 "  Compute Unit:            12\n")
    facts = rocminfo.cpu(cpu_agent)
    assert (facts.logical_cpus, facts.max_mhz) == (12, 3200.0)  # the rule at the margin sets no indent
    isa = "  ISA Info:\n    ISA 1\n      Name:                    amdgcn-amd-amdhsa--gfx90a:sramecc+:xnack-\n"
    assert rocminfo.detect(isa)
    (g,) = rocminfo.gpus(isa)
    assert g.gfx_target == "gfx90a"
    assert not rocminfo.detect("      Name:                    amdgcn-amd-amdhsa--gfx90a\n")  # no ISA Info over it


# -- Apple ---------------------------------------------------------------------------------------

def test_logic_apple_silicon_names():
    assert gfxinfo.vendor_of("Apple M1 Pro (G13S C0)") == "apple" and gfxinfo.vendor_of("Apple TV") == "other"
    assert [apple._item_name(n) for n in ("kHW_AppleM1Item", "kHW_AppleM2MaxItem", "Radeon Pro 560X", None)] == \
        ["Apple M1", "Apple M2 Max", "Radeon Pro 560X", None]


# -- clinfo, sycl-ls, lspci ------------------------------------------------------------------------

def test_logic_clinfo_cpu_device_is_the_processor():
    block = ("Number of platforms                               1\n"
             "  Device Name                                     Intel(R) Core(TM) i7-8750H CPU @ 2.20GHz\n"
             "  Device Vendor                                   Intel(R) Corporation\n")
    assert clinfo.cl_cpu(block).model == "Intel(R) Core(TM) i7-8750H CPU @ 2.20GHz"
    pocl = block.replace("Intel(R) Core(TM)", "pthread-Intel(R) Core(TM)") + "  Device Type                                     CPU\n"
    assert clinfo.cl_cpu(pocl).model == "Intel(R) Core(TM) i7-8750H CPU @ 2.20GHz"
    fpga = block.replace("Intel(R) Core(TM) i7-8750H CPU @ 2.20GHz", "Intel(R) FPGA Emulation Device")
    assert clinfo.cl_cpu(fpga) is None


VERBOSE = """Platform [#1]:
    Version  : OpenCL 3.0
    Name     : Intel(R) OpenCL Graphics
    Devices  : 1
        Device [#0]:
        Type       : gpu
        Name       : Intel(R) Arc(TM) A770 Graphics
        Driver     : 24.22.29735.27
Platform [#2]:
    Version  : 1.3
    Name     : Intel(R) Level-Zero
    Devices  : 1
        Device [#0]:
        Type       : gpu
        Name       : Intel(R) Arc(TM) A770 Graphics
        Driver     : 1.3.29735
Platform [#3]:
    Name     : Intel(R) OpenCL
        Device [#0]:
        Type       : cpu
        Name       : 13th Gen Intel(R) Core(TM) i7-13700K
"""


def test_logic_sycl_ls_verbose_counts_per_platform_and_takes_opencls_driver():
    assert sycl.is_sycl_ls(VERBOSE)
    (g,) = sycl.sycl_gpus(VERBOSE)  # one card under two platforms
    assert (g.name, g.vendor, g.driver_version) == ("Intel(R) Arc(TM) A770 Graphics", "intel", "24.22.29735.27")
    assert sycl.sycl_cpu(VERBOSE).model == "13th Gen Intel(R) Core(TM) i7-13700K"
    assert not sycl.is_sycl_ls("Platform [#1]:\n    Name : something\n")


def test_logic_lspci_nn_lines_indented_by_a_script():
    text = ("GPUs found:\n\t0000:01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA107M [10de:25a0] (rev a1)\n"
            "GPU selected:\n\t0000:01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA107M [10de:25a0] (rev a1)\n")
    assert pci._is_lspci(text)
    (d,) = pci._lspci_blocks(text)  # printed twice, one device
    assert (d["slot"], d["vendor"], d["device"]) == ("0000:01:00.0", "0x10de", "0x25a0")
    assert not pci._is_lspci("\t01:00.0 some text without the class code\n")


def test_logic_new_patterns_are_linear():
    with hang_guard():
        pci._is_lspci("\t0000:01:00.0 " + "a" * 100_000 + "\n")
        sycl.is_sycl_ls("Platform [#1]:\n" + "        Type" + " " * 100_000 + "x\n")
        windows._is_cim_list("Caption" + " " * 100_000 + ": x\n")
        paste.clean("x\n\n" * 50_000)
