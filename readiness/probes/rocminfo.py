"""rocminfo, as pasted in ROCm bug reports: HSA agents, the CPU agents first, then each GPU with
its gfx target, marketing name, compute units, BDFID (the PCI address) and memory pools.

Pure: text in, facts out. Every pattern works on one line at a time."""

from __future__ import annotations

import re

from readiness.facts import CpuFacts, Gpu, HostFacts
from readiness.host.base import cmd_key
from readiness.probes.util import every_line

ARGV = ["rocminfo"]
KEY = cmd_key(ARGV)
SOURCE = "rocminfo"

_AGENT = re.compile(r"Agent \d{1,4}")
_FIELD = re.compile(r"  ([A-Z][A-Za-z .()/]{0,60}?):[ \t]*(.*)")  # two spaces: the agent's own fields
_POOL_FIELD = re.compile(r"      (Segment|Size):[ \t]*(.*)")
_KB = re.compile(r"(\d{1,15})(?:\(0x[0-9a-f]{1,16}\))?[ \t]?KB", re.I)
_GFX = re.compile(r"gfx[0-9a-f]{2,5}", re.I)


# Field names only rocminfo's agents print; with an agent's star rules, three of them say what a
# fragment is without the HSA header or its prompt (a paste from the middle of the output, #14, b8)
_AGENT_KEYS = re.compile(r"^  (Marketing Name|Vendor Name|Device Type|Chip ID|BDFID|Compute Unit|Internal Node ID|"
                         r"Queue Max Size|Cacheline Size):", re.M)


def _agent_opened(text: str) -> bool:
    lines = text.split("\n")
    return any(_AGENT.fullmatch(line.strip()) and i > 0 and lines[i - 1].startswith("*******")
               for i, line in enumerate(lines))


# An agent's field names that no other tool prints; four of them make a fragment from the middle of
# one agent, cut above its star rules and Name (#14 b12: from `Device Type:` on, from `Features:` on)
_HEADLESS_KEYS = re.compile(r"^ {0,2}(Device Type|Chip ID|BDFID|Internal Node ID|Cacheline Size|ASIC Revision|"
                            r"SIMDs per CU|Shader Engines|Shader Arrs\. per Eng\.|Coherent Host Access|"
                            r"Fast F16 Operation|Wavefront Size|Workgroup Max Size|Max Waves Per CU|"
                            r"Max Work-item Per CU|Grid Max Size|Max fbarriers/Workgrp|Packet Processor uCode:|"
                            r"SDMA engine uCode:|IOMMU Support:|Pool Info|Queue Min Size|Queue Max Size):", re.M)
# `rocminfo | grep Name` (or grep -i name, grep gfx): only the name lines, one agent's after another's
_GREP_LINE = re.compile(r"[ \t]{0,8}(Name|Marketing Name|Vendor Name|Uuid|Device Type):[ \t]*(\S.{0,200})?")


_ANY_FIELD = re.compile(r" {0,8}[A-Z][A-Za-z .()/-]{0,60}:")


# A GPU agent's ISA, `Name: amdgcn-amd-amdhsa--gfx90a:sramecc+:xnack-` under `ISA Info:`: only GPU agents
# have one, and it names the gfx target (#14 b13: a fragment from the agent's last pool on)
_ISA_NAME = re.compile(r"^ {0,8}Name:[ \t]+amdgcn-amd-amdhsa--(gfx[0-9a-f]{2,5})\b", re.M)


def _headless(text: str) -> bool:
    if _agent_opened(text):
        return False
    if len({m.group(1) for m in _HEADLESS_KEYS.finditer(text[:200_000])}) >= 4:
        return True
    return "ISA Info:" in text and bool(_ISA_NAME.search(text[:200_000]))


def detect(text: str) -> bool:
    # a paste cut inside its first agent, before the Device Type line, still has the agent's rules
    if "HSA Agents" in text and bool(re.search(r"^\*{7}", text, re.M)) and (
            "Device Type:" in text or detect_fragment(text)):
        return True
    if _headless(text):
        return True
    return _agent_opened(text) and len({m.group(1) for m in _AGENT_KEYS.finditer(text[:200_000])}) >= 3


def detect_grep(text: str) -> bool:
    """Under `rocminfo | grep ...`: every line a name line, and a gfx target or marketing name among them."""
    fields = every_line(text, _GREP_LINE.fullmatch)
    return fields is not None and any(
        f.group(1) == "Marketing Name" or _GFX.fullmatch((f.group(2) or "").strip()) for f in fields)


def detect_fragment(text: str) -> bool:
    """Under a `$ rocminfo` prompt, one agent kept of the output (its star rules and Name) is enough."""
    return bool(re.search(r"^\*{7}", text, re.M)) and any(_AGENT.fullmatch(line.strip()) for line in text.split("\n"))


def _is_gpu(agent: dict) -> bool:
    # an agent cut before its Device Type line is a GPU when its Name is a gfx target: ROCm names
    # only GPU agents so (CPU agents carry the processor's name)
    # (or, in a fragment without its Name, when it dispatches kernels: a CPU agent's Features are None)
    kind = agent.get("Device Type")
    return kind == "GPU" or (kind is None and (bool(_GFX.fullmatch(agent.get("Name", ""))) or "isa" in agent
                                               or "KERNEL_DISPATCH" in agent.get("Features", "")))


