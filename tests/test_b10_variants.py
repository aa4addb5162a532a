"""Format variants met in held-out batch b10 of real pastes (tests/fixtures/expected/b10 checks each
real fixture's facts). The tests here are "logic" tests on hand-made lines, each named so, for the
edges of those rules that the real pastes don't show."""

from __future__ import annotations

import pytest

from readiness.collect import gather
from readiness.errors import ReadinessError
from readiness.host import replay
from readiness.probes import amd, gfxinfo, inxi, nvidia_smi, registry, rocminfo


def _load(tmp_path, text: str, name: str = "paste.txt"):
    path = tmp_path / name
    path.write_text(text)
    return replay.load([str(path)], registry.detectors())


def _unread(tmp_path, text: str) -> None:
    with pytest.raises(ReadinessError, match="none of the given paths"):
        _load(tmp_path, text, "unread.txt")


def _ft(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(c) for c in col) + 1 for col in zip(header, *rows)]
    line = lambda cells: "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * len(h) for h in header])] + [line(r) for r in rows]) + "\n"


def test_logic_cim_gpu_table_of_any_videocontroller_column_with_name():
    text = _ft(["Name", "CurrentRefreshRate", "DriverVersion"], [["NVIDIA GeForce RTX 3060", "60", "31.0.15.3699"]])
    assert inxi.is_cim_gpu_table(text)
    (gpu,) = inxi.cim_gpus(text)
    assert (gpu.name, gpu.vendor, gpu.driver_version, gpu.pci_device_id) == (
        "NVIDIA GeForce RTX 3060", "nvidia", "31.0.15.3699", None)


def test_logic_cim_gpu_table_device_id_only_from_videoprocessor_parentheses():
    text = _ft(["Name", "VideoProcessor"], [["AMD Radeon RX 6600", "AMD Radeon Graphics Processor (0x73FF)"],
                                           ["Intel(R) UHD Graphics", "Intel(R) UHD Graphics Family"]])
    gpus = inxi.cim_gpus(text)
    assert [g.pci_device_id for g in gpus] == ["0x73ff", None]


def test_logic_cim_table_without_name_or_with_only_shared_columns_is_not_a_gpu_table():
    # DriverVersion and Description are on Win32_PnPSignedDriver too: not this class's alone
    assert not inxi.is_cim_gpu_table(_ft(["Name", "Description", "DriverVersion"], [["x", "y", "1.0"]]))
    # a class column but no Name to name the card
    assert not inxi.is_cim_gpu_table(_ft(["VideoProcessor", "DriverVersion"], [["AMD Radeon (0x744C)", "1.0"]]))


_CMD = "/usr/bin/nvidia-smi --query-gpu=name,driver_version,memory.total,gpu_uuid --format=csv,noheader,nounits\n"


def test_logic_csv_row_in_a_python_list_repr_under_its_command_line():
    text = _CMD + "items: [2]\n['NVIDIA A10, 535.54, 23028, GPU-0a1b2c3d-0000-1111-2222-333344445555', '']\n"
    assert nvidia_smi.detect(text) == "csv"
    (gpu,) = nvidia_smi.parse(text)["gpus"]
    assert (gpu["name"], gpu["memory_total_mib"], gpu["uuid"]) == (
        "NVIDIA A10", 23028, "GPU-0a1b2c3d-0000-1111-2222-333344445555")


def test_logic_python_list_of_the_right_width_but_no_gpu_values_is_not_a_row():
    # four items, but the uuid and memory cells hold no such values: a log line, not the CSV row
    text = _CMD + "['loading, model, weights, done']\n"
    assert nvidia_smi.detect(text) is None


_CONCISE = ("GPU  Temp (DieEdge)  AvgPwr  SCLK    MCLK    Fan   Perf  PwrCap  VRAM%  GPU%\n"
            "0    40.0c           {avg}   800Mhz  350Mhz  0%    auto  {cap}  0%     0%\n"
            "=========================================\n")


def test_logic_rocm_smi_concise_pwrcap_is_the_watt_cell_after_avgpwr():
    # "Temp (DieEdge)" is two header words over one cell: the cap is found by watt cells, not position
    (gpu,) = amd.parse_rocm_smi_text(_CONCISE.format(avg="35.0W", cap="203.0W"))[0]
    assert gpu["power_limit_w"] == 203.0


def test_logic_rocm_smi_concise_without_avgpwr_value_leaves_the_cap_unknown():
    # AvgPwr N/A leaves one watt cell: taking it for the cap could be the draw, so the cap stays unknown
    (gpu,) = amd.parse_rocm_smi_text(_CONCISE.format(avg="N/A", cap="203.0W"))[0]
    assert gpu["power_limit_w"] is None


