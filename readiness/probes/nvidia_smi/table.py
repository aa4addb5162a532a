"""The default ``nvidia-smi`` summary table (box drawing), r3xx to r61x layouts."""

from __future__ import annotations

import re
from typing import Any

from readiness.probes.util import bus_id
from readiness.probes.nvidia_smi.values import (_bool, _clean, _cuda, _driver_model, _mib, _mig_device, _new_gpu,
                                                _normalise_text, _pos_float, _result, _version)

_TABLE_HEAD_RE = re.compile(
    r"NVIDIA-SMI\s+(?P<smi>\S+)\s+(?:Driver|KMD) Version:\s*(?P<drv>\S+)(?:\s+CUDA (?:UMD )?Version:\s*(?P<cuda>\S+))?"
)
# The banner line alone, its `|` borders not copied (quoted as a span in a sentence, #14 b15): all three
# of its names on the one line -- NVIDIA-SMI and its version, Driver (KMD) Version, CUDA (UMD) Version
_BANNER_LINE_RE = re.compile(
    r"[ \t]{0,40}NVIDIA-SMI[ \t]{1,40}\d{2,4}\.\d{1,3}(?:\.\d{1,3})?[ \t]{1,60}(?:Driver|KMD) Version:[ \t]{0,20}\S{1,40}"
    r"[ \t]{1,60}CUDA (?:UMD )?Version:[ \t]{0,20}\S{1,40}[ \t]{0,60}"
)


def is_banner_line(line: str) -> bool:
    return bool(_BANNER_LINE_RE.fullmatch(line))


