"""Windows display adapters from CIM (Win32_VideoController), with the 64-bit VRAM size from the
registry: AdapterRAM is a 32-bit field that tops out at 4 GiB (llmfit #830, oshi #2521).
NVIDIA GPUs also come from NVML, as on Linux; the two are merged by PCI ids."""

from __future__ import annotations

import re

from readiness.facts import Draft, Gpu
from readiness.host.base import cmd_key
from readiness.probes.base import Result, elsewhere
from readiness.probes.pci import vendor_rows
from readiness.probes.util import PS, json_in, key_values, name_class, to_int
from readiness.host.base import slow_timeout
from readiness.facts import HostFacts

NAME = "windows"
CIM_JSON = PS + ["Get-CimInstance Win32_VideoController | Select-Object Name,AdapterRAM,DriverVersion,PNPDeviceID,"
                  "AdapterCompatibility,VideoProcessor | ConvertTo-Json"]
CIM_LIST = PS + ["Get-CimInstance Win32_VideoController | Format-List"]
REGISTRY = PS + ["Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Class\\"
                  "{4d36e968-e325-11ce-bfc1-08002be10318}\\0*' -ErrorAction SilentlyContinue | Select-Object "
                  "DriverDesc,MatchingDeviceId,HardwareInformation.qwMemorySize | ConvertTo-Json"]
WMIC = ["wmic", "path", "win32_VideoController", "get", "Name,AdapterRAM,DriverVersion,PNPDeviceID"]
DXDIAG = ["dxdiag", "/t"]
CAP = 4 * 2**30 - 2**20  # AdapterRAM saturates at 4294967295 or reports 4293918720 (4 GiB - 1 MiB)


_CIM_KEYS = {"AdapterRAM", "AdapterCompatibility", "VideoProcessor", "PNPDeviceID", "DriverVersion"}


def _is_cim_json(text: str) -> bool:
    doc = json_in(text)
    items = doc if isinstance(doc, list) else [doc]
    return any(isinstance(i, dict) and "Name" in i and _CIM_KEYS & set(i) for i in items)


def _is_registry_json(text: str) -> bool:
    doc = json_in(text)
    items = doc if isinstance(doc, list) else [doc]
    return any(isinstance(i, dict) and ("HardwareInformation.qwMemorySize" in i or "DriverDesc" in i) for i in items)


# Win32_VideoController as a list: Format-List ("Name : x") or wmic's /format:list ("Name=x"). A
# paste cut before AdapterRAM (`| fl *` prints some 60 properties first) still says what it is.
_CIM_LIST_NAME = re.compile(r"^(?:Name|Caption)[ \t]*(?::|=)", re.M)
_CIM_LIST_CLASS = re.compile(r"^(?:AdapterRAM[ \t]*(?::|=)|AdapterCompatibility[ \t]*(?::|=)|VideoProcessor[ \t]*(?::|=)|"
                             r"CreationClassName[ \t]*(?::|=)[ \t]*Win32_VideoController|"
                             r"DeviceID[ \t]*(?::|=)[ \t]*VideoController\d)", re.M)


# A Format-List cut to its `Caption` (or `Name`) line alone: the key every WMI class has, so only a value that
# names a GPU brand says it is a video controller (#14 b13: `| fl *` quoted from its Caption line)
_CIM_LONE_GPU = re.compile(r"^(?:Name|Caption)[ \t]{1,40}:[ \t](?:NVIDIA |AMD |Intel\(R\) )?"
                           r"(?:GeForce|Quadro|Tesla|TITAN|RTX|Radeon|Arc\(TM\))\b[^\n]{0,100}$", re.M)


def _is_cim_list(text: str) -> bool:
    if _CIM_LIST_NAME.search(text) and _CIM_LIST_CLASS.search(text):
        return True
    lines = [line for line in text.split("\n") if line.strip()]
    return len(lines) == 1 and bool(_CIM_LONE_GPU.match(lines[0]))


