"""AMD GPUs: the amdsmi bindings, then amd-smi, then rocm-smi, then sysfs, each tried only if the
one before gave nothing. APUs get their BIOS carve-out (VRAM) and GTT reported separately, and the
memory a model can really use; RAM is never counted twice."""

from __future__ import annotations

import re

from readiness import data
from readiness.facts import Draft, Gpu
from readiness.host.base import Answer, cmd_key
from readiness.probes import drm
from readiness.probes.base import Result
from readiness.probes.rocm_smi import (_clean, _is_rocm_smi_json, _is_rocm_smi_text, _watts, is_showhw_lines,
                                       parse_rocm_smi_json, parse_rocm_smi_text)
from readiness.probes.util import bus_id, closed_json, json_in, mib, size_mib, timed_out, to_int
from readiness.facts import HostFacts

NAME = "amd"
AMD = "0x1002"
ROCM_SMI = ["rocm-smi", "--showproductname", "--showmeminfo", "vram", "gtt", "--showdriverversion", "--showbus",
            "--json"]
ROCM_SMI_TEXT = ["rocm-smi"]
AMD_SMI_STATIC = ["amd-smi", "static", "--json"]
AMD_SMI_STATIC_TEXT = ["amd-smi", "static"]
AMD_SMI_LIST = ["amd-smi", "list"]
AMD_SMI_VERSION = ["amd-smi", "version"]
# plain `amd-smi` (ROCm 7): its bordered overview table. Only a paste is asked for it (the key names
# the format for --from); on a live host `amd-smi static` says all it says, and `amd-smi default` is no command.
AMD_SMI_DEFAULT = ["amd-smi", "default"]
# `amd-smi metric` (usage, power, clocks, memory use): read from a paste only, as the default table is (#14 b12)
AMD_SMI_METRIC = ["amd-smi", "metric"]
_PASTE_ONLY = (AMD_SMI_DEFAULT, AMD_SMI_METRIC)


# `amd-smi version`: `AMDSMI Tool: 25.4.2+aca1101 | AMDSMI Library version: 25.4.0 | ROCm version: 6.4.1 |
# amdgpu version: 6.10.5 | ...`, one line; its amdgpu version is the driver of every GPU (#14 b11)
_AMDGPU_VERSION = r"amdgpu version:[ \t]*(\d{1,3}(?:\.\d{1,4}){1,3})\b"
_VERSION_LINE = re.compile(r"^AMDSMI Tool:[^\n]{0,200}?\|[ \t]*" + _AMDGPU_VERSION, re.M)


def _is_amd_smi_version(text: str) -> bool:
    return bool(_VERSION_LINE.search(text))


def parse_amd_smi_version(text: str) -> str | None:
    m = _VERSION_LINE.search(text or "")
    return m.group(1) if m else None


