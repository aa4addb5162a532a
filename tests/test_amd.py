"""AMD GPUs: amdsmi, amd-smi, rocm-smi, sysfs; APU memory; ROCm support.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

import json
from pathlib import Path

import pytest

from conftest import AMD, FIXTURES, gpus, validate
from fakes.amdsmi import FakeAmdGpu, FakeAmdsmi
from readiness.collect import gather
from readiness.host.base import Answer
from readiness.host.replay import ReplayHost
from readiness.host import amdsmi as amdsmi_lib
from readiness.probes import amd


# -- AMD ----------------------------------------------------------------------------------------

def test_rocm_smi_json_rx6700xt(run):
    (g,) = gpus(run, AMD / "rocm-smi-json-all-rx6700xt-rocm6.1.2.json")
    assert (g["vendor"], g["pci_device_id"], g["gfx_target"], g["pci_bus_id"]) == ("amd", "0x73df", "gfx1031", "0000:07:00.0")
    assert g["name"] == "Navi 22 [Radeon RX 6700/6700 XT / 6800M]"
    # "VRAM Total Memory (B)": 12868124672 and "GTT Total Memory (B)": 16792543232 in the file
    assert g["memory_total_mib"] == 12868124672 // 2**20 and g["memory_gtt_mib"] == 16792543232 // 2**20
    assert g["integrated"] is False and g["driver_version"] == "6.3.6"


def test_rocm_smi_json_four_mi100(run):
    found = gpus(run, AMD / "rocm-smi-json-all-4xmi100-rocm6.0.2.json")
    assert len(found) == 4 and len({g["pci_bus_id"] for g in found}) == 4
    assert all(g["pci_device_id"] == "0x738c" and g["gfx_target"] == "gfx908" for g in found)  # from amd_gpus.toml


def test_amd_smi_static_json_rx6600(run):
    (g,) = gpus(run, AMD / "amd-smi-static-json-rx6600-pve-kernel7.0.json")
    assert (g["pci_device_id"], g["pci_bus_id"], g["memory_total_mib"]) == ("0x73ff", "0000:0b:00.0", 8176)
    assert g["driver_version"] == "7.0.0-3-pve" and g["source"] == "amd-smi"


def test_amd_smi_static_text_mi210(run):
    (g,) = gpus(run, AMD / "amd-smi-static-aB-text-mi210.txt")
    assert (g["name"], g["pci_device_id"], g["gfx_target"]) == ("AMD Instinct MI210", "0x740f", "gfx90a")


@pytest.mark.parametrize("name, ids", [
    ("rocm-smi-concise-4xmi210-prompt.txt", ["0x740f"] * 4),
    ("rocm-smi-concise-warning-rx7800xt-rx580-rocm7.2.txt", ["0x747e", "0x67df"]),  # a WARNING line mixed in
    ("rocm-smi-concise-warning-mi210-mi100-mi50-rocm7.2.txt", ["0x740f", "0x738c", "0x66a1"]),
])
def test_rocm_smi_concise_tables(run, name, ids):
    assert [g["pci_device_id"] for g in gpus(run, AMD / name)] == ids


def test_apu_is_marked_integrated(run):
    (g,) = gpus(run, AMD / "rocm-smi-showallinfo-apu-barcelo-ryzen5-5625u-gentoo.txt")
    assert g["pci_device_id"] == "0x15e7" and g["integrated"] is True and g["unified_memory"] is True


def test_fake_amdsmi_records_calls_and_keeps_a_gpu_whose_metric_fails():
    lib = FakeAmdsmi([FakeAmdGpu(), FakeAmdGpu(bdf="0000:04:00.0", failing={"amdsmi_get_gpu_memory_total"})])
    snap = amdsmi_lib.snapshot(lib)
    assert snap["status"] == "ok" and len(snap["devices"]) == 2
    assert lib.calls[0][0] == "amdsmi_init" and lib.calls[-1][0] == "amdsmi_shut_down"
    result = amd.parse({"amdsmi": Answer("ok", snap), "rocm_version": Answer("ok", "6.2.4\n")})
    first, second = result.facts["gpus"]
    assert first.memory_total_mib == 24560 and first.gfx_target == "gfx1100"
    assert second.memory_total_mib is None and second.name == first.name
    assert result.facts["stack"]["rocm"]["version"] == "6.2.4"


def test_rocm_smi_concise_strix_halo_names_the_apu_but_not_its_memory(run):
    (g,) = gpus(run, AMD / "rocm-smi-concise-strixhalo-8060s-strix-dash.txt")
    assert (g["pci_device_id"], g["gfx_target"], g["integrated"]) == ("0x1586", "gfx1151", True)
    assert "8060S" in g["name"]
    assert g["memory_total_mib"] is None and "no memory size" in g["unavailable"]["memory_total_mib"]


def test_rocm_smi_meminfo_json_strix_halo_512_mib_carve_out_and_gtt(run):
    (g,) = gpus(run, AMD / "rocm-smi-meminfo-json-strixhalo-8060s-strix-dash.json")
    # "VRAM Total Memory (B)": "536870912", "GTT Total Memory (B)": "115401125888", used 492892160 in the file
    assert (g["memory_total_mib"], g["memory_gtt_mib"], g["memory_used_mib"]) == (512, 115401125888 // 2**20, 470)
    # no device id in this output: whether it is an APU stays unknown, and says why
    assert g["integrated"] is None and "did not report the device id" in g["unavailable"]["integrated"]


def test_amd_smi_static_json_strix_halo_carve_out(run):
    (g,) = gpus(run, AMD / "amd-smi-static-json-strixhalo-gfx1151-32gib-carveout-gkm.json")
    assert (g["gfx_target"], g["integrated"], g["unified_memory"]) == ("gfx1151", True, True)
    # amd-smi reports the BIOS carve-out as VRAM; the GTT window is not in its static output.
    assert (g["memory_total_mib"], g["memory_gtt_mib"], g["pci_bus_id"]) == (32768, None, "0000:c4:00.0")
    assert g["driver_version"] == "6.17.1-300.fc43.x86_64"


def test_json_after_a_bracketed_prompt_line(run, tmp_path):
    """A "[root@host ~]#" prompt opens with "[" too: the JSON is the document from the first line
    that starts one, to the end."""
    paste = tmp_path / "paste.txt"
    paste.write_text("[root@strix ~]# amd-smi static --json\n"
                     + (AMD / "amd-smi-static-json-strixhalo-gfx1151-32gib-carveout-gkm.json").read_text())
    (g,) = gpus(run, paste)
    assert (g["source"], g["gfx_target"], g["memory_total_mib"]) == ("amd-smi", "gfx1151", 32768)


def test_amd_smi_static_text_strix_point_reads_each_section(run):
    """The IFWI section's VERSION and the CACHE_INFO sizes must not pass for the driver's and VRAM's."""
    (g,) = gpus(run, AMD / "amd-smi-static-text-strixpoint-gfx1150-64gib-carveout-rocm7.2.txt")
    assert (g["name"], g["gfx_target"], g["integrated"], g["memory_total_mib"]) == (
        "AMD Radeon Graphics", "gfx1150", True, 65536)
    assert g["driver_version"] == "6.17.0-1012-oem"  # from amd-smi's squeezed "Linuxversion6.17.0-1012-oem(..."


