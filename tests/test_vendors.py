"""AMD, Apple, Intel and Windows GPUs; laptops with two GPUs; virtual adapters; deduplication.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, facts_from, validate
from fakes.amdsmi import FakeAmdsmi, FakeAmdGpu
from readiness.collect import gather
from readiness.host.base import Answer, cmd_key
from readiness.host.replay import ReplayHost
from readiness.host import amdsmi as amdsmi_lib
from readiness.probes import amd, apple, windows  # noqa: F401

AMD = FIXTURES / "amd"
APPLE = FIXTURES / "apple"
WIN = FIXTURES / "windows"
INTEL = FIXTURES / "intel"


def gpus(run, *paths):
    return facts_from(*paths, run=run)["gpus"]


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


# -- Apple --------------------------------------------------------------------------------------

def test_system_profiler_json_m1(run):
    (g,) = gpus(run, APPLE / "system-profiler-displays-json-m1-macbookair-pytorch-serve.json")
    assert (g["vendor"], g["name"], g["gpu_cores"], g["unified_memory"]) == ("apple", "Apple M1", 7, True)
    assert g["memory_bandwidth_gbps"] == 68.0  # catalogue: M1 7-core GPU
    assert g["metal_family"] == "GPU family Apple 7"


def test_intel_mac_lists_its_amd_gpu_with_metal_and_vram(run):
    (g,) = gpus(run, APPLE / "system-profiler-displays-text-imacpro2017-radeon-pro-vega64.txt")
    assert (g["vendor"], g["name"], g["memory_total_mib"]) == ("amd", "Radeon Pro Vega 64", 16 * 1024)
    assert g["unified_memory"] is False and "GPUFamily2" in g["metal_family"]


def test_m3_from_hardware_overview_and_sysctl(run):
    facts = facts_from(APPLE / "system-profiler-hardware-text-m3-macbookpro-mac15,3-prompt.txt",
                       APPLE / "sysctl-hw-optional-m3-prompt.txt", run=run)
    (g,) = facts["gpus"]
    assert g["name"] == "Apple M3" and g["memory_total_mib"] == 24 * 1024
    assert g["memory_usable_mib"] == 16 * 1024  # 2/3 of 24 GB: Metal's default working set
    assert {"asimd", "asimddp", "i8mm", "bf16"} <= set(facts["cpu"]["flags"])


def test_wired_limit_is_what_the_gpu_may_use():
    assert apple.working_set_mib(32 * 1024, 26000) == (26000, "iogpu.wired_limit_mb")
    assert apple.working_set_mib(32 * 1024, None)[0] == 32 * 1024 * 2 // 3
    assert apple.working_set_mib(64 * 1024, None)[0] == 48 * 1024
    sysctl = apple.parse_sysctl((APPLE / "sysctl-set-iogpu-wired-limit-m1max-32gb-prompt.txt").read_text())
    assert sysctl["iogpu.wired_limit_mb"].startswith("26000")


# -- Windows ------------------------------------------------------------------------------------

def test_wmic_adapterram_cap_is_not_believed(run):
    nv, uhd = gpus(run, WIN / "wmic-videocontroller-rtx4090-uhd770-adapterram-cap.txt")
    assert nv["name"] == "NVIDIA GeForce RTX 4090" and nv["memory_total_mib"] is None
    assert "capped at 4 GiB" in nv["unavailable"]["memory_total_mib"]
    assert uhd["integrated"] is True and nv["integrated"] is False


def test_cim_property_list_with_empty_values_iris_plus(run):
    # Empty values ("InstallDate                  :") right before Name once swallowed the next line.
    (g,) = gpus(run, WIN / "get-ciminstance-property-all-list-iris-plus-powertip-2020.txt")
    assert (g["name"], g["vendor"], g["pci_device_id"], g["integrated"]) == (
        "Intel(R) Iris(R) Plus Graphics", "intel", "0x8a52", True)
    assert g["driver_version"] == "26.20.100.7463"


def test_get_wmiobject_list_rx580_capped_adapterram_is_not_believed(run):
    (g,) = gpus(run, WIN / "get-wmiobject-list-rx580-2048sp-adapterram-cap-excerpt.txt")
    assert (g["name"], g["vendor"], g["pci_device_id"], g["integrated"]) == (
        "AMD Radeon RX 580 2048SP", "amd", "0x6fdf", False)
    assert g["memory_total_mib"] is None and "capped at 4 GiB" in g["unavailable"]["memory_total_mib"]


def test_registry_gives_the_64_bit_vram():
    """logic: CIM says 4 GiB (capped), the registry's qwMemorySize says 24 GiB."""
    cim = json.dumps([{"Name": "NVIDIA GeForce RTX 4090", "AdapterRAM": 4293918720, "DriverVersion": "32.0.15.6094",
                       "PNPDeviceID": "PCI\\VEN_10DE&DEV_2684&SUBSYS_16F310DE&REV_A1\\4&1234"}])
    reg = json.dumps([{"DriverDesc": "NVIDIA GeForce RTX 4090", "MatchingDeviceId": "pci\\ven_10de&dev_2684",
                       "HardwareInformation.qwMemorySize": 25757220864}])
    r = windows.parse({"system": "windows", "cim": Answer("ok", cim), "registry": Answer("ok", reg)})
    (g,) = r.facts["gpus"]
    assert g.memory_total_mib == 24564 and (g.pci_vendor_id, g.pci_device_id) == ("0x10de", "0x2684")