def _static_items(text: str) -> list:
    """`amd-smi static --json`'s GPUs: a bare list, or the list under newer amd-smi's `gpu_data` root,
    whole or cut short by an issue's length limit (closed after its last complete member: a cut bare
    list is its first GPU's object), after whatever lines came before it (Python's SyntaxWarnings of
    amdsmi_interface.py, #14 b15)."""
    doc = json_in(text)
    if doc is None:
        doc = closed_json(text)
        if isinstance(doc, dict) and "asic" in doc:
            doc = [doc]
    items = doc if isinstance(doc, list) else doc.get("gpu_data") if isinstance(doc, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _is_amd_smi_static_json(text: str) -> bool:
    return any("asic" in i for i in _static_items(text))


def _is_amd_smi_static_text(text: str) -> bool:
    return bool(re.search(r"^GPU: \d+\s*$", text, re.M)) and "ASIC:" in text


# `| AMD-SMI 26.1.0+5cbef4e7      amdgpu version: 6.12.12  ROCm version: 7.9.0    |` and, below the
# `BDF   GPU-Name | Mem-Uti ...` header, one two-line cell per GPU: `| 0000:63:00.0 AMD Radeon RX 7900 XTX |
# 0 %  29 °C  0   47/327 W |` then `|   0   0   N/A   N/A | 1 %  0.0 %   27/24560 MB |` (#14 b11)
_DEFAULT_BANNER = re.compile(r"^\|[ \t]?AMD-SMI[ \t]+\d{1,3}\.\d[^|\n]{0,120}\|", re.M)
_DEFAULT_HEAD = re.compile(r"^\|[ \t]*BDF[ \t]+GPU-Name[ \t]*\|", re.M)
_DEFAULT_ROW = re.compile(r"^\|[ \t]{0,3}([0-9a-fA-F]{4,8}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7])[ \t]+([^|\n]{1,80}?)[ \t]*\|"
                          r"([^|\n]{0,120})\|?[ \t]*$", re.M)
_SLASH = re.compile(r"(?<![\d.])(\d{1,7}(?:\.\d{1,3})?)/(\d{1,7}(?:\.\d{1,3})?)[ \t]?(W|MB)\b")


def _is_amd_smi_default(text: str) -> bool:
    return bool(_DEFAULT_BANNER.search(text)) and bool(_DEFAULT_HEAD.search(text))


def parse_amd_smi_default(text: str) -> list[dict]:
    """amd-smi's default table: the bus id and name of each GPU's first line, its `used/cap W`, and
    `used/total MB` (MiB) of the line below; the banner's `amdgpu version:` is the driver."""
    head = _DEFAULT_HEAD.search(text)
    if not head or not _DEFAULT_BANNER.search(text):
        return []
    drv = re.search(_AMDGPU_VERSION, text)
    lines = text[head.end():].splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _DEFAULT_ROW.match(line)
        if not m:
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) and not _DEFAULT_ROW.match(lines[i + 1]) else ""
        power = {u: (a, b) for a, b, u in _SLASH.findall(m.group(3))}
        mem = {u: (a, b) for a, b, u in _SLASH.findall(nxt.split("|", 2)[2] if nxt.count("|") >= 2 else "")}
        used, total = mem.get("MB", (None, None))
        out.append({"index": len(out), "name": _clean(m.group(2)), "device_id": None, "gfx_target": None,
                    "pci_bus_id": bus_id(m.group(1)), "vram_mib": to_int(total), "vram_used_mib": to_int(used),
                    "driver_version": drv.group(1) if drv else None,
                    "power_limit_w": _watts(power["W"][1]) if "W" in power else None})
    return out


def _is_amd_smi_metric(text: str) -> bool:
    return bool(re.search(r"^GPU: \d+\s*$", text, re.M)) and "ASIC:" not in text and bool(
        re.search(r"^[ \t]+USAGE:[ \t]*$", text, re.M)) and bool(re.search(r"^[ \t]+GFX_ACTIVITY:", text, re.M))


def _is_amd_smi_list(text: str) -> bool:
    return bool(re.search(r"^GPU: \d+\s*$", text, re.M)) and "BDF:" in text and "ASIC:" not in text


FORMATS = [
    (cmd_key(AMD_SMI_STATIC), _is_amd_smi_static_json),
    (cmd_key(AMD_SMI_STATIC_TEXT), _is_amd_smi_static_text),
    (cmd_key(AMD_SMI_LIST), _is_amd_smi_list),
    (cmd_key(AMD_SMI_DEFAULT), _is_amd_smi_default),
    (cmd_key(AMD_SMI_METRIC), _is_amd_smi_metric),
    (cmd_key(AMD_SMI_VERSION), _is_amd_smi_version),
    (cmd_key(ROCM_SMI), _is_rocm_smi_json),
    (cmd_key(ROCM_SMI_TEXT), _is_rocm_smi_text),
]


# under `rocm-smi ... | grep ...`: the showhw table's header and the rows grep kept (#14 b16)
FRAGMENTS = [("rocm-smi | grep", cmd_key(ROCM_SMI_TEXT), is_showhw_lines)]


