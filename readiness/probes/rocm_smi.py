"""rocm-smi's outputs (the `--json` report, the `GPU[0] : key: value` report, `--csv` and the concise
tables of ROCm 1.x to 7), read apart from amd.py, which chooses between the AMD tools. Pure: text in, rows out."""

from __future__ import annotations

import re

from readiness.probes.util import bus_id, closed_json, json_in, mib, to_int


def _rocm_json(text: str):
    doc = json_in(text)
    return doc if doc is not None else closed_json(text)


def _is_rocm_smi_json(text: str) -> bool:
    doc = _rocm_json(text)
    return isinstance(doc, dict) and any(k.startswith("card") and isinstance(v, dict) for k, v in doc.items())


_CSV_HEAD = re.compile(r"^device,[A-Za-z]", re.M)


# a ROCm 6.0 concise row cut from its table (no banner, no header): `0  [0x0518 : 0xc0]  N/A ... 0%  0%`,
# the device number, [model : revision], and the row's closing VRAM% GPU% cells (#14 b11)
_BARE_ROW = re.compile(r"^(\d{1,3})[ \t]+\[0x[0-9a-fA-F]{4}[ \t]?:[ \t]?0x[0-9a-fA-F]{2}\][ \t][^\n]{0,200}?"
                       r"[ \t]\d{1,3}%[ \t]+\d{1,3}%[ \t]*$", re.M)


def _is_rocm_smi_text(text: str) -> bool:
    return "ROCm System Management Interface" in text or bool(re.search(r"^GPU\[\d+\]\s*:", text, re.M)) \
        or (bool(_CSV_HEAD.search(text)) and bool(re.search(r"^card\d+,", text, re.M))) or bool(_BARE_ROW.search(text))


# `rocm-smi --showhw`'s table (ROCm 5.x-6.x): a header `GPU  NODE  DID  GUID  GFX VER ... BUS ...` over one row
# a GPU. Header labels may hold one space (`GFX VER`), so the header is cut at runs of two; the cells hold
# none. Under `rocm-smi --showhw | grep -i gfx` only the header and its rows are left (#14 b16).
_SHOWHW_HEAD = re.compile(r"^[ \t]{0,8}GPU[ \t]{2,20}NODE[ \t]{2,20}DID[ \t][^\n]{0,400}$", re.M)


def showhw_rows(text: str) -> dict[int, dict]:
    """{gpu: {label: cell}} of the showhw table, for the rows with one cell a header label."""
    head = _SHOWHW_HEAD.search(text)
    if not head:
        return {}
    labels = [h.lower() for h in re.split(r"[ \t]{2,}", head.group(0).strip())]
    rows: dict[int, dict] = {}
    for line in text[head.end():].split("\n"):
        cells = line.split()
        if len(cells) == len(labels) and cells[0].isdigit():
            rows[int(cells[0])] = dict(zip(labels, cells))
    return rows


def is_showhw_lines(text: str) -> bool:
    """Every line the showhw header or one of its rows (what `| grep` kept), and a row among them."""
    lines = [line for line in text.split("\n") if line.strip()]
    rows = showhw_rows(text)
    return bool(rows) and len(lines) == len(rows) + 1


def _card_model_id(value) -> str | None:
    """A hex PCI id such as "0x740f". rocm-smi 6.x prints the device id as "Card Model" next to a
    "Subsystem ID" line; without that line "Card model" is the subsystem id (ROCm 4-5) or a name."""
    v = str(value or "").strip()
    return v.lower() if re.match(r"^0x[0-9a-fA-F]{4}$", v) else None


def parse_rocm_smi_json(text: str) -> tuple[list[dict], str | None]:
    doc = _rocm_json(text)
    out = []
    for key, card in doc.items():
        if not key.startswith("card") or not isinstance(card, dict):
            continue
        get = {k.lower(): v for k, v in card.items()}
        model_id = _card_model_id(get.get("card model"))
        name = get.get("card series") or get.get("device name") or (None if model_id else get.get("card model"))
        out.append({"index": to_int(key), "name": _clean(name),
                    "device_id": get.get("device id") or get.get("gpu id") or model_id,
                    "gfx_target": _gfx(get.get("gfx version")), "pci_bus_id": bus_id(get.get("pci bus")),
                    "vram_mib": mib(to_int(get.get("vram total memory (b)"))),
                    "vram_used_mib": mib(to_int(get.get("vram total used memory (b)"))),
                    "gtt_mib": mib(to_int(get.get("gtt total memory (b)"))), "driver_version": None,
                    "power_limit_w": _watts(get.get("max graphics package power (w)"))})
    driver = (doc.get("system") or {}).get("Driver version")
    return out, driver


def _watts(value) -> float | None:
    m = re.fullmatch(r"(\d{1,5}(?:\.\d{1,3})?)[ \t]?W?", str(value or "").strip())
    return float(m.group(1)) if m and float(m.group(1)) > 0 else None


def _concise_cap(header: list[str], cells: list[str]) -> str | None:
    """The concise table's PwrCap cell. Header words do not line up with row cells (`Temp (DieEdge)`,
    `SCLK OD` are two words over one cell), so it is the n-th watt cell of the row, n the power
    columns before PwrCap (AvgPwr): the cap is the power limit (#14 b10)."""
    if "PwrCap" not in header:
        return None
    n = sum(1 for h in header[:header.index("PwrCap")] if "pwr" in h.lower() or "power" in h.lower())
    watts = [c for c in cells[1:] if re.fullmatch(r"\d{1,5}(?:\.\d{1,3})?W", c)]
    return watts[n] if len(watts) > n else None


