"""inxi (-G, -C, -F, -SCG...), the system summary of Linux forum posts, and PowerShell's
`Get-CimInstance Win32_Processor | Format-Table` as Windows users paste it.

inxi is often pasted through e-mail, which wraps its long lines: a line at the left margin that
does not open a known section is the tail of the line before it.

Pure: text in, facts out. Every pattern works on one line (or one section) at a time."""

from __future__ import annotations

import re

from readiness.facts import CpuFacts, Gpu, HostFacts
from readiness.host.base import cmd_key
from readiness.probes.gfxinfo import vendor_of
from readiness.probes.util import bus_id, name_class, normalise_arch

INXI = ["inxi", "-F"]
CIM_CPU_TABLE = ["powershell", "-NoProfile", "-Command", "Get-CimInstance Win32_Processor | Format-Table"]
CIM_GPU_TABLE = ["powershell", "-NoProfile", "-Command", "Get-CimInstance Win32_VideoController | Format-Table"]
_ADAPTER_RAM_CAP = 4 * 2**30 - 2**20  # AdapterRAM is 32-bit: at or above this it is saturated, not a size

_SECTIONS = ("System", "Machine", "Battery", "CPU", "Graphics", "Audio", "Network", "Bluetooth", "Drives", "Partition",
             "Swap", "USB", "Sensors", "Repos", "Info", "Memory", "RAID", "Logical", "Processes", "Mobo",
             # plain `inxi` (no option) prints a short form: CPU:, Kernel:, Storage: lines (#14 b12)
             "Kernel", "Storage")
_SECTION = re.compile(r"(%s):(?:[ \t]{1,20}(.*))?" % "|".join(_SECTIONS))
_WORDS = {"single": 1, "dual": 2, "quad": 4, "hexa": 6, "6": 6, "octa": 8}


def is_inxi(text: str) -> bool:
    found = [m for m in (_SECTION.fullmatch(line.rstrip()) for line in text.split("\n")[:400]) if m]
    heads = {m.group(1) for m in found}
    if ("CPU" in heads or "Graphics" in heads) and re.search(r"\b(?:Device-\d{1,2}|Card(?:-\d{1,2})?|Topology|Info|model):", text):
        return True
    # the short form: "CPU: 8-core <model> (-MT MCP-) speed/min/max: ..." over a "Kernel:" line
    cpu = next((m.group(2) or "" for m in found if m.group(1) == "CPU"), "")
    return "Kernel" in heads and bool(_TOPOLOGY.match(cpu)) and bool(_TYPE_TAG.search(cpu))