def test_logic_rocm_smi_max_graphics_package_power_is_the_limit_and_zero_is_not():
    text = "GPU[0]\t\t: Max Graphics Package Power (W): 300.0\nGPU[1]\t\t: Max Graphics Package Power (W): 0.0\n"
    assert [g["power_limit_w"] for g in amd.parse_rocm_smi_text(text)[0]] == [300.0, None]


_SP = ('{\n  "SPDisplaysDataType" : [\n    {\n      "_name" : "Apple M2",\n'
       '      "spdisplays_mtlgpufamilysupport" : "spdisplays_metal3",\n      "spdisplays_ndrvs" : [\n'
       '        {\n          "_name" : "Color LCD",\n          "_spdisplays_pixels" : "2560 x 1600",\n')


def test_logic_system_profiler_json_cut_mid_object_keeps_the_objects_before_the_cut(tmp_path):
    host, _ = _load(tmp_path, _SP)
    (gpu,) = gather(host)["gpus"]
    assert (gpu["vendor"], gpu["name"], gpu["metal_family"]) == ("apple", "Apple M2", "Metal 3")


def test_logic_cut_json_without_a_data_type_key_is_not_system_profiler(tmp_path):
    _unread(tmp_path, _SP.replace("SPDisplaysDataType", "SPSomethingElse"))


_AGENT = ("*******\nAgent 2\n*******\n  Name:                    gfx1100\n  Uuid:                    {uuid}\n"
          "  Marketing Name:          Radeon RX 7900 XTX\n  Vendor Name:             AMD\n"
          "  Device Type:             GPU\n")


def test_logic_rocminfo_gpu_uuid_is_read_and_the_placeholder_is_not():
    (gpu,) = rocminfo.gpus(_AGENT.format(uuid="GPU-5a1c2b3d4e5f6a7b"))
    assert gpu.uuid == "GPU-5a1c2b3d4e5f6a7b"
    # a GPU without a unique id prints "GPU-XX": no uuid, not that string
    (gpu,) = rocminfo.gpus(_AGENT.format(uuid="GPU-XX"))
    assert gpu.uuid is None


def test_logic_glxinfo_renderer_keeps_its_trademark_parentheses_and_drops_mesa_and_the_chip():
    text = ("OpenGL vendor string: Intel\nOpenGL renderer string: Mesa DRI Intel(R) HD Graphics 520 (Skylake GT2)\n"
            "OpenGL version string: 4.6 (Compatibility Profile) Mesa 21.2.6\n")
    (gpu,) = gfxinfo.glx_gpus(text)
    assert (gpu.name, gpu.vendor, gpu.driver_version) == ("Intel(R) HD Graphics 520", "intel", "21.2.6")


def test_logic_glxinfo_version_string_without_mesa_is_no_driver_version():
    # NVIDIA's own GL prints "4.6.0 NVIDIA 550.54.14": no Mesa there, and the renderer names no Mesa either
    text = ("OpenGL vendor string: NVIDIA Corporation\nOpenGL renderer string: NVIDIA GeForce RTX 3070/PCIe/SSE2\n"
            "OpenGL version string: 4.6.0 NVIDIA 550.54.14\n")
    # the Mesa reader takes nothing from it; since b11 (share b) NVIDIA's own number ending the version
    # string is the driver version, and the renderer's /PCIe/SSE2 ending is dropped (test_b11b_variants)
    assert gfxinfo._mesa_version(text) is None
    (gpu,) = gfxinfo.glx_gpus(text)
    assert (gpu.name, gpu.driver_version) == ("NVIDIA GeForce RTX 3070", "550.54.14")


_INXI2 = ("System:    Host: box Kernel: {kernel} x86_64 bits: 64 Desktop: N/A\n"
          "           Distro: Ubuntu 20.04 LTS\n"
          "CPU:       4 core Intel Core i5-8250U (-MT-MCP-) arch: N/A cache: 6144 KB\n"
          "           clock speeds: {speeds}\n")


def test_logic_inxi_2x_clock_speeds_max_and_a_wsl_kernel():
    text = _INXI2.format(kernel="4.4.0-19041-Microsoft", speeds="max: 1800 MHz 1: 1600 MHz 2: 1700 MHz")
    assert inxi.inxi_cpu(text).max_mhz == 1800.0
    assert inxi.inxi_host(text).wsl is True


def test_logic_inxi_2x_per_core_speeds_are_no_max_and_a_plain_kernel_says_nothing_of_wsl():
    # per-core current speeds without "max:" are no maximum
    text = _INXI2.format(kernel="5.15.0-91-generic", speeds="1: 1600 MHz 2: 1700 MHz")
    assert inxi.inxi_cpu(text).max_mhz is None
    assert inxi.inxi_host(text).wsl is None
