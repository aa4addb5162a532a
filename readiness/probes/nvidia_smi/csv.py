"""``nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]``."""

from __future__ import annotations

import csv
import re
from typing import Any

from readiness.probes.util import bus_id
from readiness.probes.nvidia_smi.values import (QUERY_FIELDS, _bool, _clean, _compute_cap, _display, _driver_model, _first,
                                                _int, _mib, _new_gpu, _normalise_text, _pos_float, _pos_int,
                                                _pos_mib, _result, _version, _width)

_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*(?: \[[^\]]*\])?$")

#: Field names that identify a ``--query-gpu`` CSV header (with or without units).
_KNOWN_CSV_FIELDS = {
    "index", "name", "gpu_name", "uuid", "gpu_uuid", "pci.bus_id", "gpu_bus_id", "serial",
    "gpu_serial", "memory.total", "memory.used", "memory.free", "memory.reserved",
    "driver_version", "compute_cap", "power.limit", "power.default_limit",
    "enforced.power.limit", "clocks.max.sm", "clocks.max.memory", "clocks.max.mem",
    "clocks.max.graphics", "pcie.link.gen.current", "pcie.link.gen.max",
    "pcie.link.gen.gpucurrent", "pcie.link.gen.gpumax", "pcie.link.width.current",
    "pcie.link.width.max", "mig.mode.current", "persistence_mode", "ecc.mode.current",
    "display_active", "display_mode", "driver_model.current", "vbios_version",
    "utilization.gpu", "temperature.gpu", "power.draw", "pstate", "fan.speed", "timestamp",
    "count", "virtualization_mode",
}


def _csv_header_fields(line: str) -> list[str] | None:
    cells = [c.strip() for c in line.split(",")]
    if not cells or any(not c for c in cells):
        return None
    names = []
    for c in cells:
        if not _FIELD_RE.match(c):
            return None
        names.append(c.split(" [", 1)[0].strip())
    if not any(n in _KNOWN_CSV_FIELDS for n in names):
        return None
    return names


def find_header(lines: list[str]) -> tuple[int, list[str]] | None:
    """(line index, field names) of a ``--query-gpu`` CSV header. Right at the top it may stand alone
    (the rows cut off); further down, under a wrapper script's or a log's lines (#14 b11), it must be
    followed by a row that has as many cells and holds what its columns need, and name two
    ``--query-gpu`` fields (one, such as ``name``, is too common a word in prose and logs)."""
    for i, ln in enumerate(lines[:_HEADER_WITHIN]):
        names = _csv_header_fields(ln)
        if names is None:
            continue
        if i < 3:
            return i, names
        if sum(n in _KNOWN_CSV_FIELDS for n in names) < 2:
            continue
        nxt = _split_csv_line(lines[i + 1]) if i + 1 < len(lines) else []
        if len(nxt) == len(names) and _plausible(dict(zip(names, nxt))):
            return i, names
    return None


#: How far down a paste a CSV header is looked for.
_HEADER_WITHIN = 40


def _looks_like_our_headerless_row(cells: list[str]) -> bool:
    if len(cells) != len(QUERY_FIELDS):
        return False
    c = dict(zip(QUERY_FIELDS, cells))
    if not re.match(r"^\d+$", c["index"]):
        return False
    if _clean(c["uuid"]) is not None and not c["uuid"].startswith(("GPU-", "MIG-")):
        return False
    if _clean(c["pci.bus_id"]) is not None and bus_id(c["pci.bus_id"]) is None:
        return False
    return True


def _split_csv_line(line: str) -> list[str]:
    row = next(csv.reader([line], skipinitialspace=True), [])
    return [c.strip() for c in row]


def _content_lines(text: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.strip()]



_CSV_ALIASES = {
    "gpu_name": "name", "gpu_uuid": "uuid", "gpu_bus_id": "pci.bus_id", "gpu_serial": "serial",
    "clocks.max.mem": "clocks.max.memory", "clocks.max.gr": "clocks.max.graphics",
}


def _csv_gpu(row: dict[str, str], order: int) -> dict[str, Any]:
    idx = _int(row.get("index"))
    g = _new_gpu(idx if idx is not None else order)
    g["name"] = _clean(row.get("name"))
    uuid = _clean(row.get("uuid"))
    g["uuid"] = uuid
    g["serial"] = _clean(row.get("serial"))
    g["pci_bus_id"] = bus_id(row.get("pci.bus_id"))
    g["memory_total_mib"] = _pos_mib(row.get("memory.total"))
    g["memory_used_mib"] = _mib(row.get("memory.used"))
    g["memory_free_mib"] = _mib(row.get("memory.free"))
    g["compute_capability"] = _compute_cap(row.get("compute_cap"))
    g["power_limit_w"] = _pos_float(row.get("power.limit"))
    g["power_default_limit_w"] = _pos_float(row.get("power.default_limit"))
    g["max_sm_clock_mhz"] = _pos_int(row.get("clocks.max.sm"))
    g["max_memory_clock_mhz"] = _pos_int(row.get("clocks.max.memory"))
    g["pcie_generation"] = _first(_pos_int(row.get("pcie.link.gen.gpucurrent")),
                                  _pos_int(row.get("pcie.link.gen.current")))
    g["pcie_generation_max"] = _first(_pos_int(row.get("pcie.link.gen.gpumax")),
                                      _pos_int(row.get("pcie.link.gen.max")))
    g["pcie_width"] = _width(row.get("pcie.link.width.current"))
    g["pcie_width_max"] = _width(row.get("pcie.link.width.max"))
    g["mig_mode"] = _bool(row.get("mig.mode.current"))
    g["virtualization_mode"] = _clean(row.get("virtualization_mode"), keep_none_word=True)
    g["persistence_mode"] = _bool(row.get("persistence_mode"))
    g["ecc_mode"] = _bool(row.get("ecc.mode.current"))
    g["display_attached"] = _display(row.get("display_active"), row.get("display_mode"))
    g["driver_model"] = _driver_model(row.get("driver_model.current"))
    g["vbios_version"] = _clean(row.get("vbios_version"))
    return g