def test_registry_size_stored_as_binary_bytes():
    """logic: qwMemorySize as REG_BINARY, which ConvertTo-Json writes as a list of bytes."""
    cim = json.dumps([{"Name": "AMD Radeon RX 7900 XTX", "AdapterRAM": 4293918720,
                       "PNPDeviceID": "PCI\\VEN_1002&DEV_744C&SUBSYS_0\\4&1"}])
    reg = json.dumps([{"DriverDesc": "AMD Radeon RX 7900 XTX", "MatchingDeviceId": "pci\\ven_1002&dev_744c",
                       "HardwareInformation.qwMemorySize": list((24 * 2**30).to_bytes(8, "little"))}])
    r = windows.parse({"system": "windows", "cim": Answer("ok", cim), "registry": Answer("ok", reg)})
    (g,) = r.facts["gpus"]
    assert g.memory_total_mib == 24 * 1024
    assert windows._registry_int([1, 2, 3]) is None  # not a 4- or 8-byte value


def test_registry_json_from_a_real_gtx1070_dump():
    """The registry key as MultiPoolMiner#2448 dumped it (ConvertTo-Json of Get-ItemProperty): a
    fragment, so the test closes the object at its last whole line."""
    text = (WIN / "registry-json-gtx1070-qwmemorysize-multipoolminer2448-fragment.txt").read_text()
    body = text[:text.rindex(",\n")]
    (reg,) = windows.parse_registry("{" + body + "}")
    assert reg == {"name": "NVIDIA GeForce GTX 1070", "match": "pci\\ven_10de&dev_1b81", "bytes": 8 * 2**30}
    assert windows._registry_int("0 0 227 33 53 148 213 1") == int.from_bytes(bytes([0, 0, 227, 33, 53, 148, 213, 1]),
                                                                               "little")
    cim = json.dumps({"Name": "NVIDIA GeForce GTX 1070", "AdapterRAM": 4293918720,
                      "PNPDeviceID": "PCI\\VEN_10DE&DEV_1B81&SUBSYS_0\\4&1"})  # logic: CIM's capped answer
    r = windows.parse({"system": "windows", "cim": Answer("ok", cim), "registry": Answer("ok", "[{" + body + "}]")})
    assert r.facts["gpus"][0].memory_total_mib == 8192