def agents(text: str) -> list[dict]:
    """Each agent as a dict of its fields, with "pools": [(segment, size_kib)]."""
    out: list[dict] = []
    lines = text.split("\n")
    grep = not _agent_opened(text) and detect_grep(text)
    if not grep and _headless(text):
        out.append({"pools": []})  # one agent's fields, its header cut off
        # the paste reader took the fragment's common indent off: give the agent's fields theirs back
        # (measured on the field lines: a rule or a fence line over them is at the margin)
        indent = min((len(line) - len(line.lstrip(" ")) for line in lines if _ANY_FIELD.match(line)), default=2)
        lines = [" " * (2 - indent) + line for line in lines] if indent < 2 else lines
    for i, line in enumerate(lines):
        if _AGENT.fullmatch(line.strip()) and i > 0 and lines[i - 1].startswith("*******"):
            out.append({"pools": []})
            continue
        if grep:
            field = _GREP_LINE.fullmatch(line)
            if field and field.group(1) == "Name":  # each agent's Name line comes first
                out.append({"pools": []})
            if field and out and field.group(2):
                out[-1].setdefault(field.group(1), field.group(2).strip())
            continue
        if not out:
            continue
        isa = _ISA_NAME.match(line)
        if isa:
            out[-1].setdefault("isa", isa.group(1).lower())
            continue
        pool = _POOL_FIELD.match(line)
        if pool:
            if pool.group(1) == "Segment":
                out[-1]["pools"].append([pool.group(2).strip(), None])
            elif out[-1]["pools"] and out[-1]["pools"][-1][1] is None:
                size = _KB.match(pool.group(2).strip())
                out[-1]["pools"][-1][1] = int(size.group(1)) if size else None
            continue
        field = _FIELD.match(line)
        if field and not line.startswith("   "):
            out[-1].setdefault(field.group(1).strip(), field.group(2).strip())
    return out


def _int(value: str | None) -> int | None:
    m = re.match(r"\d{1,12}", value or "")
    return int(m.group()) if m else None


def _max_clock(agent: dict) -> int | None:
    # "Max Clock Freq. (MHz):   2100" (ROCm 3+) or "Max Clock Frequency (MHz):3300" (ROCm 1.x)
    value = agent.get("Max Clock Freq. (MHz)") or agent.get("Max Clock Frequency (MHz)")
    mhz = _int(value)
    return float(mhz) if mhz else None  # a VM's CPU agent prints 0: unknown, not zero


def _bus_id(bdfid: str | None) -> str | None:
    """BDFID packs the PCI address as bus << 8 | device << 3 | function (no domain: 0000)."""
    value = _int(bdfid)
    if not value:
        return None
    return f"0000:{value >> 8:02x}:{(value >> 3) & 0x1f:02x}.{value & 7}"


def _chip_id(value: str | None) -> str | None:
    """A GPU agent's Chip ID is its PCI device id: "29772(0x744c)" (0 where ROCm has none)."""
    number = _int(value)
    return f"0x{number:04x}" if number and number <= 0xFFFF else None


def _uuid(value: str | None) -> str | None:
    """A GPU agent's `Uuid: GPU-1f9de0957d137942`; a GPU without one prints the placeholder `GPU-XX`."""
    value = (value or "").strip()
    return value if re.fullmatch(r"GPU-[0-9a-fA-F]{8,32}", value) else None


def gpus(text: str) -> list[Gpu]:
    found = []
    for agent in agents(text):
        if not _is_gpu(agent):
            continue
        gfx = _GFX.search(agent.get("Name", "")) or _GFX.search(agent.get("isa", ""))
        name = agent.get("Marketing Name") or None
        coarse = [kib for seg, kib in agent["pools"] if seg.startswith("GLOBAL") and "COARSE" in seg and kib]
        found.append(Gpu(index=len(found), vendor="amd" if agent.get("Vendor Name", "AMD") == "AMD" else "other",
                         name=name, gfx_target=gfx.group().lower() if gfx else None,
                         memory_total_mib=coarse[0] // 1024 if coarse else None, pci_bus_id=_bus_id(agent.get("BDFID")),
                         pci_device_id=_chip_id(agent.get("Chip ID")), uuid=_uuid(agent.get("Uuid")),
                         pci_vendor_id="0x1002" if agent.get("Vendor Name", "AMD") == "AMD" else None,
                         source=SOURCE))
    return found


def _is_cpu(agent: dict) -> bool:
    # cut before its Device Type line: every ROCm names a CPU agent's vendor "CPU" (GPUs': AMD)
    kind = agent.get("Device Type")
    return kind == "CPU" or (kind is None and agent.get("Vendor Name") == "CPU")


def cpu(text: str) -> CpuFacts | None:
    """The CPU agents: one per socket; their compute units are the logical CPUs ROCm sees."""
    cpus = [a for a in agents(text) if _is_cpu(a)]
    if not cpus:
        return None
    units = [_int(a.get("Compute Unit")) for a in cpus]
    return CpuFacts(model=(cpus[0].get("Marketing Name") or cpus[0].get("Name") or "").strip() or None,
                    logical_cpus=sum(units) if all(units) else None, max_mhz=_max_clock(cpus[0]))


def host(text: str) -> HostFacts | None:
    """ROCm's WSL runtime (librocdxg) prints `WSL environment detected.` before the HSA System
    Attributes: a Linux under WSL (#14)."""
    if re.search(r"^[ \t]*WSL environment detected\.?[ \t]*$", text[:20_000], re.M):
        return HostFacts(os="linux", wsl=True)
    return None