def _wmic_header(line: str) -> bool:
    """`wmic path Win32_VideoController get ...`'s header: AdapterRAM and Name on one line, in any order
    (wmic sorts its columns: `AdapterCompatibility  AdapterRAM  Name`), as parse_wmic finds it. The
    pattern before (`AdapterRAM` first, or a Name column before it, by a leading `.*`) retried every
    `name` of a long line: quadratic (#19, fuzz: a 2.3 MB line kept whole because it starts with `[`)."""
    low = line[:16_384].lower()  # a header, even of every column, is far shorter
    return "adapterram" in low and bool(re.search(r"\badapterram\b", low)) and bool(re.search(r"\bname\b", low))


def _is_wmic(text: str) -> bool:
    return any(_wmic_header(line) for line in text.split("\n")[:2000]) and not _is_cim_list(text)


_DX_DEVICE_KEYS = re.compile(r"^[ \t]*(Driver Model:[ \t]*WDDM|DDI Version:|Vendor ID:[ \t]*0x|Device ID:[ \t]*0x|"
                             r"Dedicated Memory:|Hybrid Graphics GPU:)", re.M)


_DX_SYSTEM_KEYS = re.compile(r"^[ \t]*(DxDiag Version|DirectX Version|Available OS Memory|DX Setup Parameters|"
                             r"Time of this report|Machine Id):", re.M)


def _is_dxdiag(text: str) -> bool:
    if "Card name:" in text and ("Display Devices" in text or "Dedicated Memory:" in text):
        return True
    # a device block's first lines: Card name over dxdiag's own Chip type / DAC type line (#14 b13)
    if re.search(r"^[ \t]*Card name:[ \t]*\S", text, re.M) and re.search(r"^[ \t]*(?:Chip type|DAC type):", text, re.M):
        return True
    # one display device block pasted from below its Card name line: its WDDM driver model and ids
    if len({m.group(1).split(":")[0] for m in _DX_DEVICE_KEYS.finditer(text[:200_000])}) >= 4:
        return True
    # the System Information block alone (the display devices cut off), by two of the keys only
    # dxdiag prints there: its last line (DxDiag Version) may be cut off too (#14, b8)
    return "System Information" in text and bool(_DX_PROCESSOR.search(text)) \
        and len({m.group(1) for m in _DX_SYSTEM_KEYS.finditer(text[:200_000])}) >= 2


FORMATS = [(cmd_key(REGISTRY), _is_registry_json), (cmd_key(CIM_JSON), _is_cim_json),
           (cmd_key(CIM_LIST), _is_cim_list), (cmd_key(WMIC), _is_wmic), (cmd_key(DXDIAG), _is_dxdiag)]


def collect(host) -> dict:
    if host.system not in ("windows", None):
        return {"system": host.system}
    raw = {"system": host.system, "cim": host.run(CIM_JSON, timeout=slow_timeout(host, 30.0)),
           "registry": host.run(REGISTRY, timeout=slow_timeout(host, 30.0))}
    if host.system is None or not raw["cim"].ok:
        raw["cim_list"] = host.run(CIM_LIST)
        raw["wmic"] = host.run(WMIC)
        raw["dxdiag"] = host.run(DXDIAG)
    return raw


# -- pure parsing -------------------------------------------------------------------------------

def _items(doc) -> list[dict]:
    return [i for i in (doc if isinstance(doc, list) else [doc]) if isinstance(i, dict)]


def parse_cim_json(text: str) -> list[dict]:
    return [{"name": i.get("Name"), "adapter_ram": to_int(i.get("AdapterRAM")), "driver": i.get("DriverVersion"),
             "pnp": i.get("PNPDeviceID"), "maker": i.get("AdapterCompatibility")} for i in _items(json_in(text))]