def _cells(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|"):
        s = s[:-1]
    return [c.strip() for c in s.split("|")]


def _is_double_rule(line: str) -> bool:
    s = line.strip()
    return bool(s) and s[0] == "|" and set(s) <= set("|=+")


def _table_sections(lines: list[str]) -> list[tuple[list[str], list[list[str]]]]:
    """Split the drawing into boxes: (header rows, [row group, ...]).

    Every box has a ``|====|`` line; its header is the run of ``|`` rows right above it
    and its body runs until the header of the next box.  Body rows are grouped by the
    ``+----+`` rules (and blank lines) between them.
    """
    doubles = [i for i, ln in enumerate(lines) if _is_double_rule(ln)]
    starts = []
    for d in doubles:
        h = d
        while h - 1 >= 0 and lines[h - 1].strip().startswith("|") and not _is_double_rule(lines[h - 1]):
            h -= 1
        starts.append(h)
    sections = []
    for k, d in enumerate(doubles):
        header = [ln for ln in lines[starts[k]:d] if not set(ln.strip()) <= set("|-+")]
        stop = starts[k + 1] if k + 1 < len(doubles) else len(lines)
        groups: list[list[str]] = []
        cur: list[str] = []
        for ln in lines[d + 1:stop]:
            s = ln.strip()
            if s.startswith("|") and not set(s) <= set("|-+="):
                cur.append(ln)
            else:
                if cur:
                    groups.append(cur)
                cur = []
        if cur:
            groups.append(cur)
        sections.append((header, groups))
    return sections


_PWR_RE = re.compile(r"(?P<use>\S+?)\s*/\s*(?P<cap>\S+?)\s*$")
_MEMUSE_RE = re.compile(r"(\d+)\s*MiB\s*/\s*(\d+)\s*MiB")


def _table_gpu(group: list[str], header: list[str], order: int) -> dict[str, Any] | None:
    first = _cells(group[0])
    if len(first) < 2:
        return None
    m = re.match(r"^(\d+)\s+(.*)$", first[0])
    if not m:
        return None
    idx = int(m.group(1))
    rest = m.group(2).strip()
    name_rows = [h for h in header if "Name" in h and "GPU" in h]
    head1 = _cells(name_rows[0])[0] if name_rows else ""
    token = None
    name = rest
    tm = re.match(r"^(.*?)\s+(On|Off|N/A|WDDM|TCC|MCDM)$", rest)
    if tm:
        name, token = tm.group(1).strip(), tm.group(2)
    g = _new_gpu(idx)
    g["name"] = _clean(name)
    if "persistence" in head1.lower():
        g["persistence_mode"] = _bool(token)
    elif "wddm" in head1.lower() or "tcc" in head1.lower() or "driver-model" in head1.lower() \
            or "driver model" in head1.lower():
        g["driver_model"] = _driver_model(token)
    else:
        g["persistence_mode"] = _bool(token)
        g["driver_model"] = _driver_model(token)
    bus = first[1].split()
    if bus:
        g["pci_bus_id"] = bus_id(bus[0])
        if len(bus) > 1:
            g["display_attached"] = _bool(bus[1])
    if len(first) > 2:
        ecc = _clean(first[2])
        if ecc is not None:
            if re.match(r"^\d+$", ecc):
                # the column is "Volatile Uncorr. ECC": a count there means ECC is on, and it is
                # the uncorrected errors since the driver loaded (#14, b8)
                g["ecc_mode"] = True
                g["ecc_errors_uncorrected"] = int(ecc)
            else:
                g["ecc_mode"] = _bool(ecc)
    if len(group) > 1:
        second = _cells(group[1])
        if second:
            pm = _PWR_RE.search(second[0])
            if pm:
                cap = pm.group("cap")
                if cap.upper().endswith("W"):
                    g["power_limit_w"] = _pos_float(cap[:-1])
        if len(second) > 1:
            mm = _MEMUSE_RE.search(second[1])
            if mm:
                g["memory_used_mib"] = int(mm.group(1))
                g["memory_total_mib"] = int(mm.group(2)) or None
    # MIG M. row exists only when the header has it
    has_mig_row = any("MIG M." in h for h in header)
    if has_mig_row and len(group) > 2:
        third = _cells(group[2])
        if third:
            g["mig_mode"] = _bool(third[-1])
    return g


def _table_mig(groups: list[list[str]], gpus_by_index: dict[int, dict[str, Any]]) -> None:
    for group in groups:
        first = _cells(group[0])
        if len(first) < 2:
            continue
        ids = first[0].split()
        if len(ids) < 4 or not all(re.match(r"^\d+$", x) for x in ids[:4]):
            continue
        gpu_i, gi, ci = int(ids[0]), int(ids[1]), int(ids[2])
        mm = _MEMUSE_RE.search(first[1])
        dev = _mig_device(name=None, memory_total_mib=(int(mm.group(2)) or None) if mm else None,
                          gpu_instance_id=gi, compute_instance_id=ci)
        if gpu_i in gpus_by_index:
            gpus_by_index[gpu_i]["mig_devices"].append(dev)
            if gpus_by_index[gpu_i]["mig_mode"] is None:
                gpus_by_index[gpu_i]["mig_mode"] = True


def _table_processes(groups: list[list[str]], gpus: list[dict[str, Any]]) -> None:
    rows = [ln for grp in groups for ln in grp]
    texts = [" ".join(_cells(r)).strip() for r in rows]
    if any("no running processes found" in t.lower() for t in texts):
        for g in gpus:
            g["processes_count"] = 0
            g["processes_memory_mib"] = 0
        return
    per: dict[int, list[int | None]] = {}
    for t in texts:
        toks = t.split()
        if len(toks) < 3 or not re.match(r"^\d+$", toks[0]):
            continue
        per.setdefault(int(toks[0]), []).append(_mib(toks[-1]) if toks[-1].endswith("MiB") else None)
    if not per:
        return  # processes box present but empty (e.g. inside a container): unknown
    for g in gpus:
        mems = per.get(g["index"], [])
        g["processes_count"] = len(mems)
        known = [m for m in mems if m is not None]
        g["processes_memory_mib"] = sum(known) if known else (0 if not mems else None)


#: A GPU's first row: "|   0  NVIDIA H200   On  |   00000000:8D:00.0 Off |" (index, name, bus id).
GPU_ROW_RE = re.compile(r"^\s*\|\s+\d+\s+[^|]*\|\s+[0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]\b")


def _is_gpu_box(htext: str, groups: list[list[str]]) -> bool:
    """The GPU box: its header names Bus-Id and Memory-Usage; a paste that starts below the
    header still shows GPU rows (index, name, bus id)."""
    if "Bus-Id" in htext and "Memory-Usage" in htext:
        return True
    return "PID" not in htext and bool(groups) and all(GPU_ROW_RE.match(g[0]) for g in groups)


def parse_table(text: str) -> dict[str, Any]:
    """Parse the default ``nvidia-smi`` summary table."""
    text = _normalise_text(text)
    lines = text.split("\n")
    driver = cuda = None
    for ln in lines:
        m = _TABLE_HEAD_RE.search(ln)
        if m and (ln.lstrip().startswith("|") or is_banner_line(ln)):
            driver = _version(m.group("drv"))
            cuda = _cuda(m.group("cuda"))
            break
    gpus: list[dict[str, Any]] = []
    for header, groups in _table_sections(lines):
        htext = " ".join(header)
        if _is_gpu_box(htext, groups):
            for grp in groups:
                g = _table_gpu(grp, header, len(gpus))
                if g is not None:
                    gpus.append(g)
        elif "GI" in htext and "CI" in htext and "MIG" in htext and "PID" not in htext:
            _table_mig(groups, {g["index"]: g for g in gpus})
        elif "PID" in htext and "Process name" in htext:
            _table_processes(groups, gpus)
    # MIG enabled but the MIG devices box empty: still a list
    return _result("table", driver, cuda, gpus)

