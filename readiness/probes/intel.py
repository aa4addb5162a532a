"""Intel GPUs: Arc and Battlemage discrete cards (with their own memory) and integrated ones
(sharing RAM), from sysfs (i915 lmem_total_bytes, xe tile*/physical_vram_size_bytes) and
xpu-smi when present (its per-device detail carries the memory size that mainline i915 hides)."""

from __future__ import annotations

import csv
import re

from readiness import data
from readiness.facts import Draft, Gpu, HostFacts
from readiness.host.base import cmd_key
from readiness.probes import drm
from readiness.probes.base import Result
from readiness.probes.util import bus_id, closed_json, json_in, to_float, to_int

NAME = "intel"
INTEL = "0x8086"
XPU_SMI = ["xpu-smi", "discovery", "-j"]
_MAX_REPLAYED = 8  # device ids asked of pasted outputs, which have no device list to go by


def detail_argv(device_id) -> list[str]:
    return ["xpu-smi", "discovery", "-d", str(device_id), "-j"]


# -- reading xpu-smi, JSON or its text table ---------------------------------------------------

_TEXT_KEYS = {"Device Type": "device_type", "Device Name": "device_name", "PCI BDF Address": "pci_bdf_address",
              "PCI Device ID": "pci_device_id", "Driver Version": "driver_version",
              "Memory Physical Size": "memory_physical_size"}


# xpu-smi 2.0's plain `xpu-smi`: a summary box like nvidia-smi's ("| GPU  Name  Persistence-M | Bus-Id ...",
# one row group per GPU between "+---+" rules, a long name wrapped onto the group's next row) (#14, b8)
_SUMMARY_HEAD = re.compile(r"^\|[ \t]{0,40}GPU[ \t]{1,8}Name\b.{0,200}\|[ \t]{0,8}Bus-Id\b", re.M)
_SUMMARY_FIRST = re.compile(r"(\d{1,3})[ \t]{1,8}(\S.{0,200}?)(?:[ \t]{2,40}(?:On|Off|N/A))?")
_SUMMARY_MEMORY = re.compile(r"(\d{1,9})[ \t]?MiB[ \t]{0,4}/[ \t]{0,4}(\d{1,9})[ \t]?MiB")


def _summary_devices(text: str) -> list[dict]:
    lines = text.split("\n")  # the lines the head pattern's ^ saw
    head = next((i for i, line in enumerate(lines) if _SUMMARY_HEAD.match(line)), None)
    out: list[dict] = []
    if head is None:
        return out
    group: dict | None = None
    for line in lines[head + 1:]:
        s = line.strip()
        if not s.startswith("|"):
            if group is not None and not s.startswith("+"):
                break  # the box ended
            group = None
            continue
        cells = [c.strip() for c in s.strip("|").split("|")]
        first = _SUMMARY_FIRST.fullmatch(cells[0])
        bus = re.fullmatch(r"([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])(?:[ \t].{0,40})?", cells[1] if len(cells) > 1 else "",
                           re.I)
        if group is None and first and bus:
            group = {"device_id": int(first.group(1)), "device_name": first.group(2).strip(),
                     "pci_bdf_address": bus.group(1)}
            out.append(group)
            continue
        if group is None:
            continue
        memory = _SUMMARY_MEMORY.search(" ".join(cells[1:]))
        if memory:
            group["memory_physical_size"] = f"{memory.group(2)} MiB"
        elif cells[0] and not any(cells[1:]) and "memory_physical_size" not in group:
            group["device_name"] += " " + cells[0]  # the name's wrapped tail
    return out


