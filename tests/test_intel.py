"""Intel GPUs: xpu-smi (JSON and tables), sysfs; NPUs are not GPUs.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

import json

from conftest import INTEL, gpus, validate
from readiness.collect import gather
from readiness.host.base import Answer
from readiness.host.replay import ReplayHost


# -- Intel --------------------------------------------------------------------------------------

def test_xpu_smi_json(run):
    (g,) = gpus(run, INTEL / "xpu-smi-discovery-j-0x020a-xpumanager-doc.json")
    assert (g["vendor"], g["name"], g["pci_bus_id"]) == ("intel", "Intel(R) Graphics [0x020a]", "0000:4d:00.0")


def test_xpu_smi_device_detail_table_gives_the_memory(run):
    (g,) = gpus(run, INTEL / "xpu-smi-discovery-d-0x020a-32gib-2tiles-xpumanager-doc.txt")
    assert (g["source"], g["memory_total_mib"], g["integrated"], g["driver_version"]) == (
        "xpu-smi", 32768, False, "16929133")


def test_xpu_smi_list_table_and_detail_are_one_gpu(run):
    (g,) = gpus(run, INTEL / "xpu-smi-discovery-table-0x020a-xpumanager-doc.txt",
                INTEL / "xpu-smi-discovery-d-0x020a-32gib-2tiles-xpumanager-doc.txt")
    assert (g["pci_bus_id"], g["memory_total_mib"]) == ("0000:4d:00.0", 32768)


def test_xpu_smi_list_alone_leaves_memory_unknown(run):
    (g,) = gpus(run, INTEL / "xpu-smi-discovery-table-0x020a-xpumanager-doc.txt")
    assert (g["name"], g["memory_total_mib"], g["integrated"]) == ("Intel(R) Graphics [0x020a]", None, None)


def test_xpu_smi_detail_b580_from_intels_readme(run):
    (g,) = gpus(run, INTEL / "xpu-smi-discovery-d-0-arc-b580-12216mib-xpumanager-readme.txt")
    assert (g["name"], g["pci_device_id"], g["memory_total_mib"], g["integrated"]) == (
        "Intel(R) Arc(TM) B580 Graphics", "0xe20b", 12216, False)


def test_xpu_smi_2_borderless_table_cut_before_memory(run):
    (g,) = gpus(run, INTEL / "xpu-smi-v2-discovery-d-0-borderless-arc-a770-truncated-prompt.txt")
    assert (g["name"], g["pci_device_id"], g["driver_version"], g["integrated"]) == (
        "Intel(R) Arc(TM) A770 Graphics", "0x56a0", "17013219", False)
    assert g["memory_total_mib"] is None and "xpu-smi" in g["unavailable"]["memory_total_mib"]


def test_xpu_smi_list_with_details_for_two_cards(run, tmp_path):
    """logic: newer xpu-smi puts each device's detail in `discovery -j` (intel/xpumanager#127 shows
    two Arc Pro B60 with "memory_physical_size_byte": "25669140480"); both cards keep their memory."""
    cards = [{"device_id": i, "device_name": "Intel(R) Graphics [0xe211]", "pci_device_id": "0xe211",
              "pci_bdf_address": f"0000:0{i + 3}:00.0", "memory_physical_size_byte": "25669140480"} for i in (0, 1)]
    paste = tmp_path / "xpu.json"
    paste.write_text(json.dumps({"device_list": cards}, indent=4))
    found = gpus(run, paste)
    assert [(g["pci_bus_id"], g["memory_total_mib"], g["integrated"]) for g in found] == [
        ("0000:03:00.0", 24480, False), ("0000:04:00.0", 24480, False)]


def test_live_xpu_smi_is_asked_for_each_listed_device():
    """logic: the device list comes first; each listed device's detail is then asked by its id."""
    from readiness.probes import intel

    listing = (INTEL / "xpu-smi-discovery-j-0x020a-xpumanager-doc.json").read_text()
    asked = []

    class Recording(ReplayHost):
        def ask(self, kind, *args, timeout=None):
            asked.append((kind, *args))
            return super().ask(kind, *args, timeout=timeout)

    detail = {"device_id": 0, "device_name": "Intel(R) Graphics [0x020a]", "pci_bdf_address": "0000:4d:00.0",
              "memory_physical_size_byte": str(32 * 2**30)}
    host = Recording({"cmd:xpu-smi discovery -j": Answer("ok", listing),
                      "cmd:xpu-smi discovery -d 0 -j": Answer("ok", json.dumps(detail))}, "linux", "test")
    (g,) = intel.parse(intel.collect(host)).facts["gpus"]
    assert ("cmd", ["xpu-smi", "discovery", "-d", "0", "-j"]) in asked
    assert ("cmd", ["xpu-smi", "discovery", "-d", "1", "-j"]) not in asked
    assert g.memory_total_mib == 32768


def test_arc_from_sysfs_local_memory_is_discrete():
    """logic: an Arc A770 on i915 exposing lmem_total_bytes, next to nothing else."""
    root = "/sys/class/drm"
    dev = f"{root}/card0/device"
    answers = {f"dir:{root}": Answer("ok", ["card0"]), f"file:{dev}/vendor": Answer("ok", "0x8086\n"),
               f"file:{dev}/device": Answer("ok", "0x56a0\n"), f"link:{root}/card0/device": Answer("ok", "../../../0000:03:00.0"),
               f"file:{dev}/lmem_total_bytes": Answer("ok", str(16 * 2**30))}
    facts = validate(gather(ReplayHost(answers, "linux", "test")))
    (g,) = [g for g in facts["gpus"] if g["vendor"] == "intel"]
    assert g["integrated"] is False and g["memory_total_mib"] == 16 * 1024 and "A770" in g["name"]
