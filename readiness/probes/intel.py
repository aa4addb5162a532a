"""Intel GPUs: Arc and Battlemage discrete cards (with their own memory) and integrated ones
(sharing RAM), from sysfs (i915 lmem_total_bytes, xe tile*/physical_vram_size_bytes) and
xpu-smi when present."""

from __future__ import annotations

import json
import re

from readiness import data
from readiness.facts import Gpu
from readiness.probes import Result, amd
from readiness.probes.util import to_int

NAME = "intel"
INTEL = "0x8086"
XPU_SMI = ["xpu-smi", "discovery", "-j"]


def _is_xpu_smi_json(text: str) -> bool:
    start = text.find("{")
    doc = json.loads(text[start:]) if start >= 0 else None
    return isinstance(doc, dict) and isinstance(doc.get("device_list"), list)


def _key(argv):
    from readiness.host.base import cmd_key

    return cmd_key(argv)


FORMATS = [(_key(XPU_SMI), _is_xpu_smi_json)]


def collect(host) -> dict:
    raw: dict = {"system": host.system, "xpu_smi": host.run(XPU_SMI)}
    if host.system in ("linux", None):
        raw["sysfs"] = amd.sysfs(host, INTEL)
    return raw


def _discrete_ids() -> dict[str, str]:
    return {dev: row["name"] for row in data.rows("intel_gpus", "gpu") for dev in row["device_ids"]}


def parse(raw: dict) -> Result:
    names = _discrete_ids()
    gpus: list[Gpu] = []
    xpu = raw.get("xpu_smi")
    listed = {}
    if xpu is not None and xpu.text:
        try:
            doc = json.loads(xpu.text[xpu.text.find("{"):])
            for d in doc.get("device_list", []):
                bus = amd._bus(d.get("pci_bdf_address"))
                listed[bus or len(listed)] = d
        except ValueError:
            pass
    cards = (raw.get("sysfs") or {}).get("cards", {})
    seen = set()
    for name, card in sorted(cards.items(), key=lambda kv: to_int(kv[0]) or 0):
        link = card["link"].value if card["link"].ok else None
        bus = amd._bus(link.rsplit("/", 1)[-1] if link else None)
        dev = (card["device"].text or "").strip().lower() or None
        lmem = to_int(card["lmem_total_bytes"].text) if card["lmem_total_bytes"].text else None
        tiles = [to_int(t.text) for t in card.get("tile_sizes", []) if t.text]
        local = lmem or (sum(tiles) if tiles else None)
        discrete = True if dev in names or local else (False if dev else None)
        gpu = Gpu(index=len(gpus), vendor="intel", name=names.get(dev or ""), source="drm", pci_bus_id=bus,
                  pci_vendor_id=INTEL, pci_device_id=dev,
                  kernel_driver=card["driver"].value.rsplit("/", 1)[-1] if card["driver"].ok else None,
                  memory_total_mib=local // 2**20 if local else None, integrated=None if discrete is None else not discrete,
                  unified_memory=None if discrete is None else not discrete)
        x = listed.get(bus)
        if x:
            gpu.name = gpu.name or x.get("device_name")
            gpu.source = "xpu-smi"
        if discrete and local is None:
            # Mainline i915 never had lmem_total_bytes; only Intel's out-of-tree backport does
            # (intel/intel-device-plugins-for-kubernetes#1882 shows it missing on a stock 6.8 kernel).
            gpu.unavailable["memory_total_mib"] = (
                "the driver exposes no local-memory size: mainline i915 has no lmem_total_bytes "
                "(the xe driver's tile*/physical_vram_size_bytes, or xpu-smi, give it)")
        gpus.append(gpu)
        seen.add(bus)
    for key, d in listed.items():
        if key in seen:
            continue
        dev = d.get("pci_device_id", "").lower()
        dev = f"0x{int(dev, 16):04x}" if re.fullmatch(r"0x[0-9a-f]+", dev) else None
        gpus.append(Gpu(index=len(gpus), vendor="intel", name=d.get("device_name"), source="xpu-smi",
                        pci_bus_id=key if isinstance(key, str) else None, pci_vendor_id=INTEL, pci_device_id=dev))
    if not gpus:
        return Result({"gpus": []}, "absent", "no Intel GPU found")
    return Result({"gpus": gpus})