def test_windows_cpu_from_a_win32_processor_list_next_to_its_gpu(run):
    facts = facts_from(WIN / "get-wmiobject-win32-processor-i9-11900kf-excerpt-prompt.txt",
                       WIN / "get-wmiobject-list-rx580-2048sp-adapterram-cap-excerpt.txt", run=run)
    assert (facts["cpu"]["vendor"], facts["cpu"]["model"], facts["cpu"]["max_mhz"]) == (
        "Intel", "11th Gen Intel(R) Core(TM) i9-11900KF @ 3.50GHz", 3504.0)
    (g,) = facts["gpus"]
    assert g["name"] == "AMD Radeon RX 580 2048SP" and g["memory_total_mib"] is None


def test_windows_cpu_from_cim_json_two_sockets_and_registry_fallback():
    """logic: CIM's JSON for a two-socket machine sums cores; without PowerShell the registry names the CPU."""
    from readiness.probes import cpu

    sockets = [{"Name": "Intel(R) Xeon(R) Gold 6430", "Manufacturer": "GenuineIntel", "NumberOfCores": 32,
                "NumberOfLogicalProcessors": 64, "MaxClockSpeed": 2100}] * 2
    asked = []

    class Recording(ReplayHost):
        def ask(self, kind, *args, timeout=None):
            asked.append(args[0])
            return super().ask(kind, *args, timeout=timeout)

    host = Recording({cmd_key(cpu.CIM_CPU): Answer("ok", json.dumps(sockets))}, "windows", "test")
    facts = cpu.parse(cpu.collect(host)).facts["cpu"]
    assert (facts.physical_cores, facts.logical_cpus, facts.max_mhz) == (64, 128, 2100.0)
    assert "windows.cpu" not in asked
    host = Recording({"call:windows.cpu": Answer("ok", {"name": "AMD Ryzen 7 5800X 8-Core Processor",
                                                         "vendor": "AuthenticAMD"})}, "windows", "test")
    assert cpu.parse(cpu.collect(host)).facts["cpu"].vendor == "AMD" and "windows.cpu" in asked


def test_virtual_adapters_are_never_accelerators():
    cim = json.dumps([{"Name": "Microsoft Basic Display Adapter", "AdapterRAM": None, "PNPDeviceID": "ROOT\\BasicDisplay"},
                      {"Name": "VMware SVGA 3D", "AdapterRAM": 268435456, "PNPDeviceID": "PCI\\VEN_15AD&DEV_0405"}])
    r = windows.parse({"system": "windows", "cim": Answer("ok", cim)})
    assert all(g.virtual and g.vendor == "other" for g in r.facts["gpus"])


def test_windows_nvidia_from_nvml_and_cim_is_listed_once():
    """logic: NVML and CIM both report the RTX 4090; the NVML entry wins, the Intel iGPU stays."""
    from fakes.nvml import FakeNvml
    from readiness.host import nvml

    cim = json.dumps([{"Name": "NVIDIA GeForce RTX 4090", "AdapterRAM": 4293918720,
                       "PNPDeviceID": "PCI\\VEN_10DE&DEV_2684&SUBSYS_0\\4&1"},
                      {"Name": "Intel(R) UHD Graphics 770", "AdapterRAM": 1073741824,
                       "PNPDeviceID": "PCI\\VEN_8086&DEV_4680&SUBSYS_0\\3&1"}])
    from readiness.host.base import cmd_key

    answers = {"call:nvml": Answer("ok", nvml.snapshot(FakeNvml())), cmd_key(windows.CIM_JSON): Answer("ok", cim)}
    facts = validate(gather(ReplayHost(answers, "windows", "test")))
    names = [g["name"] for g in facts["gpus"]]
    assert names.count("NVIDIA GeForce RTX 4090") == 1 and "Intel(R) UHD Graphics 770" in names
    assert next(g for g in facts["gpus"] if g["vendor"] == "nvidia")["source"] == "nvml"


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


# -- two GPUs ---------------------------------------------------------------------------------

