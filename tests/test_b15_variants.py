"""Format variants met in held-out batch b15 of real pastes (tests/fixtures/expected/b15 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show, each with a case that must not be read so."""

from __future__ import annotations

from pastefacts import facts_of
from test_from_budgets import hang_guard

from readiness.probes import clinfo, gfxinfo

_NEW = "  {key:<48}{value}\n"


def _cl(**fields: str) -> str:
    text = "Number of platforms                               1\n  Platform Name                                   X\n"
    return text + "".join(_NEW.format(key=k, value=v) for k, v in fields.items())


# -- clinfo ---------------------------------------------------------------------------------------

OLD_FRAGMENT = ("  Device Type:\t\t\t\t\t CL_DEVICE_TYPE_GPU\n  Vendor ID:\t\t\t\t\t 1002h\n  ...\n"
                "  Board name:\t\t\t\t\t AMD Radeon RX 6800 XT\n  Name:\t\t\t\t\t\t gfx1030:sramecc-:xnack-\n")


def test_logic_clinfo_old_layout_fragment_told_by_device_type_and_two_keys(tmp_path):
    assert clinfo.is_clinfo(OLD_FRAGMENT)
    (g,) = facts_of(tmp_path, OLD_FRAGMENT)["gpus"]  # the paste reader takes the 2-blank indent off
    assert (g["vendor"], g["name"], g["pci_vendor_id"], g["gfx_target"]) == ("amd", "AMD Radeon RX 6800 XT", "0x1002",
                                                                            "gfx1030")
    # the type line and one more key: too little; a type that is no CL_DEVICE_TYPE_: another tool's
    assert not clinfo.is_clinfo("  Device Type:\t\t CL_DEVICE_TYPE_GPU\n  Vendor ID:\t\t 1002h\n  ...\n")
    assert not clinfo.is_clinfo(OLD_FRAGMENT.replace("CL_DEVICE_TYPE_GPU", "discrete"))


def test_logic_clinfo_gfx_target_features_are_no_part_of_it():
    text = _cl(**{"Device Name": "gfx90a:sramecc+:xnack-", "Device Type": "GPU", "Device Vendor ID": "0x1002"})
    assert clinfo.cl_gpus(text)[0].gfx_target == "gfx90a"
    other = _cl(**{"Device Name": "gfx90a-like board", "Device Type": "GPU", "Device Vendor ID": "0x1002"})
    assert clinfo.cl_gpus(other)[0].gfx_target is None


def test_logic_clinfo_amd_pcie_id_is_the_device_id():
    text = _cl(**{"Device Name": "gfx1032", "Device Type": "GPU", "Device Vendor ID": "0x1002",
                  "Device PCI-e ID (AMD)": "0x73ff"})
    assert clinfo.cl_gpus(text)[0].pci_device_id == "0x73ff"
    # without a GPU maker's vendor id, no device id either (its number would name nothing)
    assert clinfo.cl_gpus(text.replace("0x1002", "0x1234"))[0].pci_device_id is None


def test_logic_clinfo_driver_version_before_its_runtime_parenthesis():
    base = {"Device Name": "gfx1032", "Device Type": "GPU", "Device Vendor ID": "0x1002"}
    assert clinfo.cl_gpus(_cl(**base, **{"Driver Version": "3314.0 (HSA1.1,LC)"}))[0].driver_version == "3314.0"
    assert clinfo.cl_gpus(_cl(**base, **{"Driver Version": "2442.7 (VM)"}))[0].driver_version == "2442.7"
    # a version with no parenthesis, or text that is no version before one, is kept as printed
    assert clinfo.cl_gpus(_cl(**base, **{"Driver Version": "23.1.0-devel"}))[0].driver_version == "23.1.0-devel"
    assert clinfo.cl_gpus(_cl(**base, **{"Driver Version": "beta (HSA)"}))[0].driver_version == "beta (HSA)"


def test_logic_clinfo_mesa_device_name_loses_its_suffix_as_glxinfo_does():
    raw = "Radeon RX 580 Series (POLARIS10, DRM 3.40.0, 5.4.0-54-generic, LLVM 10.0.1)"
    text = _cl(**{"Device Name": raw, "Device Type": "GPU", "Device Vendor ID": "0x1002"})
    assert clinfo.cl_gpus(text)[0].name == "Radeon RX 580 Series" == gfxinfo.renderer_name(raw)
    # "(R)" and "(TM)" are inside the name, not a suffix
    intel = _cl(**{"Device Name": "Intel(R) Arc(TM) A770 Graphics", "Device Type": "GPU", "Device Vendor ID": "0x8086"})
    assert clinfo.cl_gpus(intel)[0].name == "Intel(R) Arc(TM) A770 Graphics"


