"""Tests for readiness.probes.nvidia_smi against real nvidia-smi captures.

Every expected value below was read by hand from the fixture file named in the test
(see tests/fixtures/README.md for where each capture comes from).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from readiness.probes import nvidia_smi as ns
from readiness.probes.util import bus_id

FIX = Path(__file__).parent / "fixtures" / "nvidia"


def read(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


# (fixture, format, gpu count, driver_version, cuda_driver_version)
CASES = [
    ("q-x-a100-sxm4-80gb-mig-r535.xml", "xml", 1, "535.54.03", "12.2"),
    ("q-x-grid-p4-1q-vgpu-windows-r513.xml", "xml", 1, "513.46", "11.6"),
    ("q-x-gtx1660ti-r418-nodoctype.xml", "xml", 1, "418.43", "10.1"),
    ("q-x-tesla-p100-passthrough-r510.xml", "xml", 1, "510.47.03", "11.6"),
    ("q-h100-mig-r590.txt", "query", 1, "590.48.01", "13.1"),
    ("q-rtx2080super-windows-wddm-r591.txt", "query", 1, "591.86", "13.1"),
    ("q-rtx4070-laptop-windows-wddm-r566-prompt.txt", "query", 1, "566.36", "12.7"),
    ("table-h100-mig-r590.txt", "table", 1, "590.48.01", "13.1"),
    ("table-rtx2080super-windows-wddm-r591.txt", "table", 1, "591.86", "13.1"),
    ("table-rtx3060-windows-wddm-r560-banner.txt", "table", 1, "560.94", "12.6"),
    ("table-tesla-p100-truncated-name-r470.txt", "table", 1, "470.82.01", "11.4"),
    ("table-tesla-p40-r440.txt", "table", 1, "440.33.01", "10.2"),
    ("table-8xa100-sxm4-40gb-r450.txt", "table", 8, "450.102.04", "11.0"),
    ("table-4xgh200-domain-r590.txt", "table", 4, "590.48.01", "13.1"),
    ("table-8xh200-r570.txt", "table", 8, "570.133.20", "12.8"),
    ("table-2xrtx4090-processes-r580.txt", "table", 2, "580.126.09", "13.0"),
    ("list-8xh100-mig-1g10gb.txt", "list", 8, None, None),
    ("list-h100-mig-mixed-profiles-r590.txt", "list", 1, None, None),
    ("list-rtx4070-laptop-windows-prompt.txt", "list", 1, None, None),
    ("csv-tesla-p100-header-units.csv", "csv", 1, None, None),
    ("csv-rtx2080super-windows-allfields-r591.csv", "csv", 1, "591.86", None),
    ("device-h200-r580/q-x-h200-r580.xml", "xml", 1, "580.159.04", "13.0"),
    ("device-h200-r580/q-h200-r580.txt", "query", 1, "580.159.04", "13.0"),
    ("device-h200-r580/table-h200-r580.txt", "table", 1, "580.159.04", "13.0"),
    ("device-h200-r580/list-h200-r580.txt", "list", 1, None, None),
    ("device-h200-r580/csv-h200-query-fields-r580.csv", "csv", 1, "580.159.04", None),
    ("device-h200-r580/csv-h200-query-fields-noheader-nounits-r580.csv", "csv", 1, "580.159.04", None),
]


@pytest.mark.parametrize("name,fmt,count,driver,cuda", CASES, ids=[c[0] for c in CASES])
def test_detect_parse_counts_versions(name, fmt, count, driver, cuda):
    text = read(name)
    assert ns.detect(text) == fmt
    r = ns.parse(text)
    assert r["format"] == fmt
    assert len(r["gpus"]) == count
    assert r["driver_version"] == driver
    assert r["cuda_driver_version"] == cuda
    for i, g in enumerate(r["gpus"]):
        assert tuple(g) == ns.GPU_KEYS
        assert isinstance(g["mig_devices"], list)
        for md in g["mig_devices"]:
            assert set(md) == {"name", "memory_total_mib", "gpu_instance_id", "compute_instance_id"}


def test_every_fixture_is_covered():
    files = {str(p.relative_to(FIX)) for p in FIX.rglob("*") if p.is_file()
             and "device-h200-readiness" not in p.parts  # readiness's own capture: test_nvidia_device.py
             and "paste" not in p.parts}  # issue-thread pastes: tests/test_corpus.py
    assert files == {c[0] for c in CASES}


def test_sources_lists_every_fixture():
    sources = (FIX.parent / "README.md").read_text()
    for name, *_ in CASES:
        assert "nvidia/" + name in sources


def test_individual_parsers_match_dispatch():
    pairs = [("q-x-tesla-p100-passthrough-r510.xml", ns.parse_xml),
             ("q-h100-mig-r590.txt", ns.parse_query),
             ("table-tesla-p40-r440.txt", ns.parse_table),
             ("list-8xh100-mig-1g10gb.txt", ns.parse_list),
             ("csv-tesla-p100-header-units.csv", ns.parse_csv)]
    for name, fn in pairs:
        assert fn(read(name)) == ns.parse(read(name))


# --------------------------------------------------------------------------- XML


def test_xml_a100_mig():
    g = ns.parse(read("q-x-a100-sxm4-80gb-mig-r535.xml"))["gpus"][0]
    assert g["index"] == 0
    assert g["name"] == "NVIDIA A100-SXM4-80GB"
    assert g["uuid"] == "GPU-513536b6-7d19-9063-b049-1e69664bb298"
    assert g["serial"] == "1650522003820"
    assert g["pci_bus_id"] == "0000:01:00.0"
    assert (g["memory_total_mib"], g["memory_used_mib"], g["memory_free_mib"]) == (81920, 50, 80999)
    assert g["power_limit_w"] == 500.0 and g["power_default_limit_w"] == 500.0
    assert g["max_sm_clock_mhz"] == 1410 and g["max_memory_clock_mhz"] == 1593
    assert (g["pcie_generation"], g["pcie_width"], g["pcie_generation_max"], g["pcie_width_max"]) == (4, 16, 4, 16)
    assert g["mig_mode"] is True
    assert g["mig_devices"] == [
        {"name": None, "memory_total_mib": 19968, "gpu_instance_id": gi, "compute_instance_id": 0}
        for gi in (3, 4, 5, 6)
    ]
    assert g["virtualization_mode"] == "None"
    assert g["persistence_mode"] is False
    assert g["ecc_mode"] is True
    # <display_mode>Enabled</display_mode> with <display_active>Disabled</display_active>: an SXM4 board
    # has no display connector; Display Active decides, as NVML's does (#14 b12)
    assert g["display_attached"] is False
    assert g["driver_model"] is None  # <current_dm>N/A</current_dm>
    assert g["processes_count"] == 0 and g["processes_memory_mib"] == 0  # <processes />
    assert g["product_brand"] == "NVIDIA"
    assert g["vbios_version"] == "92.00.36.00.02"
    # <pci_device_id>20B210DE</pci_device_id>: device << 16 | vendor, no 0x in the XML
    assert (g["pci_vendor_id"], g["pci_device_id"]) == ("0x10de", "0x20b2")
    assert g["compute_capability"] is None and g["memory_bus_width_bits"] is None


def test_xml_vgpu_guest_windows_na_values():
    g = ns.parse(read("q-x-grid-p4-1q-vgpu-windows-r513.xml"))["gpus"][0]
    assert g["name"] == "GRID P4-1Q"
    assert g["product_brand"] == "NVIDIA RTX Virtual Workstation"
    assert g["virtualization_mode"] == "VGPU"
    assert g["driver_model"] == "WDDM"
    assert g["pci_bus_id"] == "0000:00:0b.0"
    assert (g["memory_total_mib"], g["memory_used_mib"], g["memory_free_mib"]) == (1024, 807, 106)
    # <persistence_mode>N/A</persistence_mode>, power N/A, PCIe N/A, serial N/A, ECC N/A
    for key in ("persistence_mode", "power_limit_w", "power_default_limit_w", "pcie_generation",
                "pcie_width", "pcie_generation_max", "pcie_width_max", "serial", "ecc_mode", "mig_mode"):
        assert g[key] is None, key
    # <max_clocks> prints "0 MHz" in the vGPU guest: unknown, never 0
    assert g["max_sm_clock_mhz"] is None and g["max_memory_clock_mhz"] is None
    assert g["mig_devices"] == []
    assert g["processes_count"] == 13
    assert g["processes_memory_mib"] is None  # every <used_memory> is N/A
    assert g["display_attached"] is True


def test_xml_old_driver_without_doctype():
    text = read("q-x-gtx1660ti-r418-nodoctype.xml")
    assert "<!DOCTYPE" not in text
    g = ns.parse(text)["gpus"][0]
    assert g["name"] == "Graphics Device"
    assert g["product_brand"] == "GeForce"
    assert g["pci_bus_id"] == "0000:43:00.0"
    assert (g["memory_total_mib"], g["memory_used_mib"], g["memory_free_mib"]) == (5912, 0, 5912)
    assert g["power_limit_w"] == 130.0 and g["power_default_limit_w"] == 130.0  # <power_readings>
    assert (g["pcie_generation"], g["pcie_generation_max"]) == (1, 3)
    assert (g["max_sm_clock_mhz"], g["max_memory_clock_mhz"]) == (2145, 4001)
    assert g["mig_mode"] is None and g["mig_devices"] == []  # no <mig_mode> element in r418
    assert g["serial"] is None
    assert g["persistence_mode"] is False
    assert g["display_attached"] is False
    assert g["processes_count"] == 0


def test_xml_tesla_p100_passthrough():
    g = ns.parse(read("q-x-tesla-p100-passthrough-r510.xml"))["gpus"][0]
    assert g["name"] == "Tesla P100-PCIE-16GB"
    assert g["serial"] == "0324217145110"
    assert g["pci_bus_id"] == "0000:00:04.0"
    assert g["virtualization_mode"] == "Pass-Through"
    assert g["ecc_mode"] is True
    assert g["memory_total_mib"] == 16384
    assert (g["max_sm_clock_mhz"], g["max_memory_clock_mhz"]) == (1328, 715)
    assert g["mig_mode"] is None  # <current_mig>N/A</current_mig>


# --------------------------------------------------------------------------- -q text


def test_query_h100_mig():
    g = ns.parse(read("q-h100-mig-r590.txt"))["gpus"][0]
    assert g["name"] == "NVIDIA H100 80GB HBM3"
    assert g["pci_bus_id"] == "0000:00:09.0"
    assert (g["memory_total_mib"], g["memory_used_mib"], g["memory_free_mib"]) == (81559, 59, 81022)
    assert g["mig_mode"] is True
    assert [(d["gpu_instance_id"], d["compute_instance_id"], d["memory_total_mib"]) for d in g["mig_devices"]] == [
        (2, 0, 40448), (3, 0, 20096), (9, 0, 9984), (10, 0, 9984)]
    assert g["power_limit_w"] == 700.0 and g["power_default_limit_w"] == 700.0
    assert (g["max_sm_clock_mhz"], g["max_memory_clock_mhz"]) == (1980, 2619)
    assert (g["pcie_generation"], g["pcie_generation_max"], g["pcie_width"], g["pcie_width_max"]) == (5, 5, 16, 16)
    assert g["virtualization_mode"] == "Pass-Through"
    assert g["persistence_mode"] is True and g["ecc_mode"] is True
    # Display Mode is "Requested functionality has been deprecated", Display Active Disabled
    assert g["display_attached"] is False
    assert g["processes_count"] == 0  # "Processes : None"
    assert g["vbios_version"] == "96.00.A5.00.01"
    assert (g["pci_vendor_id"], g["pci_device_id"]) == ("0x10de", "0x2330")  # "Device Id : 0x233010DE"


def test_query_windows_wddm_processes():
    g = ns.parse(read("q-rtx2080super-windows-wddm-r591.txt"))["gpus"][0]
    assert g["name"] == "NVIDIA GeForce RTX 2080 SUPER"
    assert g["driver_model"] == "WDDM"
    assert g["pci_bus_id"] == "0000:0c:00.0"
    assert g["persistence_mode"] is None  # N/A on Windows
    assert g["serial"] is None
    assert (g["pcie_generation"], g["pcie_generation_max"]) == (3, 3)  # Device Current / Device Max (Host Max 4)
    assert g["processes_count"] == 10
    assert g["processes_memory_mib"] is None  # "Not available in WDDM driver model"
    assert g["mig_mode"] is None and g["mig_devices"] == []
    assert g["ecc_mode"] is None


def test_query_laptop_with_prompt_line():
    text = read("q-rtx4070-laptop-windows-wddm-r566-prompt.txt")
    assert text.startswith("jesse@Jesse:~$ nvidia-smi -q -i 0")
    g = ns.parse(text)["gpus"][0]
    assert g["name"] == "NVIDIA GeForce RTX 4070 Laptop GPU"
    assert g["uuid"] == "GPU-1b724e78-eef5-4163-d43c-e4da15d41176"
    assert g["driver_model"] == "WDDM"
    assert (g["memory_total_mib"], g["memory_free_mib"]) == (8188, 7948)
    assert g["power_limit_w"] == 61.24 and g["power_default_limit_w"] == 55.0
    assert (g["pcie_width"], g["pcie_width_max"]) == (8, 8)
    assert (g["max_sm_clock_mhz"], g["max_memory_clock_mhz"]) == (3105, 8001)


# --------------------------------------------------------------------------- plain table


def test_table_mig_devices_not_counted_as_gpus():
    r = ns.parse(read("table-h100-mig-r590.txt"))
    assert len(r["gpus"]) == 1
    g = r["gpus"][0]
    assert g["name"] == "NVIDIA H100 80GB HBM3"
    assert g["pci_bus_id"] == "0000:00:09.0"
    assert (g["memory_used_mib"], g["memory_total_mib"]) == (59, 81559)
    assert g["memory_free_mib"] is None  # the table does not print free memory
    assert g["power_limit_w"] == 700.0
    assert g["mig_mode"] is True  # MIG M. "Enabled"
    assert [(d["gpu_instance_id"], d["compute_instance_id"], d["memory_total_mib"], d["name"])
            for d in g["mig_devices"]] == [(2, 0, 40448, None), (3, 0, 20096, None),
                                           (9, 0, 9984, None), (10, 0, 9984, None)]
    assert g["persistence_mode"] is True
    assert g["processes_count"] == 0


def test_table_windows_driver_model_and_truncated_name():
    g = ns.parse(read("table-rtx2080super-windows-wddm-r591.txt"))["gpus"][0]
    assert g["name"] == "NVIDIA GeForce RTX 2080 ..."  # kept as printed
    assert g["driver_model"] == "WDDM"
    assert g["persistence_mode"] is None  # the column shows the driver model instead
    assert (g["memory_used_mib"], g["memory_total_mib"]) == (702, 8192)
    assert g["power_limit_w"] == 250.0
    assert g["ecc_mode"] is None  # "N/A"
    assert g["mig_mode"] is None  # MIG M. "N/A"
    assert g["processes_count"] == 10 and g["processes_memory_mib"] is None


def test_table_banner_line_windows_3060():
    text = read("table-rtx3060-windows-wddm-r560-banner.txt")
    assert text.splitlines()[0] == "nvidia-smi"
    g = ns.parse(text)["gpus"][0]
    assert g["name"] == "NVIDIA GeForce RTX 3060"
    assert g["driver_model"] == "WDDM"
    assert g["display_attached"] is True  # Disp.A "On"
    assert (g["memory_used_mib"], g["memory_total_mib"]) == (1342, 12288)
    assert g["power_limit_w"] == 170.0
    assert g["processes_count"] == 19 and g["processes_memory_mib"] is None


def test_table_old_r440_two_row_layout():
    g = ns.parse(read("table-tesla-p40-r440.txt"))["gpus"][0]
    assert g["name"] == "Tesla P40"
    assert g["pci_bus_id"] == "0000:04:00.0"
    assert (g["memory_used_mib"], g["memory_total_mib"]) == (0, 22919)
    assert g["power_limit_w"] == 250.0
    assert g["persistence_mode"] is True
    assert g["ecc_mode"] is True  # "0" uncorrected errors shown
    assert g["ecc_errors_uncorrected"] == 0  # the count the "Volatile Uncorr. ECC" column prints (#14)
    assert g["mig_mode"] is None  # no MIG M. row in r440
    assert g["processes_count"] == 0


def test_table_r470_truncated_name():
    g = ns.parse(read("table-tesla-p100-truncated-name-r470.txt"))["gpus"][0]
    assert g["name"] == "Tesla P100-PCIE..."
    assert g["memory_total_mib"] == 12198
    assert g["mig_mode"] is None  # MIG M. "N/A"


def test_table_multi_gpu_a100_r450():
    gpus = ns.parse(read("table-8xa100-sxm4-40gb-r450.txt"))["gpus"]
    assert [g["index"] for g in gpus] == list(range(8))
    assert {g["name"] for g in gpus} == {"A100-SXM4-40GB"}
    assert [g["pci_bus_id"] for g in gpus] == [
        "0000:07:00.0", "0000:0f:00.0", "0000:47:00.0", "0000:4e:00.0",
        "0000:87:00.0", "0000:90:00.0", "0000:b7:00.0", "0000:bd:00.0"]
    assert all(g["memory_total_mib"] == 40537 and g["power_limit_w"] == 400.0 for g in gpus)
    assert all(g["mig_mode"] is False for g in gpus)


def test_table_pci_domain_normalised():
    gpus = ns.parse(read("table-4xgh200-domain-r590.txt"))["gpus"]
    assert [g["pci_bus_id"] for g in gpus] == ["0009:01:00.0", "0019:01:00.0", "0029:01:00.0", "0039:01:00.0"]
    assert [g["memory_used_mib"] for g in gpus] == [3, 3, 3, 4]
    assert all(g["memory_total_mib"] == 97871 and g["power_limit_w"] == 900.0 for g in gpus)


def test_table_r570_header():
    r = ns.parse(read("table-8xh200-r570.txt"))
    assert r["driver_version"] == "570.133.20" and r["cuda_driver_version"] == "12.8"
    assert [g["pci_bus_id"] for g in r["gpus"]][-1] == "0000:b7:00.0"
    assert all(g["memory_total_mib"] == 143771 for g in r["gpus"])


def test_table_processes_per_gpu():
    gpus = ns.parse(read("table-2xrtx4090-processes-r580.txt"))["gpus"]
    for g in gpus:
        assert g["processes_count"] == 5
        assert g["processes_memory_mib"] == 4 + 4 * 386
        assert g["ecc_mode"] is False  # "Off"
        assert g["persistence_mode"] is False


# --------------------------------------------------------------------------- -L


def test_list_mig_lines():
    gpus = ns.parse(read("list-8xh100-mig-1g10gb.txt"))["gpus"]
    assert len(gpus) == 8
    assert gpus[7]["uuid"] == "GPU-882ebfab-da98-c41e-357c-47272c0d560d"
    for g in gpus:
        assert g["name"] == "NVIDIA H100 80GB HBM3"
        assert g["mig_mode"] is True
        assert [d["name"] for d in g["mig_devices"]] == ["1g.10gb"] * 7


def test_list_mixed_profiles():
    g = ns.parse(read("list-h100-mig-mixed-profiles-r590.txt"))["gpus"][0]
    assert [d["name"] for d in g["mig_devices"]] == ["3g.40gb", "2g.20gb", "1g.10gb", "1g.10gb"]


def test_list_with_prompt_line():
    g = ns.parse(read("list-rtx4070-laptop-windows-prompt.txt"))["gpus"][0]
    assert g["name"] == "NVIDIA GeForce RTX 4070 Laptop GPU"
    assert g["mig_mode"] is None and g["mig_devices"] == []


# --------------------------------------------------------------------------- CSV


def test_csv_header_units_na():
    g = ns.parse(read("csv-tesla-p100-header-units.csv"))["gpus"][0]
    assert g["name"] == "Tesla P100-PCIE-16GB"
    assert g["uuid"] == "GPU-ef1b2c9b-38d8-2090-2bd1-f567a3eb42a6"
    assert (g["memory_used_mib"], g["memory_free_mib"]) == (0, 16280)
    assert g["memory_total_mib"] is None  # not queried


def test_csv_all_fields_windows():
    g = ns.parse(read("csv-rtx2080super-windows-allfields-r591.csv"))["gpus"][0]
    assert g["name"] == "NVIDIA GeForce RTX 2080 SUPER"
    assert g["compute_capability"] == "7.5"
    assert g["driver_model"] == "WDDM"
    assert (g["memory_total_mib"], g["memory_used_mib"], g["memory_free_mib"]) == (8192, 702, 7286)
    assert g["power_limit_w"] == 250.0 and g["power_default_limit_w"] == 250.0
    assert (g["max_sm_clock_mhz"], g["max_memory_clock_mhz"]) == (2145, 7751)
    assert (g["pcie_generation"], g["pcie_generation_max"]) == (3, 3)
    assert g["serial"] is None  # [N/A]
    assert g["persistence_mode"] is None  # [N/A]
    assert g["mig_mode"] is None  # [N/A]
    assert g["ecc_mode"] is None  # [N/A]
    assert g["display_attached"] is False  # display_active Disabled, display_mode deprecated


# --------------------------------------------------------------------------- same machine


def _h200(name):
    return ns.parse(read("device-h200-r580/" + name))["gpus"][0]


def test_same_machine_xml_and_query_agree():
    x, q = _h200("q-x-h200-r580.xml"), _h200("q-h200-r580.txt")
    assert x == q
    assert x["name"] == "NVIDIA H200"
    assert x["pci_bus_id"] == "0000:00:06.0"
    assert x["memory_total_mib"] == 143771
    assert x["mig_mode"] is False


def test_same_machine_table_list_csv_agree_with_xml():
    x = _h200("q-x-h200-r580.xml")
    t = _h200("table-h200-r580.txt")
    for key in ("name", "pci_bus_id", "memory_total_mib", "memory_used_mib", "power_limit_w",
                "mig_mode", "persistence_mode", "ecc_mode", "processes_count"):
        assert t[key] == x[key], key
    lst = _h200("list-h200-r580.txt")
    assert (lst["name"], lst["uuid"]) == (x["name"], x["uuid"])
    c1, c2 = _h200("csv-h200-query-fields-r580.csv"), _h200("csv-h200-query-fields-noheader-nounits-r580.csv")
    assert c1 == c2
    for key in ("name", "uuid", "serial", "pci_bus_id", "memory_total_mib", "memory_free_mib",
                "power_limit_w", "power_default_limit_w", "max_sm_clock_mhz", "max_memory_clock_mhz",
                "pcie_generation", "pcie_generation_max", "pcie_width", "pcie_width_max",
                "mig_mode", "persistence_mode", "ecc_mode", "driver_model"):
        assert c1[key] == x[key], key
    assert c1["compute_capability"] == "9.0"


def test_csv_header_of_our_query_is_query_fields():
    header = read("device-h200-r580/csv-h200-query-fields-r580.csv").splitlines()[0]
    assert [h.split(" [")[0] for h in header.split(", ")] == list(ns.QUERY_FIELDS)


def test_laptop_pair_list_and_query_agree():
    lst = ns.parse(read("list-rtx4070-laptop-windows-prompt.txt"))["gpus"][0]
    q = ns.parse(read("q-rtx4070-laptop-windows-wddm-r566-prompt.txt"))["gpus"][0]
    assert (lst["name"], lst["uuid"]) == (q["name"], q["uuid"])


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("text", [
    "",
    "hello world\n",
    '{"gpus": []}',
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
    "Make sure that the latest NVIDIA driver is installed and running.\n",
    "<html><body>nothing</body></html>",
    "a,b\n1,2\n",
    "GPU 0: no uuid here\n",
])
def test_not_nvidia_smi_raises(text):
    assert ns.detect(text) is None
    with pytest.raises(ValueError):
        ns.parse(text)


def test_crlf_and_leading_blank_lines():
    text = read("table-8xa100-sxm4-40gb-r450.txt")
    crlf = "\r\n\r\n" + text.replace("\n", "\r\n")
    assert ns.detect(crlf) == "table"
    assert ns.parse(crlf) == ns.parse(text)
    q = read("q-h100-mig-r590.txt")
    assert ns.parse("\ufeff" + q.replace("\n", "\r\n")) == ns.parse(q)


def test_table_without_cuda_version():
    # r3xx-r41x headers have no "CUDA Version"; derived from a real r450 header
    text = read("table-8xa100-sxm4-40gb-r450.txt").replace("   CUDA Version: 11.0    ", " " * 25)
    assert "CUDA Version" not in text
    r = ns.parse(text)
    assert r["driver_version"] == "450.102.04" and r["cuda_driver_version"] is None
    assert len(r["gpus"]) == 8


def test_truncated_xml_keeps_header_and_never_raises():
    text = read("q-x-a100-sxm4-80gb-mig-r535.xml")
    r = ns.parse(text[:5000])  # cut inside the 4th MIG device's <compute_instance_id>
    assert r["driver_version"] == "535.54.03"
    # A cut log is rebuilt, not dropped: what the GPU printed before the cut is kept, the
    # half-printed element is not.
    (gpu,) = r["gpus"]
    assert gpu["name"] == "NVIDIA A100-SXM4-80GB" and gpu["architecture"] == "Ampere"
    assert gpu["mig_mode"] is True and len(gpu["mig_devices"]) == 4
    assert gpu["mig_devices"][3]["gpu_instance_id"] == 6 and gpu["mig_devices"][3]["compute_instance_id"] is None
    assert gpu["memory_total_mib"] is None  # printed after the cut


def test_hand_shortened_xml_is_read():
    # logic: a real log with lines deleted by hand, as users shorten them before pasting
    lines = read("q-x-tesla-p100-passthrough-r510.xml").split("\n")
    kept = [ln for ln in lines if "</pci>" not in ln and "<clocks>" not in ln]
    r = ns.parse("\n".join(kept))
    (gpu,) = r["gpus"]
    assert gpu["name"] == "Tesla P100-PCIE-16GB" and gpu["uuid"].startswith("GPU-d3da8716")


def test_csv_noheader_detected_only_for_our_columns():
    row = read("device-h200-r580/csv-h200-query-fields-noheader-nounits-r580.csv")
    assert ns.detect(row) == "csv"
    assert ns.detect(row.replace(", 9.0,", ",")) is None  # one column short: not ours


def test_helpers_unknown_values():
    for v in ("N/A", "[N/A]", "[Not Supported]", "Not Supported",
              "Requested functionality has been deprecated",
              "[Requested functionality has been deprecated]", "...", "", None):
        assert ns._clean(v) is None
        assert ns._int(v) is None and ns._mib(v) is None and ns._bool(v) is None
    assert bus_id("00000009:01:00.0") == "0009:01:00.0"
    assert bus_id("03F8CFDD:00:00.0") == "cfdd:00:00.0"
    assert bus_id("0000:0A:00.0") == "0000:0a:00.0"
    assert ns._cuda("12.4") == "12.4" and ns._cuda("N/A") is None


def test_table_ecc_count_is_the_uncorrected_errors():
    # the b8 rule: the ECC column's number is the volatile uncorrected count, "Off"/"N/A" none
    text = read("table-tesla-p40-r440.txt")
    row = next(ln for ln in text.splitlines() if "Tesla P40" in ln)
    cell = row.rsplit("|", 2)[1]
    for shown, count, mode in (("17", 17, True), ("Off", None, False), ("N/A", None, None)):
        g = ns.parse(text.replace(row, row.replace(cell, shown.rjust(len(cell) - 1) + " ")))["gpus"][0]
        assert (g["ecc_errors_uncorrected"], g["ecc_mode"]) == (count, mode)