def test_laptop_with_igpu_and_dgpu_uses_the_discrete_one():
    facts = {"gpus": [
        {"index": 0, "vendor": "intel", "name": "Intel(R) UHD Graphics", "status": "ok", "integrated": True,
         "unified_memory": True, "memory_total_mib": None},
        {"index": 1, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 4060 Laptop GPU", "status": "ok",
         "integrated": False, "memory_total_mib": 4096, "memory_free_mib": 4000}],
        "memory": {"total_mib": 16384, "available_mib": 12000}, "cpu": {}, "stack": {}}
    from readiness.workloads import hardware

    hw = hardware.from_facts(facts)
    assert [d.vendor for d in hw.gpus] == ["nvidia"]


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


@pytest.mark.parametrize("name", ["system-profiler-hardware-text-m3-macbookpro-mac15,3-prompt.txt",
                                  "system-profiler-hardware-json-anka-vm-virtualmac2,1-chip-unknown.json"])
def test_redaction_removes_mac_serials_and_uuids(name):
    from readiness.redact import scrub

    text = (APPLE / name).read_text()
    out = scrub(text, set())
    for secret in ("FC4PK6W1J4", "B382C8B4-D4AF-594C-B235-7E700F336892", "ZNNF3941VQ",
                   "E465E3CB-0162-5E0E-9CEA-FED57C72BE74"):
        assert secret not in out
    assert ("Apple M3" in out) == ("Apple M3" in text)  # the facts that matter survive


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


def test_dxdiag_rx9070xt_one_card_two_displays(run):
    (g,) = gpus(run, WIN / "dxdiag-t-rx9070xt-dual-display-win11-excerpt.txt")
    assert (g["vendor"], g["name"], g["memory_total_mib"]) == ("amd", "AMD Radeon RX 9070 XT", 15724)
    assert (g["pci_vendor_id"], g["pci_device_id"], g["source"]) == ("0x1002", "0x7550", "dxdiag")


def test_dxdiag_rtx4060ti(run):
    (g,) = gpus(run, WIN / "dxdiag-t-rtx4060ti-8gb-desktop-win11-first-display-excerpt.txt")
    assert (g["vendor"], g["memory_total_mib"], g["driver_version"]) == ("nvidia", 7949, "32.0.15.8064")
    assert g["integrated"] is False


def test_convertto_json_single_object_iris_xe(run):
    (g,) = gpus(run, WIN / "get-wmiobject-select-convertto-json-iris-xe-ps51-prompt.txt")
    assert (g["vendor"], g["name"], g["integrated"], g["unified_memory"]) == (
        "intel", "Intel(R) Iris(R) Xe Graphics", True, True)


def test_wmi_format_list_laptop_with_both_gpus(run):
    nv, intel = gpus(run, WIN / "get-wmiobject-win32-videocontroller-rtx3050ti-laptop-plus-uhd-tigerlake-msi.txt")
    assert nv["name"] == "NVIDIA GeForce RTX 3050 Ti Laptop GPU" and nv["integrated"] is False
    assert "capped at 4 GiB" in nv["unavailable"]["memory_total_mib"]
    assert intel["integrated"] is True


# -- PCI listings (lspci) -----------------------------------------------------------------------

LSPCI = FIXTURES / "lspci"


def listing(run, *names):
    return [(g["vendor"], g["pci_bus_id"], g["pci_device_id"], g["kernel_driver"], g["virtual"])
            for g in gpus(run, *(LSPCI / n for n in names))]


