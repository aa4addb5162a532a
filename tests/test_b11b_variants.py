"""Format variants met in held-out batch b11, share b, of real pastes (tests/fixtures/expected/b11 checks
each real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show, each with a case that must not be read so."""

from __future__ import annotations

from pastefacts import facts_of
from test_from_budgets import hang_guard

from readiness.host import paste
from readiness.probes import amd, gfxinfo, intel, osinfo, rocm_smi


BANNER = "| AMD-SMI 26.1.0+5cbef4e7      amdgpu version: 6.12.12  ROCm version: 7.9.0    |\n"
HEAD = ("|-------------------------------------+----------------------------------------|\n"
        "| BDF                        GPU-Name | Mem-Uti   Temp   UEC       Power-Usage |\n"
        "| GPU  HIP-ID  OAM-ID  Partition-Mode | GFX-Uti    Fan               Mem-Usage |\n"
        "|=====================================+========================================|\n")


def test_logic_amd_smi_default_table_rows_and_second_lines():
    text = BANNER + HEAD + (
        "| 0000:03:00.0     AMD Instinct MI210 | 0 %      29 °C   0           40/300 W |\n"
        "|   0       0     N/A             N/A | 0 %      N/A               10/65520 MB |\n"
        "|-------------------------------------+----------------------------------------|\n"
        "| 0000:83:00.0     AMD Instinct MI210 | 0 %      30 °C   0           41/300 W |\n")
    assert amd._is_amd_smi_default(text)
    a, b = amd.parse_amd_smi_default(text)
    assert (a["pci_bus_id"], a["name"], a["vram_mib"], a["vram_used_mib"], a["power_limit_w"], a["driver_version"]) \
        == ("0000:03:00.0", "AMD Instinct MI210", 65520, 10, 300.0, "6.12.12")
    # the second GPU's memory line is cut off: no memory, not the first GPU's
    assert (b["pci_bus_id"], b["vram_mib"], b["power_limit_w"]) == ("0000:83:00.0", None, 300.0)


def test_logic_amd_smi_default_table_needs_its_banner_and_header():
    # nvidia-smi-like boxes, or the header without amd-smi's banner, are not this table
    assert not amd._is_amd_smi_default(HEAD + "| 0000:03:00.0 Some GPU | 0 % |\n")
    assert not amd._is_amd_smi_default(BANNER + "| 0000:03:00.0 Some GPU | 0 % |\n")
    assert amd.parse_amd_smi_default(BANNER) == []


VERSION = ("AMDSMI Tool: 25.4.2+aca1101 | AMDSMI Library version: 25.4.0 | ROCm version: 6.4.1 | "
           "amdgpu version: 6.10.5 | amd_hsmp version: N/A\n")


def test_logic_amd_smi_version_line_gives_rocm_smi_its_driver(tmp_path):
    text = "$ amd-smi version\n" + VERSION + "\n$ rocm-smi -i\nGPU[0]\t\t: Device ID: \t\t0x74a1\n"
    (gpu,) = facts_of(tmp_path, text)["gpus"]
    assert (gpu["pci_device_id"], gpu["driver_version"]) == ("0x74a1", "6.10.5")
    # an amdgpu version not on amd-smi's own version line is not taken
    assert amd.parse_amd_smi_version("amdgpu version: 6.10.5\n") is None
    assert not amd._is_amd_smi_version("ROCm version: 6.4.1 | amdgpu version: 6.10.5\n")


def test_logic_rocm_smi_bare_concise_row_and_what_is_not_one():
    row = "1       [0x0518 : 0xc0]       45.0°C  20.0W   N/A, N/A  800Mhz  96Mhz  0%   auto  150.0W  3%   0%    \n"
    assert amd._is_rocm_smi_text(row)
    gpus, _ = amd.parse_rocm_smi_text(row)
    assert [(g["index"], g["device_id"]) for g in gpus] == [(1, None)]  # [model : revision] is no device id
    # a bracketed pair without the row's closing VRAM% GPU% cells is no concise row
    assert not amd._is_rocm_smi_text("1 [0x0518 : 0xc0] something else\n")