def parse_cim_list(text: str) -> list[dict]:
    out = []
    for block in re.split(r"\n\s*\n", text):
        kv = key_values(block, "=" if re.search(r"^(?:Name|Caption)=", block, re.M) else ":")
        name = kv.get("Name") or kv.get("Caption")  # the same for every Win32_VideoController
        if name and (_CIM_LIST_CLASS.search(block) or _is_cim_list(block)):  # _is_cim_list: a lone GPU Caption
            out.append({"name": name, "adapter_ram": to_int(kv.get("AdapterRAM")),
                        "driver": kv.get("DriverVersion") or None, "pnp": kv.get("PNPDeviceID") or None,
                        "maker": kv.get("AdapterCompatibility") or None, "system_name": kv.get("SystemName") or None})
    return out


def parse_wmic(text: str) -> list[dict]:
    lines = [l.rstrip() for l in text.replace("\r", "").splitlines() if l.strip()]
    header_i = next((i for i, l in enumerate(lines) if re.search(r"\bAdapterRAM\b", l) and re.search(r"\bName\b", l)), None)
    if header_i is None:
        return []
    header = lines[header_i]
    cols = [(m.group(), m.start()) for m in re.finditer(r"\S+", header)]
    out = []
    for line in lines[header_i + 1:]:
        if not line.strip(" -"):
            continue  # PowerShell's Format-Table underlines its header with dashes: not a row
        row = {}
        for j, (name, start) in enumerate(cols):
            end = cols[j + 1][1] if j + 1 < len(cols) else None
            row[name.lower()] = line[start:end].strip() if len(line) > start else ""
        if row.get("name"):
            out.append({"name": row["name"], "adapter_ram": to_int(row.get("adapterram")),
                        "driver": row.get("driverversion") or None, "pnp": row.get("pnpdeviceid") or None})
    return out


_DX_PROCESSOR = re.compile(r"^[ \t]*Processor:[ \t]*(.+?)[ \t]*(?:\((\d+) CPUs\))?,?[ \t]*(?:~[\d.]+GHz)?[ \t]*$", re.M)
_DX_MEMORY = re.compile(r"^[ \t]*Memory:[ \t]*(\d+)[ \t]*MB RAM", re.M)
_DX_MACHINE = re.compile(r"^[ \t]*Machine name:[ \t]*([\w.-]{1,63})[ \t]*$", re.M)  # the computer's name
_DX_OS = re.compile(r"^[ \t]*Operating System:[ \t]*(Windows[^\n(]*?)(?:[ \t]+\d\d-bit)?[ \t]*(?:\(|$)", re.M)


def dxdiag_system(text: str) -> dict:
    """dxdiag's System Information block: the CPU (name and logical CPUs), installed RAM, the
    Windows edition and the computer name. Keys are English only; a dxdiag saved in another language yields nothing."""
    head = text.split("Display Devices", 1)[0][:20_000]
    out: dict = {}
    m = _DX_PROCESSOR.search(head)
    if m:
        out["processor"] = m.group(1).strip().rstrip(",").strip()
        out["logical"] = int(m.group(2)) if m.group(2) else None
    m = _DX_MEMORY.search(head)
    if m:
        out["memory_mib"] = int(m.group(1))
    m = _DX_OS.search(head)
    if m:
        out["os"] = m.group(1).strip()
    m = _DX_MACHINE.search(head)
    if m:
        out["hostname"] = m.group(1)
    return out


