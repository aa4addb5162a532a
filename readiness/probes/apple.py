"""Macs: Apple Silicon GPUs with their unified memory and the part of it Metal lets the GPU use,
and the AMD or Intel GPUs of Intel Macs (Metal family, no CUDA)."""

from __future__ import annotations

import re

from readiness import catalog
from readiness.facts import Draft, Gpu
from readiness.host.base import cmd_key
from readiness.probes.base import Result, elsewhere
from readiness.probes.util import closed_json, json_in, key_values, size_mib, to_int
from readiness.host.base import slow_timeout

NAME = "apple"

# One sysctl call answers the CPU probe and this one (and one raw file answers both with --from).
SYSCTL = ["sysctl", "hw.memsize", "hw.physicalcpu", "hw.logicalcpu", "hw.perflevel0.physicalcpu",
          "hw.perflevel1.physicalcpu", "hw.cpufrequency_max", "machdep.cpu.brand_string", "machdep.cpu.vendor",
          "machdep.cpu.features", "machdep.cpu.leaf7_features", "iogpu.wired_limit_mb", "hw.optional"]
DISPLAYS_JSON = ["system_profiler", "SPDisplaysDataType", "-json"]
HARDWARE_JSON = ["system_profiler", "SPHardwareDataType", "-json"]
DISPLAYS_TEXT = ["system_profiler", "SPDisplaysDataType"]
HARDWARE_TEXT = ["system_profiler", "SPHardwareDataType"]
SLOW_S = 30.0  # system_profiler takes seconds on a busy Mac


# SPHardwareDataType's lines pasted without their "Hardware Overview:" header (or unindented, with
# the header's colon lost): a Mac model identifier ("MacBookAir10,1", "Mac16,9") and one of the
# overview's CPU or memory lines say what they are (#14, b8).
_MAC_MODEL_ID = re.compile(r"^[ \t]{0,12}Model Identifier:[ \t]{0,40}[A-Za-z]{2,20}\d{1,3},\d{1,3}[ \t]*$", re.M)
_HW_OVERVIEW_KEY = re.compile(r"^[ \t]{0,12}(?:Chip|Processor Name|Total Number of Cores|Memory):[ \t]{0,40}\S", re.M)
# Apple silicon's core line, which only SPHardwareDataType prints, says it alone (#14 b12: one line quoted in prose)
_SPLIT_CORES = re.compile(r"^[ \t]{0,12}Total Number of Cores:[ \t]{0,40}\d{1,3} \(\d{1,3} performance and \d{1,3} "
                          r"efficiency\)[ \t]*$", re.M)


def _is(kind: str, as_json: bool):
    def detect(text: str) -> bool:
        if as_json:
            # a paste cut mid-object (an issue's length limit) keeps the objects complete before the cut
            doc = json_in(text)
            if doc is None and f'"{kind}"' in text:
                doc = closed_json(text)
            return isinstance(doc, dict) and isinstance(doc.get(kind), list)
        marker = {"SPDisplaysDataType": "Graphics/Displays:", "SPHardwareDataType": "Hardware Overview:"}[kind]
        if kind == "SPHardwareDataType" and marker not in text:
            return (bool(_MAC_MODEL_ID.search(text)) and bool(_HW_OVERVIEW_KEY.search(text))) \
                or bool(_SPLIT_CORES.search(text))
        return marker in text
    return detect


def _is_sysctl(text: str) -> bool:
    return bool(re.search(r"^(hw\.(memsize|optional|physicalcpu|logicalcpu|ncpu|activecpu|perflevel\d)|machdep\.cpu\.|"
                          r"iogpu\.)[\w.]*\s*[:=]",
                          text, re.M))


_SYSCTL_N = re.compile(r"^[^\n]*?\bsysctl[ \t]+-n[ \t]+([\w.][\w. \t]*)$", re.M)


def split_sysctl_n(text: str) -> dict[str, str]:
    """``sysctl -n a b`` prints values only, one a line, in the order asked: a paste that keeps
    its command line is turned into the ``name: value`` lines the sysctl reader takes."""
    found = []
    matches = list(_SYSCTL_N.finditer(text[:100_000]))
    for i, m in enumerate(matches):
        names = m.group(1).split()
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        values = [ln.strip() for ln in text[m.end():stop].splitlines() if ln.strip()]
        if not names or len(values) < len(names) or not all(re.match(r"^[a-z]+\.[\w.]+$", n) for n in names):
            return {}
        found += [f"{n}: {v}" for n, v in zip(names, values)]
    return {cmd_key(SYSCTL): "\n".join(found) + "\n"} if found else {}


SPLITTERS = [split_sysctl_n]