def test_logic_clinfo_vendor_id_of_any_gpu_maker_in_the_data_file():
    text = _cl(**{"Device Name": "QUALCOMM Adreno(TM) 740", "Device Vendor ID": "0x5143", "Device Version": "OpenCL 3.0",
                  "Driver Version": "OpenCL 3.0 QUALCOMM"})
    (g,) = clinfo.cl_gpus(text)
    assert (g.vendor, g.pci_vendor_id) == ("other", "0x5143")
    # a vendor id no GPU maker's (ASPEED's BMC display) is not written
    assert clinfo.cl_gpus(text.replace("0x5143", "0x1a03"))[0].pci_vendor_id is None


def test_logic_new_patterns_are_linear():
    with hang_guard():
        clinfo.is_clinfo("  Device Type: CL_DEVICE_TYPE_GPU\n" + "  Name:" + "\t" * 100_000 + "x\n")
        clinfo._CL_GFX.fullmatch("gfx900" + ":xnack" * 50_000)
        clinfo._cl_driver("1" + ".1" * 50_000 + " (" + "(" * 10_000)


# -- amd-smi static --json ------------------------------------------------------------------------

_STATIC = ('{\n    "gpu_data": [\n        {\n            "gpu": 0,\n            "asic": {\n'
           '                "market_name": "AMD Radeon RX 7900 XTX",\n                "device_id": "0x744c",\n'
           '                "target_graphics_version": "gfx1100"\n            },\n            "bus": {\n'
           '                "bdf": "0000:03:00.0",\n                "max_pcie_width": 16,\n')
_WARNINGS = ("/usr/lib/python3.14/site-packages/amdsmi/amdsmi_interface.py:3569: SyntaxWarning: 'return' in a"
             " 'finally' block\n  return return_dictionary\n")


def test_logic_amd_smi_static_gpu_data_root_cut_short_after_warnings(tmp_path):
    from readiness.probes import amd

    text = "```me@host:~$ amd-smi static --json\n" + _WARNINGS + _STATIC
    (g,) = facts_of(tmp_path, text)["gpus"]
    assert (g["name"], g["gfx_target"], g["pci_bus_id"], g["pcie_width_max"]) == ("AMD Radeon RX 7900 XTX", "gfx1100",
                                                                                   "0000:03:00.0", 16)
    # a bare list cut short is read as its first GPU
    bare = _STATIC.replace('{\n    "gpu_data": [\n', "[\n", 1)
    assert [r["gfx_target"] for r in amd.parse_amd_smi_static(bare)] == ["gfx1100"]
    # a document with no asic block (amd-smi metric's) is not static's
    assert not amd._is_amd_smi_static_json('{"gpu_data": [{"gpu": 0, "usage": {"gfx_activity": 3}}]}')
    assert not amd._is_amd_smi_static_json(_WARNINGS + '{"gpu_data": [{"gpu": 0, "usage": {')


# -- collect_env ----------------------------------------------------------------------------------

_IPEX = ("Collecting environment information...      \nPyTorch version: 2.1.0a0+cxx11.abi     \n"
         "IPEX version: 2.1.10+xpu     \nOS: Ubuntu 22.04.3 LTS (x86_64)     \n"
         "Python version: 3.11.5 (main, Sep 11 2023, 13:54:46) [GCC 11.2.0] (64-bit runtime)     \n"
         "Is XPU available: True     \n")


def test_logic_ipex_collect_env_told_by_its_xpu_question():
    from readiness.probes import torch

    assert torch._is_collect_env(_IPEX)
    t = torch.parse_collect_env(_IPEX)["torch"]
    assert (t["version"], t["xpu_available"], t["cuda_available"]) == ("2.1.0a0+cxx11.abi", True, None)
    # a PyTorch version line with no availability question (a pip listing's header, prose) is no collect_env
    assert not torch._is_collect_env("PyTorch version: 2.1.0\nIPEX version: 2.1.10+xpu\nOS: Ubuntu 22.04\n")