def devices(text: str | None) -> list[dict]:
    """Each device of an `xpu-smi discovery` answer: the list (-j or table) or one device's detail
    (-d N -j or table), as dicts with the JSON's key names."""
    if not text:
        return []
    doc = json_in(text)
    if doc is None and '"device_name"' in text:
        # a -j answer cut short (`discovery -j --dump`, every property of each device, overruns an
        # issue's excerpt): its complete members, the open objects closed (#14 b11)
        doc = closed_json(text)
    if isinstance(doc, dict):
        items = doc.get("device_list", [doc])
        return [d for d in items if isinstance(d, dict) and "device_name" in d]
    csv_rows = _dump_csv(text)
    if csv_rows is not None:
        return csv_rows
    if _SUMMARY_HEAD.search(text):
        # nvidia-smi's table has the same head row: only xpu-smi's banner, or Intel names, say which
        found = [] if "NVIDIA-SMI" in text else _summary_devices(text)
        return found if "XPU-SMI" in text or all("Intel" in d["device_name"] for d in found) else []
    # The table: bordered (| 0 | Device Name: ... |) up to xpu-smi 1.x, borderless columns in 2.x.
    out: list[dict] = []
    for line in text.splitlines():
        # one run of blanks, then an optional border: two adjacent \s* were quadratic on a long blank line (b8 fuzz)
        first = re.match(r"^\s*(?:\|\s*)?(\d+)\s*(?:\||\s{2,})", line)
        if first:
            out.append({"device_id": int(first.group(1))})
        # "Key: value" cells between "|" borders or runs of 2+ spaces: a split, not a search, so the
        # time is linear in the line (a search with lazy groups backtracked on long hostile lines)
        for cell in re.split(r"\||\s{2,}", line):
            key, colon, value = cell.partition(":")
            if out and colon and key.strip() in _TEXT_KEYS:
                out[-1][_TEXT_KEYS[key.strip()]] = value.strip()
    return [d for d in out if "device_name" in d]


_CSV_HEADER = re.compile(r"^[ \t]*Device ID,[ \t]*Device Name[ \t]*(?:,|$)", re.M)


def _dump_csv(text: str) -> list[dict] | None:
    """`xpu-smi discovery --dump 1,2,...`: a CSV under a header of the table's key names, one row a
    device (quoted fields, "N/A" for what it cannot read); None when the text is not one."""
    m = _CSV_HEADER.search(text[:200_000])
    if m is None:
        return None
    lines = []
    for line in text[m.start():].splitlines()[:65]:
        if not line.strip():
            break
        lines.append(line.strip())
    rows = list(csv.reader(lines))
    header = [_TEXT_KEYS.get(h.strip(), "device_id" if h.strip() == "Device ID" else None) for h in rows[0]]
    out = []
    for row in rows[1:]:
        d = {key: value.strip() for key, value in zip(header, row) if key and value.strip()}
        if to_int(d.get("device_id")) is not None and d.get("device_name"):
            out.append({**d, "device_id": to_int(d["device_id"])})
    return out


def _memory_bytes(d: dict) -> int | None:
    if d.get("memory_physical_size_byte") is not None:
        return to_int(d["memory_physical_size_byte"])
    text = d.get("memory_physical_size")  # the table's "32768.00 MiB"
    value = to_float(text)
    return int(value * 2**20) if value is not None and "MiB" in str(text) else None


def _is_xpu_smi_list(text: str) -> bool:
    # One device's detail is claimed first by _split_detail; a list may carry details too (newer
    # xpu-smi's `discovery -j` does, intel/xpumanager#127), and the parser reads them either way.
    return bool(devices(text))


def _split_detail(text: str) -> dict[str, str]:
    """A pasted `discovery -d N` answers the question for device N."""
    found = devices(text)
    if len(found) == 1 and (_memory_bytes(found[0]) or "driver_version" in found[0]):
        return {cmd_key(detail_argv(to_int(found[0].get("device_id")) or 0)): text}
    return {}


FORMATS = [(cmd_key(XPU_SMI), _is_xpu_smi_list)]
SPLITTERS = [_split_detail]


def collect(host) -> dict:
    listing = host.run(XPU_SMI)
    ids = [to_int(d.get("device_id")) for d in devices(listing.text)]
    if not listing.ok and host.system is None:
        ids = list(range(_MAX_REPLAYED))
    raw: dict = {"system": host.system, "xpu_smi": listing,
                 "xpu_smi_detail": [host.run(detail_argv(i)) for i in ids if i is not None]}
    if host.system in ("linux", None):
        raw["sysfs"] = drm.cards(host, INTEL)
    return raw


# -- pure parsing -------------------------------------------------------------------------------

def _discrete_ids() -> dict[str, str]:
    return {dev: row["name"] for row in data.rows("intel_gpus", "gpu") for dev in row["device_ids"]}


def _device_id(value) -> str | None:
    text = str(value or "").strip().lower()
    return f"0x{int(text, 16):04x}" if re.fullmatch(r"0x[0-9a-f]+", text) else None