def test_amd_smi_static_asic_only_says_why_memory_is_unknown(run):
    (g,) = gpus(run, AMD / "amd-smi-static-text-asic-only-strixhalo-gfx1151-excerpt-prompt.txt")
    assert (g["gfx_target"], g["integrated"], g["memory_total_mib"]) == ("gfx1151", True, None)
    assert "no memory size" in g["unavailable"]["memory_total_mib"]


@pytest.mark.parametrize("name, vram, gtt", [
    ("rocm-smi-showmeminfo-vram-gtt-strixpoint-890m-512mib-44gib-trimmed.txt", 512, 44 * 1024),
    ("rocm-smi-showmeminfo-vram-apu-512mib-rocm2408-prompt.txt", 512, None)])
def test_rocm_smi_meminfo_text_apu_carve_out(run, name, vram, gtt):
    (g,) = gpus(run, AMD / name)
    assert (g["memory_total_mib"], g["memory_gtt_mib"]) == (vram, gtt)
    assert g["integrated"] is None and "device id" in g["unavailable"]["integrated"]  # not guessed from 512 MiB


def test_fake_amdsmi_init_failure_falls_back():
    snap = amdsmi_lib.snapshot(FakeAmdsmi(init_fails=True))
    assert snap["status"] == "error" and "init" in snap


