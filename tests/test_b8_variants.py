"""Format variants met in held-out batch b8 of real pastes (tests/fixtures/expected/b8 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show."""

from __future__ import annotations

import pytest

from readiness.collect import gather
from readiness.errors import ReadinessError
from readiness.host import replay
from readiness.probes import clinfo, gfxinfo, registry, sycl


def _load(tmp_path, text: str, name: str = "paste.txt"):
    path = tmp_path / name
    path.write_text(text)
    return replay.load([str(path)], registry.detectors())


def _unread(tmp_path, text: str) -> None:
    with pytest.raises(ReadinessError, match="none of the given paths"):
        _load(tmp_path, text, "unread.txt")


_GLX = ("Extended renderer info (GLX_MESA_query_renderer):\n    Vendor: AMD (0x1002)\n"
        "    Device: {device} (0x{id})\n    Video memory: 8192MB\n")


def test_logic_glxinfo_gfx_target_is_the_first_word_in_the_device_parentheses():
    (gpu,) = gfxinfo.glx_gpus(_GLX.format(device="AMD Radeon RX 6600 (gfx1032, LLVM 17.0.6, DRM 3.57)", id="73ff"))
    assert (gpu.name, gpu.gfx_target) == ("AMD Radeon RX 6600", "gfx1032")
    # an older Mesa names the chip family there, which is no gfx target
    (gpu,) = gfxinfo.glx_gpus(_GLX.format(device="Radeon RX 580 Series (POLARIS10, DRM 3.40.0, 5.10.0)", id="67df"))
    assert gpu.gfx_target is None


_DX_SYSTEM = ("------------------\nSystem Information\n------------------\n"
              "      Time of this report: 8/11/2025, 20:32:59\n             Machine name: PC-1\n"
              "         Operating System: Windows 11 Home 64-bit (10.0, Build 22631)\n"
              "                Processor: AMD Ryzen 5 5600X 6-Core Processor (12 CPUs), ~3.7GHz\n"
              "                   Memory: 16384MB RAM\n      Available OS Memory: 16310MB RAM\n")


def test_logic_dxdiag_system_information_cut_before_its_dxdiag_version_line(tmp_path):
    host, _ = _load(tmp_path, _DX_SYSTEM)
    facts = gather(host)
    assert (facts["host"]["os_release"], facts["host"]["hostname"]) == ("Windows 11 Home", "PC-1")
    assert (facts["cpu"]["model"], facts["cpu"]["logical_cpus"]) == ("AMD Ryzen 5 5600X 6-Core Processor", 12)
    # a "System Information" title over a Processor line alone (prose, another tool) is not dxdiag
    _unread(tmp_path, "System Information\nProcessor: AMD Ryzen 5 5600X (12 CPUs)\nMemory: 16384MB RAM\n")


def test_logic_collect_env_glued_to_its_padded_banner(tmp_path):
    body = "PyTorch version: 2.5.1+cu124\nIs debug build: False\nCUDA used to build PyTorch: 12.4\n" \
           "Is CUDA available: True\n"
    host, _ = _load(tmp_path, "Collecting environment information..." + " " * 200 + body)
    torch = gather(host)["stack"]["torch"]
    assert (torch["version"], torch["cuda_available"]) == ("2.5.1+cu124", True)
    # the banner alone, or prose that mentions it, is no collect_env
    _unread(tmp_path, "Collecting environment information...\nit hung here\n")


def test_logic_sp_hardware_lines_without_their_overview_header(tmp_path):
    host, _ = _load(tmp_path, "Model Identifier: Mac14,2\nChip: Apple M2\nTotal Number of Cores: 8 (4 performance and "
                              "4 efficiency)\nMemory: 16 GB\n")
    facts = gather(host)
    assert (facts["cpu"]["model"], facts["cpu"]["physical_cores"], facts["memory"]["total_mib"]) == ("Apple M2", 8, 16384)
    # a model identifier alone, or one that is no Mac's ("Model Identifier: X1 Carbon"), says too little
    _unread(tmp_path, "Model Identifier: Mac14,2\nSerial Number (system): XYZ\n")
    _unread(tmp_path, "Model Identifier: X1 Carbon\nMemory: 16 GB\n")