def parse_rocm_smi_text(text: str) -> tuple[list[dict], str | None]:
    """The classic 'GPU[0] : key: value' report, or the concise table (device ids only)."""
    gpus: dict[int, dict] = {}
    for m in re.finditer(r"^GPU\[(\d+)\][ \t]*:[ \t]*([^:\n]+):[ \t]*(.*)$", text, re.M):
        g = gpus.setdefault(int(m.group(1)), {})
        g.setdefault(m.group(2).strip().lower(), m.group(3).strip())
    head = _CSV_HEAD.search(text)
    if not gpus and head:  # rocm-smi --csv: "device,Card series,..." then "card0,..."
        names = [n.strip().lower() for n in text[head.start():].split("\n", 1)[0].split(",")]
        for m in re.finditer(r"^card(\d+),(.*)$", text, re.M):
            cells = [c.strip() for c in ("card" + m.group(1) + "," + m.group(2)).split(",")]
            if len(cells) == len(names):
                gpus[int(m.group(1))] = dict(zip(names, cells))
    if not gpus:
        for m in re.finditer(r"^(\d+)\s+\d+\s+(0x[0-9a-f]{4}),", text, re.M | re.I):
            gpus[int(m.group(1))] = {"device id": m.group(2)}
    if not gpus:
        for idx, row in showhw_rows(text).items():
            gpus[idx] = {"device id": row.get("did"), "gfx version": row.get("gfx ver"), "pci bus": row.get("bus")}
    if not gpus:  # ROCm 6.0 rows `0  [0x0518 : 0xc0] ...`: [model : revision] is no device id
        for m in _BARE_ROW.finditer(text):
            gpus[int(m.group(1))] = {}
    # ROCm 1.x-4.x concise table: "GPU  Temp  AvgPwr  SCLK ..." then one row a GPU, no ids;
    # a row with nothing but N/A reports no AMD GPU behind it. A "GPU[0] : WARNING: ..." line inside
    # it is no report of its own: its GPUs still come from the rows.
    # ROCm 5.7+ heads it `Device  Node  IDs ... Power  Partitions ... PwrCap`: its rows came by device
    # id above, the cap is read the same way
    # ROCm 1.x also printed a DID column after GPU (`GPU  DID    Temp ...`: the device id, #14 b13)
    head = re.search(r"^[ \t]*(?:GPU[ \t]+(?:DID[ \t]+)?Temp|Device[ \t]+Node[ \t]+IDs)[ \t].*$", text, re.M)
    if head and all(set(g) <= {"warning", "device id"} for g in gpus.values()):
        seen = False
        for line in text[head.end():].splitlines()[1:]:
            if line.startswith("="):
                if seen:  # the border under a two-line header comes before the rows
                    break
                continue
            cells = line.split()
            if cells and cells[0].isdigit() and (int(cells[0]) in gpus or any(c != "N/A" for c in cells[1:])):
                seen = True
                row = gpus.setdefault(int(cells[0]), {})
                row["power cap"] = _concise_cap(head.group(0).split(), cells)
                if head.group(0).split()[1:2] == ["DID"] and len(cells) > 1 and re.fullmatch(r"[0-9a-fA-F]{4}", cells[1]):
                    row.setdefault("device id", "0x" + cells[1].lower())
    out = []
    for idx, g in sorted(gpus.items()):
        series_id = _card_model_id(g.get("card series"))  # ROCm 4.x printed the device id as the series
        model_id = _card_model_id(g.get("card model")) if "subsystem id" in g else None
        out.append({"index": idx, "name": _clean(None if series_id else (g.get("card series") or g.get("device name"))),
                    "device_id": g.get("device id") or g.get("gpu id") or series_id or model_id,
                    "gfx_target": _gfx(g.get("gfx version")),
                    "pci_bus_id": bus_id(g.get("pci bus")), "vram_mib": mib(to_int(g.get("vram total memory (b)"))),
                    "vram_used_mib": mib(to_int(g.get("vram total used memory (b)"))),
                    "gtt_mib": mib(to_int(g.get("gtt total memory (b)"))), "driver_version": None,
                    "power_limit_w": _watts(g.get("max graphics package power (w)") or g.get("power cap"))})
    drv = re.search(r"^Driver version:[ \t]*(\S+)", text, re.M)
    return out, drv.group(1) if drv else None


def _clean(value):
    if value is None:
        return None
    v = str(value).strip()
    return None if v in ("", "N/A", "n/a", "None") else v


_DECIMAL_GFX = re.compile(r"gfx(1[0-2]|[6-9])(\d)(0\d|1[0-5])")


def _gfx(value):
    """rocm-smi's `GFX Version`, in LLVM's spelling. rocm-smi writes the stepping in decimal, so an
    MI200 (gfx90a: major 9, minor 0, stepping 10) prints `gfx9010` (#14 b12, rocm_smi_lib#159);
    a stepping of 10-15 is LLVM's hex digit a-f; one under 10 in two digits is that digit (gfx1102 prints
    `gfx11002`, #14 b16: no LLVM target has five digits, or four after a one-digit major)."""
    v = _clean(value)
    m = _DECIMAL_GFX.fullmatch(v) if v else None
    return f"gfx{m.group(1)}{m.group(2)}{int(m.group(3)):x}" if m else v