def collect(host) -> dict:
    raw: dict = {"system": host.system, "rocm_version": host.read_file("/opt/rocm/.info/version")}
    raw["amdsmi"] = host.call("amdsmi")
    usable = raw["amdsmi"].ok and raw["amdsmi"].value.get("status") == "ok"
    replayed = getattr(host, "replayed", False)
    if not usable:
        for name, argv in (("amd_smi", AMD_SMI_STATIC), ("amd_smi_text", AMD_SMI_STATIC_TEXT),
                           ("amd_smi_list", AMD_SMI_LIST), ("amd_smi_default", AMD_SMI_DEFAULT), ("amd_smi_metric", AMD_SMI_METRIC),
                           ("rocm_smi", ROCM_SMI),
                           ("rocm_smi_text", ROCM_SMI_TEXT)):
            if argv in _PASTE_ONLY and not replayed:
                continue
            raw[name] = host.run(argv)
            # a paste may hold `amd-smi list` and `amd-smi static` both: parse merges them
            if raw[name].ok and raw[name].text and raw[name].text.strip() and not (
                    replayed and name.startswith("amd_smi")):
                break
            if raw[name].status == "absent" and "not found on PATH" in (raw[name].reason or "") and name.startswith("amd_smi"):
                continue
    if replayed:  # a paste's `amd-smi version` line: the driver rocm-smi's text lacks
        raw["amd_smi_version"] = host.run(AMD_SMI_VERSION)
    if host.system in ("linux", None):
        raw["sysfs"] = drm.cards(host, AMD)
    return raw


# -- pure parsing -------------------------------------------------------------------------------

def _table() -> dict[str, dict]:
    return {r["device_id"].lower(): r for r in data.rows("amd_gpus", "gpu")} if _has_table() else {}


def _has_table() -> bool:
    from readiness.data import DATA_DIR

    return (DATA_DIR / "amd_gpus.toml").exists()


def _size_mib(node) -> int | None:
    """amd-smi's {"value": 8176, "unit": "MB"} (MB here means MiB) or "8176 MB"."""
    if isinstance(node, dict):
        node = f"{node.get('value')} {node.get('unit', 'MB')}" if isinstance(node.get("value"), (int, float)) else None
    return size_mib(node)


def parse_amd_smi_static(text: str) -> list[dict]:
    out = []
    for i, g in enumerate(_static_items(text)):
        asic, bus, vram, driver = g.get("asic", {}), g.get("bus", {}), g.get("vram", {}), g.get("driver", {})
        out.append({"index": g.get("gpu", i), "name": _clean(asic.get("market_name")), "device_id": asic.get("device_id"),
                    "gfx_target": _clean(asic.get("target_graphics_version")), "pci_bus_id": bus_id(bus.get("bdf")),
                    "vram_mib": _size_mib(vram.get("size")), "driver_version": _driver_version(driver.get("version")),
                    **_bus_and_driver(bus.get("max_pcie_width"), bus.get("pcie_interface_version"), driver.get("name"),
                                      driver.get("os_kernel_version"))})
    return out


def _bus_and_driver(width, interface, driver_name, kernel) -> dict:
    """BUS's MAX_PCIE_WIDTH and PCIE_INTERFACE_VERSION ("Gen 5"), DRIVER's NAME and the
    OS_KERNEL_VERSION that ROCm 7's amd-smi prints under it."""
    gen = re.fullmatch(r"(?:Gen|PCIe)\s?(\d{1,2})", str(_clean(interface) or ""), re.I)
    return {"pcie_width_max": to_int(_clean(width)), "pcie_generation_max": int(gen.group(1)) if gen else None,
            "kernel_driver": _clean(driver_name), "kernel": _clean(kernel)}


# amd-smi's stand-in when the GPU has no unique id: 00ff + the device id, then zeros. Every card
# of one model prints the same one (ROCm issue 5480), so it names no GPU.
_PLACEHOLDER_UUID = re.compile(r"[0-9a-f]{4}[0-9a-f]{4}-0000-1000-8000-0{12}", re.I)


