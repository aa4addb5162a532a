"""The one walk over the kernel's DRM cards that the AMD and Intel probes share (the host asks
each question once per run, so both vendors' probes cost one listing)."""

from __future__ import annotations

import re

DRM = "/sys/class/drm"


def cards(host, vendor: str) -> dict:
    """DRM cards of one PCI vendor (``"0x1002"``): ids, memory files and the PCI address."""
    listing = host.list_dir(DRM)
    cards = {}
    for name in listing.value if listing.ok else []:
        if not re.fullmatch(r"card\d+", name):
            continue
        v = host.read_file(f"{DRM}/{name}/device/vendor")
        if (v.text or "").strip().lower() != vendor:
            continue
        base = f"{DRM}/{name}/device"
        card = {"device": host.read_file(f"{base}/device"), "link": host.read_link(f"{DRM}/{name}/device"),
                "driver": host.read_link(f"{base}/driver")}
        for f in ("mem_info_vram_total", "mem_info_vram_used", "mem_info_gtt_total", "mem_info_vis_vram_total",
                  "lmem_total_bytes"):
            card[f] = host.read_file(f"{base}/{f}")
        card["tiles"] = host.call("glob", f"{base}/tile*/physical_vram_size_bytes")
        if card["tiles"].ok:
            card["tile_sizes"] = [host.read_file(p) for p in card["tiles"].value]
        cards[name] = card
    return {"listing": listing, "cards": cards}