_AGENT = ("*******\nAgent 2\n*******\n  Name:                    gfx90a\n  Marketing Name:          AMD Instinct MI210\n"
          "  Vendor Name:             AMD\n  Device Type:             GPU\n  Chip ID:                 29711(0x740f)\n"
          "  BDFID:                   768\n")


def test_logic_rocminfo_agent_without_header_or_prompt(tmp_path):
    host, _ = _load(tmp_path, "      FBarrier Max Size:       32\n" + _AGENT)
    (gpu,) = gather(host)["gpus"]
    assert (gpu["name"], gpu["gfx_target"], gpu["pci_device_id"], gpu["pci_bus_id"]) == \
        ("AMD Instinct MI210", "gfx90a", "0x740f", "0000:03:00.0")
    # the star rules round an "Agent" line with fewer than three of rocminfo's own keys: not enough
    _unread(tmp_path, "*******\nAgent 1\n*******\n  Name:   gfx90a\n  Device Type:   GPU\n")


def test_logic_lspci_detail_lines_that_lost_their_indent():
    from readiness.probes import pci

    text = ("01:00.0 VGA compatible controller [0300]: NVIDIA Corporation AD102 [GeForce RTX 4090] [10de:2684]\n"
            "Subsystem: ASUSTeK Computer Inc. Device [1043:889c]\nKernel driver in use: nvidia\n")
    (dev,) = pci._lspci_blocks(text)
    assert (dev["driver"], dev["driver_known"]) == ("nvidia", True)
    # after a line that is no detail line (prose, another command), a column-0 driver line is not the device's
    (dev,) = pci._lspci_blocks(text.replace("Subsystem:", "then I ran lspci -k on the host:\nSubsystem:"))
    assert (dev["driver"], dev["driver_known"]) == (None, False)
    # lspci -v's resource lines (no "Key:") between keep the driver line the device's (b9)
    (dev,) = pci._lspci_blocks(text.replace("Kernel driver", "Memory at 6052000000 (64-bit, non-prefetchable) "
                                                            "[size=16M]\nI/O ports at 4000 [size=64]\nKernel driver"))
    assert (dev["driver"], dev["driver_known"]) == ("nvidia", True)


def test_logic_inxi_2_speed_max_and_a_virtual_card():
    from readiness.probes import inxi

    text = ("CPU:       Single core Intel Core i7-4710HQ (-UP-) cache: 6144 KB speed: 2493 MHz (max)\n"
            "Graphics:  Card: VMware SVGA II Adapter\n"
            "           Display Server: X.org 1.12.4 drivers: vmware (unloaded: fbdev) tty size: 159x42\n")
    assert inxi.inxi_cpu(text).max_mhz == 2493.0
    assert [(g.name, g.virtual) for g in inxi.inxi_gpus(text)] == [("VMware SVGA II Adapter", True)]
    # a current-speed figure without "(max)" is not the maximum
    assert inxi.inxi_cpu(text.replace(" (max)", "")).max_mhz is None


def test_logic_inxi_2_card_layout_with_two_cards():
    from readiness.probes import inxi

    text = ("Graphics:  Card-1: Intel HD Graphics 530 bus-ID: 00:02.0 chip-ID: 8086:191b\n"
            "           Card-2: NVIDIA GM107M [GeForce GTX 960M] bus-ID: 01:00.0 chip-ID: 10de:139b\n"
            "           Display Server: X.Org 1.19.6 driver: nvidia Resolution: 1920x1080@60.00hz\n")
    assert inxi.is_inxi(text)
    got = [(g.name, g.vendor, g.pci_bus_id, g.pci_device_id, g.kernel_driver) for g in inxi.inxi_gpus(text)]
    # the X server's driver is not a kernel driver
    assert got == [("Intel HD Graphics 530", "intel", "0000:00:02.0", "0x191b", None),
                   ("NVIDIA GM107M [GeForce GTX 960M]", "nvidia", "0000:01:00.0", "0x139b", None)]