def test_strix_halo_apu_memory_is_carve_out_plus_gtt_never_all_ram():
    """logic: a Strix Halo APU with the carve-out and GTT that noamsto/nix-amd-ai#42 printed with `cat`
    (4 GiB mem_info_vram_total, 96 GiB mem_info_gtt_total); the meminfo total is hand-made."""
    root = "/sys/class/drm"
    dev = f"{root}/card1/device"
    answers = {f"dir:{root}": Answer("ok", ["card1", "renderD128"]),
               f"file:{dev}/vendor": Answer("ok", "0x1002\n"), f"file:{dev}/device": Answer("ok", "0x1586\n"),
               f"link:{root}/card1/device": Answer("ok", "../../../0000:c5:00.0"),
               f"file:{dev}/mem_info_vram_total": Answer("ok", "4294967296\n"),
               f"file:{dev}/mem_info_gtt_total": Answer("ok", "103079215104\n"),
               "file:/proc/meminfo": Answer("ok", f"MemTotal:       {124 * 2**20} kB\nMemAvailable:   {120 * 2**20} kB\n")}
    facts = validate(gather(ReplayHost(answers, "linux", "test")))
    (g,) = [g for g in facts["gpus"] if g["vendor"] == "amd"]
    assert g["integrated"] is True and g["gfx_target"] == "gfx1151"
    assert g["memory_total_mib"] == 4 * 1024 and g["memory_gtt_mib"] == 96 * 1024
    assert g["memory_usable_mib"] == 100 * 1024
    assert facts["memory"]["total_mib"] == 124 * 1024  # the carve-out is not RAM the OS sees
    from readiness.workloads import hardware

    hw = hardware.from_facts(facts)
    assert hw.gpus[0].memory_mib == 100 * 1024 and hw.offload_ram_mib == 0  # RAM never counted twice


@pytest.mark.parametrize("rocm, gfx, system, expected", [
    ("6.2.4", "gfx1100", "linux", True),
    ("6.2.4", "gfx1031", "linux", False),  # RX 6700 XT: not on the list; HSA_OVERRIDE_GFX_VERSION=10.3.0
    ("6.4.3", "gfx1201", "linux", True),
    ("9.9", "gfx1100", "linux", None),  # a ROCm the table does not know: unknown, not "unsupported"
    (None, "gfx1100", "linux", None),
])
def test_rocm_support_table(rocm, gfx, system, expected):
    from readiness import compat

    facts = {"host": {"os": system}, "stack": {"rocm": {"version": rocm}},
             "gpus": [{"index": 0, "vendor": "amd", "gfx_target": gfx}]}
    compat.annotate_amd(facts)
    assert facts["gpus"][0]["rocm_supported"] is expected


def test_hsa_override_values():
    from readiness import compat

    assert compat.hsa_override("gfx1031") == "10.3.0" and compat.hsa_override("gfx1103") == "11.0.0"
    assert compat.hsa_override("gfx1100") is None


def sysfs_tree(root: Path) -> dict:
    """Answers for a sysfs tree fixture: files under root/ are read, folders listed."""
    answers = {}
    for path in root.rglob("*"):
        rel = "/" + path.relative_to(root).as_posix()
        if path.is_dir():
            answers["dir:" + rel] = Answer("ok", sorted(p.name for p in path.iterdir()))
        else:
            answers["file:" + rel] = Answer("ok", path.read_text())
    return answers


def test_sysfs_tree_rx570():
    answers = {k: v for k, v in sysfs_tree(FIXTURES / "sysfs" / "rx570-amdgpu").items() if "README" not in k}
    facts = validate(gather(ReplayHost(answers, "linux", "a sysfs tree")))
    (g,) = facts["gpus"]
    assert (g["vendor"], g["source"], g["memory_total_mib"], g["memory_gtt_mib"]) == ("amd", "drm", 4096, 4096)
    assert g["pci_bus_id"] is None and g["integrated"] is None  # device id unknown: not guessed


def test_logic_live_host_is_never_asked_for_the_default_table_a_paste_is():
    """`amd-smi default` only names the pasted overview table's format (#14 b11); it is no command."""
    from readiness.host.base import Host

    asked = []

    class Live(Host):
        system = "linux"

        def ask(self, kind, *args, timeout=None):
            asked.append((kind, *args))
            return Answer("error", reason="failed")

    amd.collect(Live())
    assert ("cmd", ["amd-smi", "default"]) not in asked and ("cmd", ["amd-smi", "list"]) in asked

    class Replayed(ReplayHost):
        def ask(self, kind, *args, timeout=None):
            asked.append((kind, *args))
            return super().ask(kind, *args, timeout=timeout)

    asked.clear()
    amd.collect(Replayed({}, "linux", "test"))
    assert ("cmd", ["amd-smi", "default"]) in asked