def _uuid(value) -> str | None:
    value = _clean(value)
    return None if not value or _PLACEHOLDER_UUID.fullmatch(value) else value.lower()


def _driver_version(value) -> str | None:
    """The in-kernel amdgpu driver's version is the kernel's; some amd-smi builds print the whole
    /proc/version with its spaces squeezed out ("Linuxversion6.17.0-1012-oem(buildd@...)...")."""
    value = _clean(value)
    m = re.match(r"Linux\s*version\s*([^\s(]+)", value or "")
    return m.group(1) if m else value


def _text_sections(block: str) -> dict[str, dict[str, str]]:
    """amd-smi's text form: top-level sections (ASIC:, BUS:, VRAM:, DRIVER: ...) with their
    keys. Keys repeat across sections (VERSION is in IFWI and DRIVER, SIZE in VRAM and CACHE_INFO)."""
    sections: dict[str, dict[str, str]] = {}
    current = ""
    for line in block.splitlines():
        m = re.match(r"^( *)([A-Z0-9_]+):\s*(.*)$", line)
        if not m:
            continue
        indent, key, value = len(m.group(1)), m.group(2), m.group(3).strip()
        if not value and indent <= 4:
            current = key
            continue
        sections.setdefault(current, {}).setdefault(key, value)
    return sections


def _blocks(text: str) -> list[tuple[int | None, str]]:
    """The "GPU: N" blocks of amd-smi's text outputs; one GPU's blocks from several commands in
    one paste (`amd-smi list` then `amd-smi static`) are one block (amd-smi numbers GPUs alike
    in every command). An AI_NIC block (a Pensando NIC) is no GPU's."""
    merged: dict = {}
    for block in re.split(r"(?m)^(?=[A-Z_]{2,20}: \d)", text):
        head = re.match(r"GPU: (\d{1,4})", block)
        if not head:
            continue
        index = int(head.group(1))
        merged[index] = merged.get(index, "") + "GPU:\n" + block.split("\n", 1)[-1] + "\n"
    return list(merged.items())


def parse_amd_smi_static_text(text: str) -> list[dict]:
    out = []
    for index, block in _blocks(text):
        sec = _text_sections(block)
        asic, board, vram, bus = sec.get("ASIC", {}), sec.get("BOARD", {}), sec.get("VRAM", {}), sec.get("BUS", {})
        driver, used = sec.get("DRIVER", {}), sec.get("MEM_USAGE", {})  # MEM_USAGE: amd-smi metric's
        out.append({"index": index,
                    "name": _clean(asic.get("MARKET_NAME") or board.get("PRODUCT_NAME")),
                    "device_id": asic.get("DEVICE_ID"), "gfx_target": _clean(asic.get("TARGET_GRAPHICS_VERSION")),
                    "pci_bus_id": bus_id(bus.get("BDF") or sec.get("GPU", {}).get("BDF")),
                    "vram_mib": _size_mib(vram["SIZE"]) if "SIZE" in vram else
                    (_size_mib(used["TOTAL_VRAM"]) if "TOTAL_VRAM" in used else None),
                    "driver_version": _driver_version(driver.get("VERSION")),
                    "uuid": _uuid(sec.get("GPU", {}).get("UUID") or asic.get("UUID")),
                    **_bus_and_driver(bus.get("MAX_PCIE_WIDTH"), bus.get("PCIE_INTERFACE_VERSION"), driver.get("NAME"),
                                      driver.get("OS_KERNEL_VERSION"))})
    return out


def parse_amd_smi_list(text: str) -> list[dict]:
    out = []
    for index, block in _blocks(text):
        bdf = re.search(r"BDF:\s*(\S+)", block)
        uuid = re.search(r"UUID:\s*(\S+)", block)
        out.append({"index": index, "name": None, "device_id": None, "gfx_target": None,
                    "pci_bus_id": bus_id(bdf.group(1) if bdf else None), "vram_mib": None, "driver_version": None,
                    "uuid": _uuid(uuid.group(1)) if uuid else None})
    return out