def sections(text: str) -> dict[str, str]:
    """{section: its text on one line}, wrapped lines joined."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.split("\n"):
        m = _SECTION.fullmatch(line.rstrip())
        if m:
            current = m.group(1)
            out.setdefault(current, []).append(m.group(2) or "")
        elif current and line.strip():
            out[current].append(line.strip())
    return {k: " ".join(p.strip() for p in v if p.strip()) for k, v in out.items()}


def _after(text: str, key: str, stops: str = r"[a-zA-Z][\w-]{0,20}(?: ID)?:") -> str | None:
    """The value of "key: value" in an inxi line: up to the next "word:" key."""
    m = re.search(r"(?:^|\s)" + re.escape(key) + r":\s(.{0,300}?)(?=\s" + stops + r"\s|$)", text)
    return m.group(1).strip() if m else None


def inxi_gpus(text: str) -> list[Gpu]:
    graphics = sections(text).get("Graphics", "")
    out = []
    # inxi 3 names each GPU "Device-N:"; inxi 2.x "Card:" (one GPU) or "Card-N:", its X server's
    # driver on the "Display Server:" line after it, which is no kernel driver (#14, b8)
    for item in re.split(r"(?=\b(?:Device-\d{1,2}|Card(?:-\d{1,2})?):)", graphics):
        if not item.startswith(("Device-", "Card")):
            continue
        item = re.split(r"\s(?:Display(?: Server)?|Monitor-\d{1,2}|OpenGL|API|Info|Screen-\d{1,2}|X|Wayland|Message|"
                        r"GLX Renderer|Resolution):\s", item)[0]
        if re.search(r"\btype: USB\b", item):
            continue  # webcams
        name = _after(item, item.split(":", 1)[0])
        driver = _after(item, "driver")
        version = _after(item, "v")
        bus = _after(item, "bus ID") or _after(item, "bus-ID")
        chip = re.search(r"chip[ -]ID:\s([0-9a-f]{4}):([0-9a-f]{4})", item)
        vendor_id = "0x" + chip.group(1) if chip else None
        out.append(Gpu(index=len(out), vendor=vendor_of(name, vendor_id), name=name, source="inxi",
                       kernel_driver=driver if driver and driver != "N/A" else None,
                       driver_version=version if version and version not in ("kernel", "N/A") else None,
                       pci_bus_id=bus_id(bus) if bus else None, pci_vendor_id=vendor_id,
                       pci_device_id="0x" + chip.group(2) if chip else None,
                       virtual=bool(name) and name_class(name) == "virtual"))
    return out


_ARCHES = r"x86_64|amd64|aarch64|arm64|i686|i386|armv7l|ppc64le|riscv64|s390x"
# Linux prints "Kernel: 6.5.0-14-generic x86_64"; the BSDs name the system first
# ("Kernel: FreeBSD 14.0-CURRENT amd64") and say what runs on the line's "OS:" key, not "Distro:".
_KERNEL = re.compile(r"Kernel:\s(?:(?:Free|Open|Net|DragonFly)BSD\s)?(\S{1,100})(?:\s(%s)\b)?" % _ARCHES)


def inxi_host(text: str) -> HostFacts | None:
    found = sections(text)
    system = found.get("System") or ("Kernel: " + found["Kernel"] if found.get("Kernel") else None)  # the short form
    if not system:
        return None
    kernel = _KERNEL.search(system)
    host = _after(system, "Host")
    return HostFacts(kernel=kernel.group(1) if kernel else None,
                     arch=normalise_arch(kernel.group(2)) if kernel and kernel.group(2) else None,
                     os_release=_after(system, "Distro") or _after(system, "OS"),
                     hostname=host if host and host != "<filter>" else None,
                     # WSL's kernels name Microsoft: 4.4.0-19041-Microsoft (WSL1), 5.10.16.3-microsoft-standard-WSL2
                     wsl=True if kernel and "microsoft" in kernel.group(1).lower() else None)


_TOPOLOGY = re.compile(r"(?:(\d{1,3})x\s)?(?:(\d{1,3})-[Cc]ore|(\w{1,6})[ -][Cc]ore)")
# inxi's CPU type tag after the model: [MCP], [MT MCP], (-HT-MCP-) in older versions
_TYPE_TAG = re.compile(r"\s(?:\[[A-Z ]{2,12}\]|\(-[A-Z -]{2,16}-\))(?:\s|$)")  # inxi 3.3's short form: (-MT MCP-)


def inxi_cpu(text: str) -> CpuFacts | None:
    cpu = sections(text).get("CPU")
    if not cpu:
        return None
    model = _after(cpu, "model")
    cores = None
    topology = re.search(r"(?:(?:Topology|Info):\s|^)" + _TOPOLOGY.pattern, cpu)
    if topology:
        n = int(topology.group(2)) if topology.group(2) else _WORDS.get((topology.group(3) or "").lower())
        cores = n * int(topology.group(1) or 1) if n else None
    if model is None:
        # inxi -b and older versions print no model key: "Info: Quad Core Intel Core i7-3520M [MCP]",
        # or before inxi 3 no Info key either: "CPU: Quad core Intel Core i7-3520M (-MCP-) cache: ..."
        info = _after(cpu, "Info") or re.split(r"\s[a-zA-Z][\w/-]{0,20}:\s", cpu, maxsplit=1)[0]
        lead, tag = _TOPOLOGY.match(info), _TYPE_TAG.search(info)
        if lead and tag and tag.start() > lead.end():
            model = info[lead.end():tag.start()].strip() or None
    # inxi 3: "speed/min/max: 800/400/4200 MHz"; 2.x: "speed: 2493 MHz (max)" (b9) or, where no
    # minimum is known, "clock speeds: max: 2592 MHz 1: 2592 MHz ..." (b10)
    # ; the short form "speed/min/max: 2717/400/4507 MHz", inxi 3.3's -C "Speed (MHz): avg: 2693 min/max:
    # 2200/4549" (the unit in the key; #14 b12)
    speed = (re.search(r"speed/min/max:\s\d{1,6}/\d{1,6}/(\d{1,6})\sMHz", cpu)
             or re.search(r"(?<!/)min/max:\s\d{1,6}/(\d{1,6})(?:\sMHz|\s|$)", cpu)
             or re.search(r"speed:\s(\d{1,6})\sMHz\s\(max\)", cpu)
             or re.search(r"clock speeds:\smax:\s(\d{1,6})\sMHz", cpu))
    return CpuFacts(model=model, physical_cores=cores, max_mhz=float(speed.group(1)) if speed else None)


# -- Get-CimInstance Win32_Processor | Format-Table --------------------------------------------------

def is_cim_cpu_table(text: str) -> bool:
    return bool(_table(text))


# Columns only Win32_VideoController has: a Format-Table naming Name and one of them is that class's,
# whichever other columns the user picked (`format-table Name,Description,VideoProcessor,...`, #14 b10).
_GPU_COLUMNS = ("AdapterRAM", "AdapterCompatibility", "AdapterDACType", "VideoProcessor", "VideoModeDescription",
                "VideoArchitecture", "VideoMemoryType", "InstalledDisplayDrivers", "CurrentHorizontalResolution",
                "CurrentVerticalResolution", "CurrentRefreshRate", "CurrentBitsPerPixel")


def _gpu_table(text: str) -> list[dict]:
    for column in _GPU_COLUMNS:
        rows = _table(text, column)
        if rows and "Name" in rows[0]:
            return rows
    return []


def is_cim_gpu_table(text: str) -> bool:
    return bool(_gpu_table(text))


def _table(text: str, column: str = "NumberOfCores") -> list[dict]:
    """Rows of the Format-Table whose header names `column`: columns cut where the dashes are."""
    lines = text.split("\n")
    for i, line in enumerate(lines[:-1]):
        if column not in line.split() or not re.fullmatch(r"[- ]{3,2000}", lines[i + 1].rstrip() or "x"):
            continue
        starts = [m.start() for m in re.finditer(r"-+", lines[i + 1])] + [10**6]
        names = [line[a:b].strip() for a, b in zip(starts, starts[1:])]
        rows = []
        for row in lines[i + 2:]:
            if not row.strip():
                break
            rows.append({n: row[a:b].strip() for n, a, b in zip(names, starts, starts[1:])})
        return rows
    return []


def cim_cpu(text: str) -> CpuFacts | None:
    rows = [r for r in _table(text) if r.get("Name")]
    if not rows:
        return None

    def total(key: str) -> int | None:
        values = [r.get(key, "") for r in rows]
        return sum(int(v) for v in values) if all(re.fullmatch(r"\d{1,6}", v) for v in values) else None

    speed = rows[0].get("MaxClockSpeed", "")
    return CpuFacts(model=rows[0]["Name"], physical_cores=total("NumberOfCores"),
                    logical_cpus=total("NumberOfLogicalProcessors"),
                    max_mhz=float(speed) if re.fullmatch(r"\d{1,6}", speed) else None)


def cim_gpus(text: str) -> list[Gpu]:
    out = []
    for row in _gpu_table(text):
        name = row.get("Name") or row.get("Caption") or None
        ram = row.get("AdapterRAM", "")
        size = int(ram) if re.fullmatch(r"\d{1,12}", ram) else None
        # AMD's VideoProcessor ends in the PCI device id: "AMD Radeon Graphics Processor (0x744C)"
        dev = re.search(r"\((0x[0-9a-fA-F]{4})\)$", row.get("VideoProcessor", ""))
        out.append(Gpu(index=len(out), vendor=vendor_of(name), name=name, source="cim-table",
                       memory_total_mib=size // 2**20 if size and size < _ADAPTER_RAM_CAP else None,
                       driver_version=row.get("DriverVersion") or None,
                       pci_device_id=dev.group(1).lower() if dev else None))
    return [g for g in out if g.name]


FORMATS = [(cmd_key(INXI), is_inxi), (cmd_key(CIM_CPU_TABLE), is_cim_cpu_table),
           (cmd_key(CIM_GPU_TABLE), is_cim_gpu_table)]
