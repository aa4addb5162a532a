"""Windows GPUs and CPU: CIM, wmic, the registry's 64-bit VRAM, dxdiag.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

import json

from conftest import AMD, WIN, facts_from, gpus, validate
from readiness.collect import gather
from readiness.host.base import Answer, cmd_key
from readiness.host.replay import ReplayHost
from readiness.probes import amd, windows


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