def parse_sysfs(raw: dict) -> list[dict]:
    out = []
    for name, card in sorted((raw or {}).get("cards", {}).items(), key=lambda kv: to_int(kv[0]) or 0):
        link = card["link"].value if card["link"].ok else None
        out.append({"index": to_int(name), "name": None, "device_id": (card["device"].text or "").strip().lower() or None,
                    "gfx_target": None, "pci_bus_id": bus_id(link.rsplit("/", 1)[-1] if link else None),
                    "vram_mib": mib(to_int(card["mem_info_vram_total"].text)),
                    "vram_used_mib": mib(to_int(card["mem_info_vram_used"].text)),
                    "gtt_mib": mib(to_int(card["mem_info_gtt_total"].text)),
                    "driver_version": None,
                    "kernel_driver": card["driver"].value.rsplit("/", 1)[-1] if card["driver"].ok else None})
    return out


def _from_amdsmi(snap: dict) -> list[dict]:
    out = []
    for d in snap.get("devices", []):
        v = lambda k: (d.get(k) or {}).get("v")  # noqa: E731
        asic = v("asic") or {}
        out.append({"index": d["index"], "name": _clean(asic.get("market_name")), "device_id": asic.get("device_id"),
                    "gfx_target": _clean(asic.get("target_graphics_version")), "pci_bus_id": bus_id(v("bdf")),
                    "vram_mib": mib(to_int(v("vram_total"))), "vram_used_mib": mib(to_int(v("vram_used"))),
                    "gtt_mib": mib(to_int(v("gtt_total"))), "driver_version": _clean((v("driver") or {}).get("driver_version"))})
    return out


def _merge(primary: list[dict], extra: list[dict], key: str | None = None) -> list[dict]:
    """Fill what a tool left out from sysfs, matching by PCI bus id (or by position, or by `key`)."""
    by_bus = {e["pci_bus_id"]: e for e in extra if e.get("pci_bus_id")}
    by_key = {e[key]: e for e in extra if key and e.get(key) is not None}
    for i, p in enumerate(primary):
        if key:
            other = by_bus.get(p.get("pci_bus_id")) if p.get("pci_bus_id") else by_key.get(p.get(key))
            if other is None and p.get(key) in by_key and not by_key[p[key]].get("pci_bus_id"):
                other = by_key[p[key]]
        else:
            other = by_bus.get(p.get("pci_bus_id")) or (extra[i] if i < len(extra) and not p.get("pci_bus_id") else None)
        if other:
            for k, val in other.items():
                if p.get(k) is None:
                    p[k] = val
    return primary or extra