def parse_dxdiag(text: str) -> list[dict]:
    out, seen = [], set()
    blocks = re.split(r"\n\s*Card name:", "\n" + text)[1:]
    if not blocks and _is_dxdiag(text):
        blocks = ["\n" + text]  # one device block cut above its Card name line: no name
    # dxdiag lists display devices: a card driving two displays appears twice, once per display.
    for block in blocks:
        name = block.split("\n", 1)[0].strip()
        ded = re.search(r"Dedicated Memory:\s*(\d+)\s*MB", block)
        ven = re.search(r"Vendor ID:\s*(0x[0-9A-Fa-f]{4})", block)
        dev = re.search(r"Device ID:\s*(0x[0-9A-Fa-f]{4})", block)
        # the same ids in "Device Key: Enum\PCI\VEN_10DE&DEV_2803&..." (a cut paste may have only this line)
        key = re.search(r"Device Key:[ \t]*\S*VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})", block)
        vendor_id = ven.group(1).lower() if ven else ("0x" + key.group(1).lower() if key else None)
        device_id = dev.group(1).lower() if dev else ("0x" + key.group(2).lower() if key else None)
        # An indirect display driver (a virtual monitor: "Display-Only Device", enumerated outside
        # PCI) prints the ids and dedicated memory of the GPU that renders for it: not its own (#14).
        dkey = re.search(r"Device Key:[ \t]*Enum\\(\w+)", block)
        virtual = bool(re.search(r"Device Type:[ \t]*Display-Only Device", block)) or \
            (dkey is not None and dkey.group(1).upper() != "PCI")
        if virtual:
            vendor_id = device_id = ded = None
        drv = re.search(r"Driver Version:[ \t]*(\S+)", block)
        # "Hybrid Graphics GPU: Integrated" / "Discrete" on laptops with two GPUs ("Not Supported" else)
        hybrid = re.search(r"Hybrid Graphics GPU:[ \t]*(Integrated|Discrete)\b", block)
        entry = {"name": name, "dedicated_mib": int(ded.group(1)) if ded else None,
                 "vendor_id": vendor_id, "device_id": device_id,
                 "driver": drv.group(1) if drv else None,
                 "integrated": hybrid.group(1) == "Integrated" if hybrid else None, "virtual": virtual}
        key = (entry["name"], entry["vendor_id"], entry["device_id"])
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out


def parse_registry(text: str) -> list[dict]:
    out = []
    for i in _items(json_in(text)):
        size = i.get("HardwareInformation.qwMemorySize")
        out.append({"name": i.get("DriverDesc"), "match": (i.get("MatchingDeviceId") or "").lower(),
                    "bytes": _registry_int(size)})
    return out


def _registry_int(value) -> int | None:
    """A REG_QWORD arrives as a number. Some drivers store the size as REG_BINARY, which
    ConvertTo-Json writes as a list of bytes, little-endian (Jinjinov/Hardware.Info#41 reads both),
    and which a PowerShell string conversion joins with spaces ("0 0 227 33 53 148 213 1" is how
    MultiPoolMiner#2448's dump of this registry key shows its binary values)."""
    if isinstance(value, str) and re.fullmatch(r"\d{1,3}(?: \d{1,3}){3}(?:(?: \d{1,3}){4})?", value.strip()):
        value = [int(b) for b in value.split()]
    if isinstance(value, list):
        ok = len(value) in (4, 8) and all(isinstance(b, int) and 0 <= b < 256 for b in value)
        return int.from_bytes(bytes(value), "little") if ok else None
    return to_int(value)


def _ids(pnp: str | None) -> tuple[str | None, str | None]:
    m = re.search(r"VEN_([0-9A-Fa-f]{4})&DEV_([0-9A-Fa-f]{4})", pnp or "")
    return (f"0x{m.group(1).lower()}", f"0x{m.group(2).lower()}") if m else (None, None)


def _gpu_vendors() -> dict[str, str]:
    """PCI vendor id → vendor, for the vendors whose GPUs run AI work (pci_vendors.toml)."""
    return {vid: row["vendor"] for vid, row in vendor_rows().items() if row["kind"] == "gpu"}


def _vendor(vendor_id: str | None, name: str, known: dict[str, str]) -> str:
    if vendor_id in known:
        return known[vendor_id]
    low = name.lower()
    for word, vendor in (("nvidia", "nvidia"), ("geforce", "nvidia"), ("quadro", "nvidia"), ("radeon", "amd"),
                         ("amd", "amd"), ("intel", "intel"), ("arc", "intel")):
        if word in low:
            return vendor
    return "other"