def test_logic_rocm_smi_pwrcap_under_a_two_line_header_with_partitions():
    text = ("Device  Node  IDs              Temp        Power     Partitions          SCLK     MCLK    Fan  Perf  "
            "PwrCap  VRAM%  GPU%\n"
            "              (DID,     GUID)  (Junction)  (Socket)  (Mem, Compute, ID)\n"
            "=====================================================================================\n"
            "0       2     0x74a1,   1111   40.0°C      150.0W    NPS1, SPX, 0        100Mhz  900Mhz  0%   auto  "
            "700.0W  0%     0%\n"
            "1       3     0x74a1,   2222   41.0°C      151.0W    NPS1, SPX, 0        100Mhz  900Mhz  0%   auto  "
            "N/A     0%     0%\n"
            "=====================================================================================\n")
    gpus, _ = amd.parse_rocm_smi_text(text)
    assert [(g["device_id"], g["power_limit_w"]) for g in gpus] == [("0x74a1", 700.0), ("0x74a1", None)]


def test_logic_vulkaninfo_grep_subset_and_one_gpu_through_two_installs():
    text = ("GPU0:\n        deviceName         = AMD RADV POLARIS10 (LLVM 12.0.0)\n"
            "        driverInfo         = Mesa 21.0.1 (LLVM 12.0.0)\n"
            "GPU1:\n        deviceName         = AMD RADV POLARIS10\n        driverInfo         = Mesa 23.1.0\n"
            "GPU2:\n        deviceName         = NVIDIA GeForce RTX 3060\n        driverInfo         = 535.54.03\n"
            "GPU3:\n        deviceName         = NVIDIA GeForce RTX 3060\n        driverInfo         = 535.54.03\n")
    assert gfxinfo.is_vulkaninfo(text)
    gpus = gfxinfo.vulkan_gpus(text)
    # RADV's compiler suffix dropped; the same RADV name with another driverInfo is one GPU, two like
    # NVIDIA cards on one driver stay two
    assert [(g.name, g.vendor) for g in gpus] == [("AMD RADV POLARIS10", "amd"), ("NVIDIA GeForce RTX 3060", "nvidia"),
                                                  ("NVIDIA GeForce RTX 3060", "nvidia")]


def test_logic_vulkaninfo_grep_needs_a_device_name_under_a_gpu_line():
    assert not gfxinfo.is_vulkaninfo("GPU0:\nsomething else\n        deviceName = x\n")
    assert not gfxinfo.is_vulkaninfo("    GPU0:\n        deviceName         = AMD RADV X\n")  # GPU line indented
    assert not gfxinfo.is_vulkaninfo("deviceName = AMD RADV X\n")


def test_logic_vulkaninfo_vendor_id_of_a_gpu_maker_in_pci_vendors_toml():
    base = ("Devices:\n========\nGPU0:\n        vendorID           = {vid}\n        deviceID           = 0x36334330\n"
            "        deviceType         = PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU\n        deviceName         = Adreno X\n")
    (gpu,) = gfxinfo.vulkan_gpus(base.format(vid="0x5143"))
    assert (gpu.vendor, gpu.pci_vendor_id, gpu.pci_device_id) == ("other", "0x5143", None)  # a chip id, not PCI
    (gpu,) = gfxinfo.vulkan_gpus(base.format(vid="0x1a03"))  # ASPEED: a BMC maker, no GPU maker
    assert gpu.pci_vendor_id is None


def test_logic_glxinfo_nvidia_renderer_suffix_and_version_string_driver():
    text = ("OpenGL vendor string: NVIDIA Corporation\nOpenGL renderer string: Quadro FX 1800/PCI/SSE2\n"
            "OpenGL version string: 3.3.0 NVIDIA 340.108\n")
    (gpu,) = gfxinfo.glx_gpus(text)
    assert (gpu.name, gpu.vendor, gpu.driver_version) == ("Quadro FX 1800", "nvidia", "340.108")
    # a slash inside a name is kept; an NVIDIA word elsewhere in the version string is no driver
    text = ("OpenGL vendor string: NVIDIA Corporation\nOpenGL renderer string: GeForce 8800/SSE\n"
            "OpenGL version string: 4.6 (Compatibility Profile) NVIDIA 525.60 beta\n")
    (gpu,) = gfxinfo.glx_gpus(text)
    assert (gpu.name, gpu.driver_version) == ("GeForce 8800", None)
    assert gfxinfo._GL_BUS_SUFFIX.sub("", "Tesla T4/PCIe") == "Tesla T4/PCIe"