def parse(raw: dict) -> Result:
    table = _table()
    rows, source, driver = [], None, None
    snap = raw.get("amdsmi")
    if snap is not None and snap.ok and snap.value.get("status") == "ok":
        rows, source = _from_amdsmi(snap.value), "amdsmi"
    for key, parser, label in (("amd_smi", parse_amd_smi_static, "amd-smi"),
                               ("amd_smi_text", parse_amd_smi_static_text, "amd-smi"),
                               ("amd_smi_list", parse_amd_smi_list, "amd-smi"),
                               ("amd_smi_default", parse_amd_smi_default, "amd-smi"),
                               ("amd_smi_metric", parse_amd_smi_static_text, "amd-smi"),
                               ("rocm_smi", parse_rocm_smi_json, "rocm-smi"),
                               ("rocm_smi_text", parse_rocm_smi_text, "rocm-smi")):
        answer = raw.get(key)
        if answer is None or not answer.text or (rows and not (source == label == "amd-smi")):
            continue
        try:
            parsed = parser(answer.text)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if isinstance(parsed, tuple):
            parsed, driver = parsed
        if parsed and rows:
            # `amd-smi list` and `amd-smi static` of one machine (one paste) are the same GPUs
            # by bus id, or by amd-smi's GPU number: what one printed fills what the other left out
            rows = _merge(rows, parsed, key="index")
        elif parsed:
            rows, source = parsed, label
    sys_rows = parse_sysfs(raw.get("sysfs"))
    if rows:
        rows = _merge(rows, sys_rows)
    elif sys_rows:
        rows, source = sys_rows, "drm"
    version = raw.get("amd_smi_version")
    if version is not None and version.text and rows and not any(r.get("driver_version") for r in rows) and not driver:
        driver = parse_amd_smi_version(version.text)
    rocm = raw["rocm_version"].text.strip() if raw.get("rocm_version") is not None and raw["rocm_version"].text else None
    facts: dict = {"stack": {"rocm": {"version": rocm}}, "gpus": []}
    kernels = [r["kernel"] for r in rows if r.get("kernel")]  # amd-smi static's DRIVER OS_KERNEL_VERSION
    if kernels:
        facts["host_fill"] = [HostFacts(kernel=kernels[0])]
    for i, r in enumerate(rows):
        dev = (r.get("device_id") or "").lower() or None
        row = table.get(dev or "", {})
        apu = bool(row.get("apu")) if row else None
        vram, gtt = r.get("vram_mib"), r.get("gtt_mib")
        gpu = Draft(Gpu, index=i, vendor="amd", name=r.get("name") or row.get("name"), source=source,
                  pci_bus_id=r.get("pci_bus_id"), pci_vendor_id=AMD, pci_device_id=dev,
                  driver_version=r.get("driver_version") or driver, kernel_driver=r.get("kernel_driver"),
                  memory_total_mib=vram, integrated=apu, unified_memory=apu)
        gpu.gfx_target = r.get("gfx_target") or row.get("gfx_target")
        gpu.memory_gtt_mib = gtt
        gpu.uuid, gpu.pcie_width_max = r.get("uuid"), r.get("pcie_width_max")
        gpu.pcie_generation_max = r.get("pcie_generation_max")
        if r.get("power_limit_w") is not None:
            gpu.power_limit_w = r["power_limit_w"]
        if vram is not None and r.get("vram_used_mib") is not None:
            gpu.memory_used_mib = r["vram_used_mib"]
            # more used than the total (a garbled row, fuzz #19): free is unknown, never negative
            gpu.memory_free_mib = vram - r["vram_used_mib"] if r["vram_used_mib"] <= vram else None
        if apu and vram is not None and gtt is not None:
            # An APU's GPU can use its BIOS carve-out plus the GTT window into system RAM; the
            # carve-out is already missing from the RAM the OS reports, so nothing is counted twice.
            gpu.memory_usable_mib = vram + gtt
        elif apu is False and gpu.memory_free_mib is not None:
            gpu.memory_usable_mib = gpu.memory_free_mib
        if vram is None:
            gpu.unavailable["memory_total_mib"] = f"{source} reported no memory size for this GPU"
        if apu is None:
            gpu.unavailable["integrated"] = (f"device id {dev} not in readiness/data/amd_gpus.toml" if dev else
                                             f"{source} did not report the device id")
        facts["gpus"].append(gpu.build())
    if not rows:
        # a hung tool is said by name: the tools tried after it answer "not found" (#19 item 10; an
        # amd-smi that hung read "no AMD GPU found (rocm-smi not found on PATH)", benchmarks/hangs.py)
        late = list(dict.fromkeys(timed_out({k: v for k, v in raw.items() if isinstance(v, Answer)})))
        late = [r for r in late if not r.startswith("not run:")] or late  # the skipped repeats say it again
        if late:
            return Result(facts, "timeout", "; ".join(late))
        why = [a.reason for a in (raw.get("amdsmi"), raw.get("rocm_smi")) if a is not None and a.reason]
        return Result(facts, "absent", "no AMD GPU found" + (f" ({why[0]})" if why else ""))
    return Result(facts, "ok", None if source != "drm" else "from sysfs only: no amd-smi or rocm-smi answered")