def test_logic_xpu_detected_line_gives_that_devices_memory(tmp_path):
    text = ("Is CUDA available: False\nCUDA runtime version: No CUDA\nGPU models and configuration: No CUDA\n"
            "Is XPU available: True\nIntel GPU models onboard:\n* Intel(R) Arc(TM) A770 Graphics\n"
            "* Intel(R) Arc(TM) A770 Graphics\nIntel GPU models detected:\n"
            "* [1] _XpuDeviceProperties(name='Intel(R) Arc(TM) A770 Graphics', type='gpu', device_id=0x56A0, "
            "driver_version='1.6.33578+15', total_memory=15930MB, max_compute_units=512)\n")
    gpus = facts_of(tmp_path, text)["gpus"]
    assert [g["memory_total_mib"] for g in gpus] == [None, 15930]  # device [1]'s, not [0]'s
    # a total_memory outside a detected-device line is not a GPU's
    other = text.replace("* [1] _XpuDeviceProperties(", "* [1] props(")
    assert [g["memory_total_mib"] for g in facts_of(tmp_path, other, "b.txt")["gpus"]] == [None, None]


# -- nvidia-smi -----------------------------------------------------------------------------------

_BANNER = "NVIDIA-SMI 550.144.03             Driver Version: 550.144.03     CUDA Version: 12.4   \n"


def test_logic_nvidia_smi_banner_line_alone_is_the_tables_header():
    from readiness.probes import nvidia_smi

    assert nvidia_smi.detect(_BANNER) == "table"
    doc = nvidia_smi.parse(_BANNER)
    assert (doc["driver_version"], doc["cuda_driver_version"], doc["gpus"]) == ("550.144.03", "12.4", [])
    # all three names on the one line: without CUDA's, or with the driver's on another line, it is no banner
    assert nvidia_smi.detect("NVIDIA-SMI 550.144.03   Driver Version: 550.144.03\n") is None
    assert nvidia_smi.detect("NVIDIA-SMI 550.144.03\nDriver Version: 550.144.03   CUDA Version: 12.4\n") is None
    assert nvidia_smi.detect("the NVIDIA-SMI 550.144.03 Driver Version: 550.144.03 CUDA Version: 12.4 line\n") is None


def test_logic_nvidia_smi_L_bare_lines_under_its_command(tmp_path):
    text = "$ uname -r\n6.8.0-45-generic\n$ nvidia-smi -L\nGPU 0: Tesla V100-PCIE-32GB\nGPU 1: Tesla V100-PCIE-32GB\n"
    gpus = facts_of(tmp_path, text)["gpus"]
    assert [(g["vendor"], g["name"]) for g in gpus] == [("nvidia", "Tesla V100-PCIE-32GB")] * 2
    # the same lines under another command, or with none, are not nvidia-smi -L's
    assert facts_of(tmp_path, text.replace("nvidia-smi -L", "cat gpus.txt"), "b.txt")["gpus"] == []
    from readiness.probes import nvidia_smi

    assert nvidia_smi.detect("GPU 0: Tesla V100-PCIE-32GB\n") is None
    assert nvidia_smi.detect("$ nvidia-smi\nGPU 0: Tesla V100-PCIE-32GB\n") is None


# -- /proc/cpuinfo --------------------------------------------------------------------------------

def test_logic_cpuinfo_lines_grep_kept_under_a_command_naming_the_file(tmp_path):
    from readiness.probes import cpu

    text = "$ grep processor /proc/cpuinfo\nprocessor\t: 0\nprocessor\t: 1\n"
    assert facts_of(tmp_path, text)["cpu"]["logical_cpus"] == 2
    # a bare processor line, or one under a command that names no /proc/cpuinfo, is not cpuinfo's
    assert not cpu._is_cpuinfo("processor\t: 0\n")
    assert not cpu._is_cpuinfo("$ grep processor notes.txt\nprocessor\t: 0\n")
    assert not cpu._is_cpuinfo("$ cat /proc/cpuinfo.bak | grep proc\nprocessor\t: 0\n")
    # nor lines that are no cpuinfo line (another file's, grep's "file:" prefix)
    assert not cpu._is_cpuinfo("$ grep MHz /proc/cpuinfo /tmp/x\n/proc/cpuinfo:cpu MHz\t: 3600.000\n")


# -- paste hygiene: nested quoting ----------------------------------------------------------------

def test_logic_nested_quote_prefixes_in_a_quoted_run_under_prose():
    from readiness.host import paste

    text = "it still fails:\n> > Architecture:        x86_64\n> > CPU(s):              8\n"
    lines = [t for _, t in paste.clean(text).lines]
    assert lines[1:] == ["Architecture:        x86_64", "CPU(s):              8"]
    # a run whose lines do not all have the second level keeps it: a quote inside the quote
    mixed = "it still fails:\n> he wrote:\n> > CPU(s): 8\n"
    assert [t for _, t in paste.clean(mixed).lines][1:] == ["he wrote:", "> CPU(s): 8"]