@pytest.mark.parametrize("name, expected", [
    # Optimus laptop, `lspci -nnk`, the whole bus (indented with spaces by the wiki it came from)
    ("dell-xps-15-9570-intel-uhd630-nvidia-gtx1050ti-optimus.lspci-nnk.txt",
     [("intel", "0000:00:02.0", "0x3e9b", "i915", False), ("nvidia", "0000:01:00.0", "0x1c8c", "nvidia", False)]),
    # plain lspci with an old id table: "NVIDIA Corporation Device 1f91" still gives the device id
    ("hp-pavilion-15-ec0012nl-amd-picasso-igpu-nvidia-gtx1650.lspci.txt",
     [("nvidia", "0000:01:00.0", "0x1f91", None, False), ("amd", "0000:05:00.0", "0x15d8", None, False)]),
    # the AMD iGPU is a "Display controller" (0380), which a grep for VGA|3D would miss
    ("asus-laptop-amd-strix-880m-display-ctrl-nvidia-rtx4070m-vga.lspci-grep.txt",
     [("nvidia", "0000:65:00.0", None, None, False), ("amd", "0000:66:00.0", None, None, False)]),
    # NVSwitches are bridges (0680), not GPUs; the ASPEED BMC display is listed but not an accelerator
    ("hgx-h100-8gpu-aspeed-nvswitch-rhel94.lspci-Dnn-egrep-nvidia-vga.txt",
     [("nvidia", f"0000:{b}:00.0", "0x2330", None, False) for b in ("1b", "43", "52", "61", "9d", "c3", "d1", "df")]
     + [("other", "0000:04:00.0", "0x2000", None, False)]),
    # a PCI bridge that the user's grep caught ("a33d" has "3d" in it) is not a GPU
    ("laptop-intel-3e9b-nvidia-mx130-plus-egpu-gtx970.lspci-nn-grep-vga-3d.txt",
     [("intel", "0000:00:02.0", "0x3e9b", None, False), ("nvidia", "0000:02:00.0", "0x174d", None, False),
      ("nvidia", "0000:08:00.0", "0x13c2", None, False)]),
    # Hyper-V: the GPU sits in its own PCI domain, next to Hyper-V's virtual VGA
    ("azure-nc-hyperv-vga-tesla-k80.lspci-vnn-grep-vga-A12.txt",
     [("nvidia", "61f0:00:00.0", "0x102d", None, False), ("other", "0000:00:08.0", "0x5353", "hyperv_fb", True)]),
    ("qemu-q35-vm-bochs-stdvga-1234-1111.lspci.txt", [("other", "0000:00:01.0", "0x1111", None, True)]),
    ("vmware-backtrack4-vm-svga-ii.lspci-nn.txt", [("other", "0000:00:0f.0", "0x0405", None, True)]),
    ("aws-g2.2xlarge-xen-cirrus-vga-nvidia-grid-k520.lspci-vv.txt",
     [("nvidia", "0000:00:03.0", None, "nvidia", False), ("other", "0000:00:02.0", None, "cirrus", True)]),
    # machine-readable forms: -vmm -nn (tabs turned to spaces by a forum), the old -v -m, and -nnm
    ("zareason-zeto-desktop-nvidia-gtx-titan-x.lspci-vmmnn.txt", [("nvidia", "0000:01:00.0", "0x17c2", None, False)]),
    ("hp-hpe-377a-desktop-ati-radeon-hd5500.lspci-vmm.txt", [("amd", "0000:01:00.0", None, None, False)]),
    ("ecs-laptop-sis-771-671-vga.lspci-v-nn-m.txt", [("other", "0000:01:00.0", "0x6351", None, False)]),
    ("dell-xps-m1330-nvidia-8400m-gs.lspci-nnm.txt", [("nvidia", "0000:01:00.0", "0x0427", None, False)]),
])
def test_lspci_listings(run, name, expected):
    assert listing(run, name) == expected


def test_lspci_without_k_does_not_claim_a_missing_driver(run):
    (g,) = gpus(run, LSPCI / "supermicro-amd-genoa-aspeed-ast2600-2x-nvidia-h100-nvl.lspci.txt")[:1]
    assert g["status"] == "ok" and "without -k" in g["status_reason"]


def test_lspci_k_cut_by_grep_keeps_what_it_shows(run):
    """`lspci -k | grep -A 2`: the iGPU's driver line was cut off (unknown); the two NVIDIA GPUs show theirs."""
    igpu, dgpu, egpu = gpus(run, LSPCI / "msi-laptop-intel-cml-nvidia-gtx1650m-plus-egpu-rtx2060.lspci-k-grep-A2-vga-3d.txt")
    assert igpu["kernel_driver"] is None and igpu["status"] == "ok" and "without -k" in igpu["status_reason"]
    assert (dgpu["kernel_driver"], egpu["kernel_driver"], egpu["status"]) == ("nvidia", "nvidia", "ok")