def test_logic_sycl_ls_one_index_numbering_of_2024():
    text = ("[opencl:cpu:0] Intel(R) OpenCL, Intel(R) Xeon(R) Gold 6438Y+ OpenCL 3.0 (Build 0) [2024.17.3.0.08_160000]\n"
            "[opencl:gpu:1] Intel(R) OpenCL Graphics, Intel(R) Data Center GPU Max 1100 OpenCL 3.0 NEO  [23.43.27642.40]\n"
            "[ext_oneapi_level_zero:gpu:0] Intel(R) Level-Zero, Intel(R) Data Center GPU Max 1100 1.3 [1.3.27642]\n"
            "[ext_oneapi_level_zero:gpu:1] Intel(R) Level-Zero, Intel(R) Data Center GPU Max 1100 1.3 [1.3.27642]\n")
    assert sycl.is_sycl_ls(text)
    gpus = sycl.sycl_gpus(text)
    assert [(g.name, g.driver_version) for g in gpus] == [("Intel(R) Data Center GPU Max 1100", "23.43.27642.40")] * 2
    assert sycl.sycl_cpu(text).model == "Intel(R) Xeon(R) Gold 6438Y+"


def test_logic_clinfo_l_tree_skips_processors_and_emulators():
    text = ("Platform #0: AMD Accelerated Parallel Processing\n +-- Device #0: gfx1030\n"
            " `-- Device #1: AMD Ryzen 7 5800X 8-Core Processor\n"
            "Platform #1: Portable Computing Language\n `-- Device #0: pthread-AMD Ryzen 7 5800X 8-Core Processor\n"
            "Platform #2: Intel(R) FPGA Emulation Platform for OpenCL(TM)\n `-- Device #0: Intel(R) FPGA Emulation Device\n")
    assert clinfo.is_clinfo(text)
    assert [(g.vendor, g.name, g.gfx_target) for g in clinfo.cl_gpus(text)] == [("amd", None, "gfx1030")]
    # a device line without its platform line is not enough
    assert not clinfo.is_clinfo(" `-- Device #0: NVIDIA GeForce RTX 3090\n")


_XPU_SUMMARY = """\
+----------------------------------------------+----------------------------+------------------------+
| GPU  Name                    Persistence-M   | Bus-Id            Disp.A   |   Volatile Uncorr. ECC |
| Fan              Temp  Pwr:Usage/Cap         | Memory-Usage               |   GPU-Util  Compute M. |
+----------------------------------------------+----------------------------+------------------------+
|   0  Intel(R) Data Center GPU   Off          | 0000:29:00.0      Off      |               Disabled |
|      Flex 170                                |                            |                        |
| N/A               N/A  45W / 150W            | 0MiB / 16384MiB            |      N/A       Default |
+----------------------------------------------+----------------------------+------------------------+
|   1  Intel(R) Arc(TM) B580 Graphics   Off    | 0000:9a:00.0      Off      |               Disabled |
| N/A               N/A  20W / 190W            | 10MiB / 12216MiB           |      N/A       Default |
+----------------------------------------------+----------------------------+------------------------+
"""


def test_logic_xpu_smi_summary_table_without_its_banner():
    from readiness.probes import intel

    got = [(d["device_name"], d["pci_bdf_address"], d["memory_physical_size"]) for d in intel.devices(_XPU_SUMMARY)]
    assert got == [("Intel(R) Data Center GPU Flex 170", "0000:29:00.0", "16384 MiB"),
                   ("Intel(R) Arc(TM) B580 Graphics", "0000:9a:00.0", "12216 MiB")]
    # the same head row over NVIDIA names (nvidia-smi's table cut above its banner) is not xpu-smi's
    assert intel.devices(_XPU_SUMMARY.replace("Intel(R) Arc(TM) B580 Graphics", "NVIDIA GeForce RTX 4090")) == []