# The command line's two halves are matched apart and compared by position: one pattern spanning
# them (`--query-gpu...[^\n]*?--format...noheader`) rescanned the line from every `--query-gpu`, a
# quadratic run on a long line that held many and no `noheader` (#19, fuzz shard 47).
_QUERY_ARG_RE = re.compile(r"--query-gpu[= ]([A-Za-z_][\w.,]*)", re.I)
_NOHEADER_RE = re.compile(r"--format[= ]csv[\w,]*noheader", re.I)


def _query_arg(line: str) -> re.Match | None:
    """The first ``--query-gpu=`` list that a ``--format=csv,noheader`` follows on the line."""
    if "noheader" not in line.lower():
        return None
    last = None
    for last in _NOHEADER_RE.finditer(line):
        pass
    if last is None:
        return None
    return _QUERY_ARG_RE.search(line, 0, last.start())


# A tool's debug log may print the row as a Python list repr: ['200.00, 105.00, ..., P2', ''] (#14 b10)
_PY_LIST = re.compile(r"^\[[ \t]{0,4}'.{0,8000}'[ \t]{0,4}\]$")
_PY_ITEM = re.compile(r"'([^'\n]{0,8000})'")


def _plausible(row: dict[str, str]) -> bool:
    """The cells a row must hold where the command line asked for them: a log line that happens to
    have as many commas is no GPU."""
    checks = {"uuid": r"(?:GPU|MIG)-[\w-]{1,80}|\[?N/A\]?", "gpu_uuid": r"(?:GPU|MIG)-[\w-]{1,80}|\[?N/A\]?",
              "memory.total": r"\d{1,9}(?: MiB)?|\[?N/A\]?", "driver_version": r"\d{1,4}(?:\.\d{1,4}){1,3}",
              "index": r"\d{1,3}"}
    return all(re.fullmatch(pat, row[k]) for k, pat in checks.items() if k in row)


def command_line_fields(lines: list[str]) -> tuple[list[str], list[list[str]]] | None:
    """A headerless CSV pasted under its command line: the ``--query-gpu=`` list names the
    columns. (names, the data rows), or None. Every line under it must be a row, unless the rows are
    quoted in Python list reprs (a debug log): then the log's other lines are passed over."""
    for i, ln in enumerate(lines[:3]):
        m = _query_arg(ln)
        if not m:
            continue
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        plain = [_split_csv_line(x) for x in lines[i + 1:]]
        if names and plain and all(len(r) == len(names) and _plausible(dict(zip(names, r))) for r in plain):
            return names, plain
        quoted = [_split_csv_line(item) for x in lines[i + 1:] if _PY_LIST.match(x.strip())
                  for item in _PY_ITEM.findall(x)]
        rows = [r for r in quoted if len(r) == len(names) and _plausible(dict(zip(names, r)))]
        if names and rows:
            return names, rows
    return None


def parse_csv(text: str) -> dict[str, Any]:
    """Parse ``--query-gpu`` CSV: with a header, headerless under its command line, or headerless in
    :data:`QUERY_FIELDS` order."""
    text = _normalise_text(text)
    lines = _content_lines(text)
    names: list[str] | None = None
    start = 0
    found = find_header(lines)
    if found is not None:
        start, names = found[0] + 1, found[1]
    from_cmdline = command_line_fields(lines) if names is None else None
    if from_cmdline is not None:
        names, rows = from_cmdline
    else:
        if names is None:
            names = list(QUERY_FIELDS)
            start = next((i for i, ln in enumerate(lines) if _looks_like_our_headerless_row(_split_csv_line(ln))),
                         len(lines))
        rows = [_split_csv_line(ln) for ln in lines[start:]]
    names = [_CSV_ALIASES.get(n, n) for n in names]
    gpus = []
    driver = None
    for cells in rows:
        if len(cells) != len(names):
            continue
        row = dict(zip(names, cells))
        if driver is None:
            driver = _version(row.get("driver_version"))
        gpus.append(_csv_gpu(row, len(gpus)))
    return _result("csv", driver, None, gpus)