def test_logic_indented_block_opened_by_a_prompt_loses_its_indent():
    text = "Some prose.\n\n    box ~ # inxi -G\n    Graphics:  Card-1: X\n\n               more\n    box ~ #\nafter\n"
    lines = [t for _, t in paste.clean(text).lines]
    assert lines[2:7] == ["box ~ # inxi -G", "Graphics:  Card-1: X", "", "           more", "box ~ #"]
    assert lines[7] == "after"
    assert paste.prompt_command("box ~ # inxi -G") == "inxi -G"
    assert paste.prompt_command("host /etc # ls") == "ls"
    # an indented block without a prompt first stays as it is; a prompt glued under a text line too
    assert [t for _, t in paste.clean("Prose.\n\n    Graphics:  Card-1: X\n").lines][2] == "    Graphics:  Card-1: X"
    assert [t for _, t in paste.clean("Prose.\n    box ~ # ls\n").lines][1] == "    box ~ # ls"
    assert paste.prompt_command("Card-1 NVIDIA # 3") is None


def test_logic_xpu_smi_cut_json_and_its_kernel(tmp_path):
    text = ('{\n    "device_list": [\n        {\n            "device_id": 0,\n'
            '            "device_name": "Intel(R) Data Center GPU Max 1100",\n'
            '            "kernel_version": "5.15.0-92-generic",\n'
            '            "memory_physical_size_byte": "51539607552",\n            "pci_bdf_add')
    (d,) = intel.devices(text)
    assert d["device_name"] == "Intel(R) Data Center GPU Max 1100"
    facts = facts_of(tmp_path, text)
    assert facts["host"]["kernel"] == "5.15.0-92-generic"
    assert facts["gpus"][0]["memory_total_mib"] == 49152
    # a cut JSON document of something else is no xpu-smi answer
    assert intel.devices('{\n  "name": "x",\n  "items": [1, 2,') == []


def test_logic_bare_kernel_release_line_and_version_numbers_that_are_not_one():
    for release in ("7.0.0-28-generic", "6.1.0-18-amd64", "5.14.0-362.8.1.el9_3.x86_64", "6.6.10-arch1-1",
                    "5.15.153.1-microsoft-standard-WSL2"):
        assert osinfo._is_uname_r(release + "\n"), release
    for other in ("2.0.0-1", "6.4.1", "1.2.3-4beta", "7.0.0-28-generic extra", "7.0.0-28-generic\n6.1.0-18-amd64"):
        assert not osinfo._is_uname_r(other + "\n"), other


def test_logic_new_patterns_stay_linear_on_long_hostile_lines():
    hostile = [
        (amd._DEFAULT_ROW, "| 0000:03:00.0 " + "a " * 40_000),
        (rocm_smi._BARE_ROW, "0 [0x0518 : 0xc0] " + "1% " * 40_000 + "x"),
        (amd._VERSION_LINE, "AMDSMI Tool: " + "| " * 40_000),
        (gfxinfo._RADV_COMPILER, "AMD RADV " + "(ACO " * 20_000),
        (gfxinfo._GL_NVIDIA, "OpenGL version string: " + "NVIDIA 1" * 20_000),
        (osinfo._KERNEL_RELEASE, "5.1-" + "generic-" * 20_000 + "!"),
    ]
    # A hang guard far above what they take (the figures come from benchmarks/), not a timed assertion:
    # each of these lines costs billions of steps to a quadratic pattern.
    with hang_guard():
        for pattern, line in hostile:
            pattern.search(line)
        # nvidia-smi -q's key : value split, quadratic before on blank runs without a colon (fuzz seed 20)
        from readiness.probes.nvidia_smi import query_text

        # (the old pattern took 0.68 s on a 20,000-space run and four times that per doubling)
        query_text._query_tree(("    a" + " " * 200_000 + "b\n") * 3)
        paste.clean(("    box ~ # ls\n" + "    x\n" * 20_000) * 2)
        gfxinfo.is_vulkaninfo("GPU0:\n" * 50_000)
    assert query_text._key_value("    Product Name   : NVIDIA A100") == (4, "Product Name", "NVIDIA A100")
    assert query_text._key_value("    Bus Id:00000000:01:00.0") is None