def parse(raw: dict) -> Result:
    names = _discrete_ids()
    gpus: list[Gpu] = []
    listed: dict = {}
    for d in devices(getattr(raw.get("xpu_smi"), "text", None)):
        listed[bus_id(d.get("pci_bdf_address")) or len(listed)] = d
    for answer in raw.get("xpu_smi_detail") or []:
        for d in devices(answer.text):
            key = bus_id(d.get("pci_bdf_address")) or to_int(d.get("device_id"))
            listed[key] = {**listed.get(key, {}), **d}
    cards = (raw.get("sysfs") or {}).get("cards", {})
    seen = set()
    for name, card in sorted(cards.items(), key=lambda kv: to_int(kv[0]) or 0):
        link = card["link"].value if card["link"].ok else None
        bus = bus_id(link.rsplit("/", 1)[-1] if link else None)
        dev = (card["device"].text or "").strip().lower() or None
        lmem = to_int(card["lmem_total_bytes"].text) if card["lmem_total_bytes"].text else None
        tiles = [to_int(t.text) for t in card.get("tile_sizes", []) if t.text]
        x = listed.get(bus) or {}
        local = lmem or (sum(tiles) if tiles else None)
        discrete = True if dev in names or local else (False if dev else None)
        local = local or (_memory_bytes(x) if discrete else None)
        gpu = Draft(Gpu, index=len(gpus), vendor="intel", name=names.get(dev or ""), source="drm", pci_bus_id=bus,
                  pci_vendor_id=INTEL, pci_device_id=dev,
                  kernel_driver=card["driver"].value.rsplit("/", 1)[-1] if card["driver"].ok else None,
                  memory_total_mib=local // 2**20 if local else None, integrated=None if discrete is None else not discrete,
                  unified_memory=None if discrete is None else not discrete)
        if x:
            gpu.name = gpu.name or x.get("device_name")
            gpu.driver_version = x.get("driver_version")
            gpu.source = "xpu-smi"
        if discrete and local is None:
            # Mainline i915 never had lmem_total_bytes; only Intel's out-of-tree backport does
            # (intel/intel-device-plugins-for-kubernetes#1882 shows it missing on a stock 6.8 kernel).
            gpu.unavailable["memory_total_mib"] = (
                "the driver exposes no local-memory size: mainline i915 has no lmem_total_bytes "
                "(the xe driver's tile*/physical_vram_size_bytes, or xpu-smi, give it)")
        gpus.append(gpu.build())
        seen.add(bus)
    for key, d in listed.items():
        if key in seen:
            continue
        dev = _device_id(d.get("pci_device_id"))
        local = _memory_bytes(d)
        kind = str(d.get("device_type") or "").lower()  # xpu-smi 2.x: "Discrete GPU" / "Integrated GPU"
        # xpu-smi 1.x supports Intel's discrete GPUs only (Arc, Data Center Flex and Max, per
        # intel/xpumanager's README): one it lists with a memory size is discrete.
        discrete = False if "integrated" in kind else (True if "discrete" in kind or dev in names or local else None)
        gpu = Draft(Gpu, index=len(gpus), vendor="intel", name=d.get("device_name"), source="xpu-smi",
                  pci_bus_id=key if isinstance(key, str) else None, pci_vendor_id=INTEL, pci_device_id=dev,
                  driver_version=d.get("driver_version"), memory_total_mib=local // 2**20 if local else None,
                  integrated=None if discrete is None else not discrete,
                  unified_memory=None if discrete is None else not discrete)
        if discrete is not False and local is None:
            gpu.unavailable["memory_total_mib"] = "xpu-smi gave no memory size (`xpu-smi discovery -d N` shows it)"
        gpus.append(gpu.build())
    if not gpus:
        return Result({"gpus": []}, "absent", "no Intel GPU found")
    facts: dict = {"gpus": gpus}
    # the -j list's (and --dump's) kernel_version: the host's kernel release (#14 b11)
    kernels = [str(d.get("kernel_version")).strip() for d in listed.values()
               if _KERNEL.fullmatch(str(d.get("kernel_version") or "").strip())]
    if kernels:
        facts["host_fill"] = [HostFacts(kernel=kernels[0])]
    return Result(facts)


_KERNEL = re.compile(r"\d{1,2}\.\d{1,3}(?:\.\d{1,4})?(?:[-+.~_][\w.+~-]{1,80})?")