def test_wsl_paravirtual_gpu_is_not_the_gpu(run):
    (g,) = gpus(run, LSPCI / "wsl2-hyperv-dxg-3d-controller-microsoft-008e.lspci.txt")
    assert g["virtual"] is True and "Windows host's GPU" in g["status_reason"]


def test_lspci_and_nvidia_smi_table_are_one_list(run):
    """Same session: lspci prints 3a:00.0, nvidia-smi 00000000:3A:00.0."""
    found = gpus(run, LSPCI / "aws-g6-kvm-epyc-4x-nvidia-l4.lspci-grep-nvidia.txt",
                 LSPCI / "aws-g6-kvm-epyc-4x-nvidia-l4.nvidia-smi.txt")
    assert [(g["source"], g["pci_bus_id"]) for g in found] == [
        ("nvidia-smi", f"0000:{b}:00.0") for b in ("38", "3a", "3c", "3e")]


@pytest.mark.parametrize("stem, count", [("azure-nc-hyperv-vga-tesla-k80", 2),
                                         ("kvm-vm-rhel-ai-8x-h100-4x-nvswitch-passthrough", 8)])
def test_nvidia_smi_list_without_bus_ids_pairs_with_lspci_in_bus_order(run, stem, count):
    lspci = next(LSPCI.glob(f"{stem}.lspci-*egrep-nvidia.txt"), None) or LSPCI / f"{stem}.lspci-grep-nvidia.txt"
    found = gpus(run, lspci, LSPCI / f"{stem}.nvidia-smi.txt")
    assert len(found) == count and all(g["source"] == "nvidia-smi" and g["pci_bus_id"] for g in found)
    assert [g["pci_bus_id"] for g in found] == sorted(g["pci_bus_id"] for g in found)


def test_nvidia_smi_list_and_a_cut_lspci_are_not_paired_by_guess(run):
    """The grep kept one of the two K80s: which one nvidia-smi's first line is can't be told."""
    found = gpus(run, LSPCI / "azure-nc-hyperv-vga-tesla-k80.lspci-vnn-grep-vga-A12.txt",
                 LSPCI / "azure-nc-hyperv-vga-tesla-k80.nvidia-smi.txt")
    assert sum(1 for g in found if g["source"] == "nvidia-smi" and g["pci_bus_id"] is None) == 2


def test_intel_npu_is_not_a_gpu():
    """logic: Meteor Lake's NPU is a class-0x12 Intel device; as a GPU without i915 it would be a false alarm."""
    from readiness.probes import pci

    root = pci.ROOT
    answers = {f"dir:{root}": Answer("ok", ["0000:00:02.0", "0000:00:0b.0"])}
    for bus, cls, dev, drv in (("0000:00:02.0", "0x030000", "0x7d55", "i915"), ("0000:00:0b.0", "0x120000", "0x7d1d",
                                                                                  "intel_vpu")):
        answers.update({f"file:{root}/{bus}/class": Answer("ok", cls + "\n"),
                        f"file:{root}/{bus}/vendor": Answer("ok", "0x8086\n"),
                        f"file:{root}/{bus}/device": Answer("ok", dev + "\n"),
                        f"link:{root}/{bus}/driver": Answer("ok", f"../../../bus/pci/drivers/{drv}")})
    found = pci.parse(pci.collect(ReplayHost(answers, "linux", "test"))).facts["gpus"]
    assert [(g.pci_bus_id, g.status) for g in found] == [("0000:00:02.0", "ok")]


@pytest.mark.parametrize("path", sorted(p.name for p in LSPCI.glob("*.txt") if ".lspci" in p.name))
def test_every_lspci_fixture_is_read_with_bus_ids(run, path):
    found = gpus(run, LSPCI / path)
    assert found and all(g["source"] == "lspci" and g["pci_bus_id"] and g["vendor"] for g in found)