def parse(raw: dict) -> Result:
    if raw.get("system") not in ("windows", None):
        return elsewhere(NAME, raw["system"])
    adapters, source = [], None
    for key, parser in (("cim", parse_cim_json), ("cim_list", parse_cim_list), ("wmic", parse_wmic)):
        ans = raw.get(key)
        if not adapters and ans is not None and ans.text:
            try:
                adapters, source = parser(ans.text), "cim"
            except (ValueError, AttributeError):
                adapters = []
    dx = parse_dxdiag(raw["dxdiag"].text) if raw.get("dxdiag") is not None and raw["dxdiag"].text else []
    if not adapters and dx:
        adapters, source = [{"name": d["name"], "adapter_ram": None, "driver": d["driver"], "pnp": None,
                             "vendor_id": d["vendor_id"], "device_id": d["device_id"], "integrated": d["integrated"],
                             "virtual": d["virtual"]}
                            for d in dx if d["name"] or d["vendor_id"] not in (None, "0x0000")], "dxdiag"
    reg = parse_registry(raw["registry"].text) if raw.get("registry") is not None and raw["registry"].text else []
    gpus, known = [], _gpu_vendors()
    for i, a in enumerate(adapters):
        name = (a.get("name") or "").strip()
        vid, did = _ids(a.get("pnp"))
        vid, did = vid or a.get("vendor_id"), did or a.get("device_id")
        cls = "virtual" if a.get("virtual") else name_class(name)
        gpu = Draft(Gpu, index=i, vendor=_vendor(vid, f"{name} {a.get('maker') or ''}", known) if cls != "virtual" else "other",
                  name=name or None,
                  source=source, driver_version=a.get("driver"), pci_vendor_id=vid, pci_device_id=did,
                  virtual=cls == "virtual", integrated=True if cls == "integrated" else (False if cls is None and
                                                                                          vid in known else None))
        if gpu.vendor == "nvidia" and cls is None:
            gpu.integrated = False  # every NVIDIA GPU a Windows PC reports is a discrete card
        if a.get("integrated") is not None and cls != "virtual":
            gpu.integrated = a["integrated"]  # dxdiag said so (Hybrid Graphics GPU)
        gpu.unified_memory = gpu.integrated
        # VRAM: the registry's 64-bit size, else dxdiag's dedicated memory, else AdapterRAM below its cap.
        match = next((r for r in reg if r["bytes"] and (r["name"] == name or (did and vid and
                      f"ven_{vid[2:]}&dev_{did[2:]}" in r["match"]))), None)
        dxm = next((d for d in dx if d["name"] == name and d["dedicated_mib"]), None)
        if match:
            gpu.memory_total_mib = match["bytes"] // 2**20
        elif dxm:
            gpu.memory_total_mib = dxm["dedicated_mib"]
        elif a.get("adapter_ram") is not None and a["adapter_ram"] < CAP:
            gpu.memory_total_mib = a["adapter_ram"] // 2**20
        elif a.get("adapter_ram") is not None:
            gpu.unavailable["memory_total_mib"] = ("AdapterRAM is a 32-bit field capped at 4 GiB; the registry's "
                                                   "HardwareInformation.qwMemorySize was not available")
        if gpu.integrated:
            gpu.unavailable.setdefault("memory_total_mib", "an integrated GPU shares system RAM")
            gpu.memory_total_mib = None
        if gpu.virtual:
            gpu.status_reason = "a virtual display adapter, not an AI accelerator"
        gpus.append(gpu.build())
    if not gpus:
        return Result({"gpus": []}, "absent", "no display adapters from CIM, wmic or dxdiag")
    # these outputs come from Windows only; CIM's SystemName is the computer name
    names = [a["system_name"] for a in adapters if a.get("system_name")]
    return Result({"gpus": gpus, "host_fill": [HostFacts(os="windows", hostname=names[0] if names else None)]})