FORMATS = [
    (cmd_key(DISPLAYS_JSON), _is("SPDisplaysDataType", True)),
    (cmd_key(HARDWARE_JSON), _is("SPHardwareDataType", True)),
    (cmd_key(DISPLAYS_TEXT), _is("SPDisplaysDataType", False)),
    (cmd_key(HARDWARE_TEXT), _is("SPHardwareDataType", False)),
    (cmd_key(SYSCTL), _is_sysctl),
]


def collect(host) -> dict:
    if host.system not in ("darwin", None):
        return {"system": host.system}
    raw = {"system": host.system, "sysctl": host.run(SYSCTL)}
    for name, argv, fallback in (("displays", DISPLAYS_JSON, DISPLAYS_TEXT), ("hardware", HARDWARE_JSON, HARDWARE_TEXT)):
        raw[name] = host.run(argv, timeout=slow_timeout(host, SLOW_S))
        if not raw[name].ok:
            raw[name + "_text"] = host.run(fallback, timeout=slow_timeout(host, SLOW_S))
    return raw


# -- pure parsing ------------------------------------------------------------------------------

def parse_sysctl(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([\w.]+)\s*[:=]\s*(.*)$", line.strip())
        if m:
            out.setdefault(m.group(1), m.group(2).strip())
    return out


def _text_blocks(text: str) -> list[dict[str, str]]:
    """system_profiler's indented text: one dict per device (the keys under each 'Name:' heading)."""
    blocks, current, depth = [], None, None
    for line in text.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        # the key starts at the first non-blank: (\s*)([^:]+) split a long blank run every way (quadratic:
        # 140,000 spaces before a key took 44 s of CPU; issue 19, fuzz seed 19)
        m = re.match(r"^(\s*)([^:\s][^:]*):\s*(.*)$", line)
        if not m:
            continue
        key, value = m.group(2).strip(), m.group(3).strip()
        if value == "" and indent in (4,) and key not in ("Displays",):
            current, depth = {"_name": key}, indent
            blocks.append(current)
        elif current is not None and indent > (depth or 0) and key != "Displays":
            if indent <= (depth or 0) + 2:
                current.setdefault(key, value)
    return blocks


def _metal(value: str | None) -> str | None:
    """spdisplays_mtlgpufamilysupport "spdisplays_metal3" → "Metal 3"; text "Metal Support: Metal 3"."""
    if not value:
        return None
    v = value.replace("spdisplays_", "")
    m = re.match(r"metal(\d+)$", v)
    if m:
        return f"Metal {m.group(1)}"
    m = re.match(r"mtlgpufamily(apple|mac)(\d+)$", v, re.I)
    if m:
        return f"GPU family {m.group(1).capitalize()} {m.group(2)}"
    return value.strip()


def _vendor(vendor_field: str | None, model: str) -> str:
    v = (vendor_field or "").lower()
    if "apple" in v or model.startswith("Apple"):
        return "apple"
    if "amd" in v or "ati" in v or "0x1002" in v or "radeon" in model.lower():
        return "amd"
    if "intel" in v or "0x8086" in v or model.startswith("Intel"):
        return "intel"
    if "nvidia" in v or "0x10de" in v or model.startswith(("NVIDIA", "GeForce")):
        return "nvidia"
    return "other"


def _item_name(name: str | None) -> str | None:
    """`_name` is macOS's localisation key on Apple silicon, `kHW_AppleM1ProItem`: the chip's name in it
    (a paste cut above `sppci_model`, #14 b13); any other `_name` is the name."""
    m = re.fullmatch(r"kHW_Apple(M\d{1,2})(Pro|Max|Ultra)?Item", name or "")
    return (" ".join(p for p in ("Apple", m.group(1), m.group(2)) if p)) if m else name


def displays(raw: dict) -> list[dict]:
    ans = raw.get("displays")
    if ans is not None and ans.text:
        doc = json_in(ans.text) or closed_json(ans.text) or {}
        out = []
        for d in doc.get("SPDisplaysDataType", []):
            model = d.get("sppci_model") or _item_name(d.get("_name")) or "GPU"
            out.append({"model": model, "vendor": d.get("spdisplays_vendor"), "cores": to_int(d.get("sppci_cores")),
                        "vram": d.get("spdisplays_vram") or d.get("_spdisplays_vram") or d.get("spdisplays_vram_shared"),
                        "metal": _metal(d.get("spdisplays_mtlgpufamilysupport") or d.get("spdisplays_metalfamily")),
                        "device_id": d.get("sppci_device-id")})
        return out
    ans = raw.get("displays_text")
    if ans is not None and ans.text:
        return [{"model": b.get("Chipset Model") or b["_name"], "vendor": b.get("Vendor"),
                 "cores": to_int(b.get("Total Number of Cores")),
                 "vram": b.get("VRAM (Total)") or b.get("VRAM (Dynamic, Max)"),
                 "metal": _metal(b.get("Metal Support") or b.get("Metal Family") or b.get("Metal")),
                 "device_id": b.get("Device ID")} for b in _text_blocks(ans.text) if b.get("Chipset Model")]
    return []


def hardware(raw: dict) -> dict:
    ans = raw.get("hardware")
    if ans is not None and ans.text:
        rows = (json_in(ans.text) or {}).get("SPHardwareDataType") or [{}]
        h = rows[0]
        return {"chip": h.get("chip_type") if h.get("chip_type") not in (None, "Unknown") else None,
                "memory": size_mib(h.get("physical_memory")), "model": h.get("machine_model"),
                # Apple Silicon: "proc 8:4:4" (total:performance:efficiency); Intel and VMs: an int
                "cores": to_int(h.get("number_processors"))}
    ans = raw.get("hardware_text")
    if ans is not None and ans.text:
        kv = key_values(ans.text)
        return {"chip": kv.get("Chip") or kv.get("Processor Name"), "memory": size_mib(kv.get("Memory")),
                "model": kv.get("Model Identifier"), "cores": to_int(kv.get("Total Number of Cores"))}
    return {}


def working_set_mib(ram_mib: int, wired_limit_mb: int | None) -> tuple[int, str]:
    """What Metal lets the GPU use: iogpu.wired_limit_mb when set, else the default working set
    (about 2/3 of RAM up to 36 GB, 3/4 above; issue #4 and Apple's recommendedMaxWorkingSetSize)."""
    if wired_limit_mb:
        return wired_limit_mb, "iogpu.wired_limit_mb"
    fraction = 0.75 if ram_mib > 36 * 1024 else 2 / 3
    return int(ram_mib * fraction), "Metal's default working set"


def parse(raw: dict) -> Result:
    if raw.get("system") not in ("darwin", None):
        return elsewhere(NAME, raw["system"])
    sysctl = parse_sysctl(raw["sysctl"].text) if raw.get("sysctl") is not None and raw["sysctl"].text else {}
    hw = hardware(raw)
    ram = to_int(sysctl.get("hw.memsize"))
    ram_mib = ram // 2**20 if ram else hw.get("memory")
    wired = to_int(sysctl.get("iogpu.wired_limit_mb")) or None
    gpus = []
    shown = displays(raw)
    if not shown and (hw.get("chip") or "").startswith("Apple M"):
        # Every Apple Silicon chip has its GPU; the hardware overview alone still names it.
        shown = [{"model": hw["chip"], "vendor": "sppci_vendor_Apple", "cores": None, "vram": None, "metal": None}]
    for i, d in enumerate(shown):
        model = d["model"]
        vendor = _vendor(d.get("vendor"), model)
        gpu = Draft(Gpu, index=i, vendor=vendor, name=model, source="system_profiler", gpu_cores=d.get("cores"),
                  metal_family=d.get("metal"))
        # "Vendor: AMD (0x1002)", "Device ID: 0x6860": the PCI ids of a discrete or Intel GPU
        vid = re.search(r"0x[0-9a-fA-F]{4}\b", d.get("vendor") or "")
        did = re.match(r"^0x[0-9a-fA-F]{4}$", (d.get("device_id") or "").strip())
        gpu.pci_vendor_id = vid.group(0).lower() if vid else None
        gpu.pci_device_id = did.group(0).lower() if did else None
        if vendor == "apple":
            gpu.unified_memory = gpu.integrated = True
            if ram_mib:
                gpu.memory_total_mib = ram_mib
                gpu.memory_usable_mib, how = working_set_mib(ram_mib, wired)
                gpu.status_reason = f"unified memory: the GPU may use {gpu.memory_usable_mib} MiB ({how})"
            spec = catalog.lookup(f"{model} ({d['cores']}-core GPU)" if d.get("cores") else model)
            if spec and spec.memory_bandwidth_gbps:
                # system_profiler prints no bandwidth: the catalogue's figure, said to be one (issue 13)
                gpu.memory_bandwidth_gbps = float(spec.memory_bandwidth_gbps)
                gpu.derived["memory_bandwidth_gbps"] = "catalogue"
            else:
                gpu.unavailable["memory_bandwidth_gbps"] = "chip not in the GPU catalogue"
        else:
            vram = size_mib(d.get("vram"))
            gpu.memory_total_mib = vram
            gpu.integrated = vendor == "intel"
            gpu.unified_memory = vendor == "intel"
        gpus.append(gpu.build())
    facts: dict = {"gpus": gpus}
    if not gpus:
        return Result(facts, "absent", "system_profiler listed no GPU" if raw.get("displays") or raw.get(
            "displays_text") else "no system_profiler output")
    return Result(facts)
