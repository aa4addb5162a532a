"""Pure parsers for the text that ``nvidia-smi`` prints.

Five output forms are understood, all as plain strings (no I/O, no subprocess):

* ``"xml"``   -- ``nvidia-smi -q -x`` (every DTD from the old un-versioned one to v13)
* ``"query"`` -- ``nvidia-smi -q`` (human readable key : value tree)
* ``"table"`` -- plain ``nvidia-smi`` (the box-drawing summary, r3xx..r59x layouts)
* ``"list"``  -- ``nvidia-smi -L``
* ``"csv"``   -- ``nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]``

Every parser returns the same shape::

    {"format": str, "driver_version": str|None, "cuda_driver_version": str|None,
     "gpus": [gpu, ...]}

where each ``gpu`` has exactly the keys of :data:`GPU_KEYS`.  A value is ``None``
whenever the output does not carry it or shows it as ``N/A``, ``[N/A]``,
``[Not Supported]``, ``Requested functionality has been deprecated`` and the like.
Unknown numbers are never reported as ``0``.  Only text that is not nvidia-smi
output at all raises :class:`ValueError`.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from typing import Any, Callable, Iterable

from readiness.probes.util import bus_id, size_mib, to_float

__all__ = [
    "QUERY_FIELDS",
    "GPU_KEYS",
    "detect",
    "parse",
    "parse_xml",
    "parse_query",
    "parse_table",
    "parse_list",
    "parse_csv",
]

#: ``--query-gpu`` fields readiness asks for in its CSV fallback.  Every one is
#: listed by ``nvidia-smi --help-query-gpu`` of r5xx drivers and was accepted by
#: a real r580 driver.  ``compute_cap`` is missing from drivers older than ~r510
#: (nvidia-smi then refuses the whole query), so callers should retry without it.
QUERY_FIELDS: tuple[str, ...] = (
    "index",
    "name",
    "uuid",
    "pci.bus_id",
    "memory.total",
    "memory.used",
    "memory.free",
    "driver_version",
    "compute_cap",
    "power.limit",
    "power.default_limit",
    "clocks.max.sm",
    "clocks.max.memory",
    "pcie.link.gen.current",
    "pcie.link.gen.max",
    "pcie.link.width.current",
    "pcie.link.width.max",
    "mig.mode.current",
    "persistence_mode",
    "ecc.mode.current",
    "display_active",
    "driver_model.current",
    "serial",
)

#: The keys of every GPU dict, in a stable order.
GPU_KEYS: tuple[str, ...] = (
    "index",
    "name",
    "uuid",
    "serial",
    "pci_bus_id",
    "memory_total_mib",
    "memory_used_mib",
    "memory_free_mib",
    "compute_capability",
    "power_limit_w",
    "power_default_limit_w",
    "max_sm_clock_mhz",
    "max_memory_clock_mhz",
    "memory_bus_width_bits",
    "pcie_generation",
    "pcie_width",
    "pcie_generation_max",
    "pcie_width_max",
    "mig_mode",
    "mig_devices",
    "virtualization_mode",
    "persistence_mode",
    "ecc_mode",
    "display_attached",
    "driver_model",
    "processes_count",
    "processes_memory_mib",
    "product_brand",
    "vbios_version",
)

_DRIVER_MODELS = ("WDDM", "TCC", "MCDM")

# ---------------------------------------------------------------------------
# value helpers
# ---------------------------------------------------------------------------

_UNKNOWN = {
    "",
    "n/a",
    "na",
    "none",  # only used where None is not a meaningful value (see _clean_keep_none)
    "not supported",
    "not available",
    "unknown",
    "unknown error",
    "insufficient permissions",
    "requested functionality has been deprecated",
    "not available in wddm driver model",
    "...",
}


def _strip_brackets(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == "[" and v[-1] == "]":
        v = v[1:-1].strip()
    return v


def _clean(v: Any, keep_none_word: bool = False) -> str | None:
    """The printed value, or None when nvidia-smi shows it as unknown."""
    if v is None:
        return None
    s = _strip_brackets(str(v))
    low = s.lower()
    if keep_none_word and low == "none":
        return s
    if low in _UNKNOWN or set(s) <= {".", " "}:
        return None
    return s


def _float(v: Any) -> float | None:
    return to_float(_clean(v))


def _int(v: Any) -> int | None:
    f = _float(v)
    if f is None:
        return None
    return int(round(f))


def _mib(v: Any) -> int | None:
    """'8192 MiB' / '8192' / '8 GiB' -> MiB as int."""
    return size_mib(_clean(v))


_TRUE = {"enabled", "enable", "on", "yes", "true", "1", "active"}
_FALSE = {"disabled", "disable", "off", "no", "false", "0", "not active"}


def _bool(v: Any) -> bool | None:
    s = _clean(v)
    if s is None:
        return None
    low = s.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


def _driver_model(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    up = s.upper()
    return up if up in _DRIVER_MODELS else None


_CUDA_RE = re.compile(r"^(\d+)\.(\d+)")


def _cuda(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    m = _CUDA_RE.match(s)
    return "%s.%s" % (m.group(1), m.group(2)) if m else None


def _version(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    return s if re.match(r"^\d+(?:\.\d+)*$", s) else None


def _compute_cap(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    m = re.match(r"^(\d+)\.(\d+)$", s)
    return "%s.%s" % (m.group(1), m.group(2)) if m else None


def _pos_int(v: Any) -> int | None:
    """A quantity that cannot be 0 on a real GPU (clock, width, generation): 0 means unknown."""
    n = _int(v)
    return n if n is not None and n > 0 else None


def _pos_float(v: Any) -> float | None:
    f = _float(v)
    return f if f is not None and f > 0 else None


def _pos_mib(v: Any) -> int | None:
    n = _mib(v)
    return n if n is not None and n > 0 else None


def _width(v: Any) -> int | None:
    return _pos_int(v)  # '16x' -> 16


def _first(*vals: Any) -> Any:
    for v in vals:
        if v is not None:
            return v
    return None


def _display(active: Any, mode: Any) -> bool | None:
    a, m = _bool(active), _bool(mode)
    if a or m:
        return True
    if a is False or m is False:
        return False
    return None


def _new_gpu(index: int) -> dict[str, Any]:
    g: dict[str, Any] = {k: None for k in GPU_KEYS}
    g["index"] = index
    g["mig_devices"] = []
    return g


def _mig_device(name: Any = None, memory_total_mib: Any = None,
                gpu_instance_id: Any = None, compute_instance_id: Any = None) -> dict[str, Any]:
    return {"name": name, "memory_total_mib": memory_total_mib,
            "gpu_instance_id": gpu_instance_id, "compute_instance_id": compute_instance_id}


def _result(fmt: str, driver: Any, cuda: Any, gpus: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": fmt, "driver_version": driver, "cuda_driver_version": cuda, "gpus": gpus}


def _normalise_text(text: Any) -> str:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise ValueError("nvidia-smi output must be a string, got %s" % type(text).__name__)
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ---------------------------------------------------------------------------
# detection
# ---------------------------------------------------------------------------

_LIST_GPU_RE = re.compile(r"^\s*GPU (\d+): (.+?) \(UUID: ([^)]*)\)\s*$")
_LIST_MIG_RE = re.compile(r"^\s+MIG\s+(\S+)\s+Device\s+(\d+):\s*\(UUID:\s*([^)]*)\)\s*$")
_TABLE_HEAD_RE = re.compile(
    r"NVIDIA-SMI\s+(?P<smi>\S+)\s+Driver Version:\s*(?P<drv>\S+)(?:\s+CUDA Version:\s*(?P<cuda>\S+))?"
)
_FIELD_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*(?: \[[^\]]*\])?$")
_QUERY_MARK = "==============NVSMI LOG=============="

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


def detect(text: str) -> str | None:
    """Which nvidia-smi output ``text`` is: 'xml', 'query', 'table', 'list', 'csv' or None."""
    try:
        text = _normalise_text(text)
    except ValueError:
        return None
    if "<nvidia_smi_log" in text:
        return "xml"
    if _QUERY_MARK in text:
        return "query"
    lines = _content_lines(text)
    for ln in lines:
        if ln.lstrip().startswith("|") and _TABLE_HEAD_RE.search(ln):
            return "table"
    if any(_LIST_GPU_RE.match(ln) for ln in lines):
        return "list"
    if lines:
        # first line that is not a shell prompt / banner
        for i, ln in enumerate(lines[:3]):
            if _csv_header_fields(ln) is not None and len(lines) > i + 1:
                return "csv"
        rows = [_split_csv_line(ln) for ln in lines]
        data = [r for r in rows if len(r) > 1]
        if data and all(_looks_like_our_headerless_row(r) for r in data):
            return "csv"
    # a -q text whose banner was cut off
    if re.search(r"^Driver Version\s+:\s*\S+", text, re.M) and re.search(
            r"^\s+Product Name\s+:", text, re.M):
        return "query"
    return None


def parse(text: str) -> dict[str, Any]:
    """Parse any nvidia-smi output; raises ValueError if it is not nvidia-smi output."""
    fmt = detect(text)
    if fmt is None:
        raise ValueError("not nvidia-smi output: expected nvidia-smi -q -x XML, -q text, "
                         "the default table, -L or --query-gpu CSV")
    return _PARSERS[fmt](text)


# ---------------------------------------------------------------------------
# nvidia-smi -q -x
# ---------------------------------------------------------------------------

def _xtext(el: ET.Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _xml_root(text: str) -> ET.Element:
    start = text.find("<nvidia_smi_log")
    if start < 0:
        raise ValueError("not nvidia-smi XML output: no <nvidia_smi_log> element")
    body = text[start:]
    end = body.rfind("</nvidia_smi_log>")
    if end >= 0:
        body = body[: end + len("</nvidia_smi_log>")]
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        # truncated output: keep the complete <gpu> elements
        cut = body.rfind("</gpu>")
        if cut < 0:
            first_gpu = body.find("<gpu")
            repaired = (body[:first_gpu] if first_gpu >= 0 else body[: body.find(">") + 1]) \
                + "</nvidia_smi_log>"
        else:
            repaired = body[: cut + len("</gpu>")] + "</nvidia_smi_log>"
        try:
            root = ET.fromstring(repaired)
        except ET.ParseError as exc:
            raise ValueError("malformed nvidia-smi XML output: %s" % exc) from None
    if root.tag != "nvidia_smi_log":
        raise ValueError("not nvidia-smi XML output: root element is <%s>" % root.tag)
    return root


def _xml_processes(gpu: ET.Element) -> tuple[int | None, int | None]:
    procs = gpu.find("processes")
    if procs is None:
        return None, None
    infos = procs.findall("process_info")
    if not infos:
        text = (procs.text or "").strip()
        if text and _clean(text) is None and text.lower() not in ("none",):
            return None, None  # e.g. <processes>N/A</processes>
        return 0, 0
    mems = [_mib(_xtext(p, "used_memory")) for p in infos]
    known = [m for m in mems if m is not None]
    return len(infos), (sum(known) if known else None)


def _xml_gpu(el: ET.Element, index: int) -> dict[str, Any]:
    g = _new_gpu(index)
    g["name"] = _clean(_xtext(el, "product_name"))
    g["uuid"] = _clean(_xtext(el, "uuid"))
    g["serial"] = _clean(_xtext(el, "serial"))
    g["product_brand"] = _clean(_xtext(el, "product_brand"))
    g["vbios_version"] = _clean(_xtext(el, "vbios_version"))
    g["pci_bus_id"] = _first(bus_id(_xtext(el, "pci/pci_bus_id")), bus_id(el.get("id")))
    g["memory_total_mib"] = _pos_mib(_xtext(el, "fb_memory_usage/total"))
    g["memory_used_mib"] = _mib(_xtext(el, "fb_memory_usage/used"))
    g["memory_free_mib"] = _mib(_xtext(el, "fb_memory_usage/free"))
    g["compute_capability"] = _compute_cap(_xtext(el, "compute_cap"))
    g["memory_bus_width_bits"] = _pos_int(_first(_xtext(el, "memory_bus_width"),
                                             _xtext(el, "fb_memory_usage/bus_width")))
    # power: v12+ <gpu_power_readings>, older <power_readings>
    g["power_limit_w"] = _first(
        _pos_float(_xtext(el, "gpu_power_readings/current_power_limit")),
        _pos_float(_xtext(el, "power_readings/current_power_limit")),
        _pos_float(_xtext(el, "power_readings/power_limit")),
        _pos_float(_xtext(el, "gpu_power_readings/power_limit")),
    )
    g["power_default_limit_w"] = _first(
        _pos_float(_xtext(el, "gpu_power_readings/default_power_limit")),
        _pos_float(_xtext(el, "power_readings/default_power_limit")),
    )
    g["max_sm_clock_mhz"] = _pos_int(_xtext(el, "max_clocks/sm_clock"))
    g["max_memory_clock_mhz"] = _pos_int(_xtext(el, "max_clocks/mem_clock"))
    link = "pci/pci_gpu_link_info/"
    g["pcie_generation"] = _first(_pos_int(_xtext(el, link + "pcie_gen/device_current_link_gen")),
                                  _pos_int(_xtext(el, link + "pcie_gen/current_link_gen")))
    g["pcie_generation_max"] = _first(_pos_int(_xtext(el, link + "pcie_gen/max_device_link_gen")),
                                      _pos_int(_xtext(el, link + "pcie_gen/max_link_gen")))
    g["pcie_width"] = _width(_xtext(el, link + "link_widths/current_link_width"))
    g["pcie_width_max"] = _width(_xtext(el, link + "link_widths/max_link_width"))
    g["mig_mode"] = _bool(_xtext(el, "mig_mode/current_mig"))
    migs = []
    for md in el.findall("mig_devices/mig_device"):
        migs.append(_mig_device(
            name=_clean(_first(_xtext(md, "profile_name"), _xtext(md, "name"))),
            memory_total_mib=_mib(_xtext(md, "fb_memory_usage/total")),
            gpu_instance_id=_int(_xtext(md, "gpu_instance_id")),
            compute_instance_id=_int(_xtext(md, "compute_instance_id")),
        ))
    g["mig_devices"] = migs
    g["virtualization_mode"] = _clean(_xtext(el, "gpu_virtualization_mode/virtualization_mode"),
                                      keep_none_word=True)
    g["persistence_mode"] = _bool(_xtext(el, "persistence_mode"))
    g["ecc_mode"] = _bool(_xtext(el, "ecc_mode/current_ecc"))
    g["display_attached"] = _display(_xtext(el, "display_active"), _xtext(el, "display_mode"))
    g["driver_model"] = _driver_model(_xtext(el, "driver_model/current_dm"))
    g["processes_count"], g["processes_memory_mib"] = _xml_processes(el)
    return g


def parse_xml(text: str) -> dict[str, Any]:
    """Parse ``nvidia-smi -q -x``."""
    text = _normalise_text(text)
    root = _xml_root(text)
    gpus = [_xml_gpu(el, i) for i, el in enumerate(root.findall("gpu"))]
    return _result("xml", _version(_xtext(root, "driver_version")),
                   _cuda(_xtext(root, "cuda_version")), gpus)


# ---------------------------------------------------------------------------
# nvidia-smi -q
# ---------------------------------------------------------------------------

class _Node:
    __slots__ = ("key", "value", "children", "indent")

    def __init__(self, key: str, value: str | None, indent: int) -> None:
        self.key = key
        self.value = value
        self.children: list[_Node] = []
        self.indent = indent

    def get(self, *path: str) -> "_Node | None":
        node: _Node | None = self
        for part in path:
            if node is None:
                return None
            want = part.lower()
            node = next((c for c in node.children if c.key.lower() == want), None)
        return node

    def val(self, *path: str) -> str | None:
        n = self.get(*path)
        return n.value if n is not None else None

    def find_all(self, key: str) -> Iterable["_Node"]:
        want = key.lower()
        for c in self.children:
            if c.key.lower() == want:
                yield c
            yield from c.find_all(key)


_KV_RE = re.compile(r"^(?P<ind>\s*)(?P<key>\S.*?)\s+:(?:\s(?P<val>.*))?$")


def _query_tree(text: str) -> _Node:
    root = _Node("", None, -1)
    stack = [root]
    for raw in text.split("\n"):
        line = raw.rstrip()
        if not line.strip() or line.strip().startswith("==="):
            continue
        m = _KV_RE.match(line)
        if m:
            indent = len(m.group("ind").expandtabs(4))
            key, val = m.group("key").strip(), (m.group("val") or "").strip()
        else:
            indent = len(line) - len(line.lstrip())
            key, val = line.strip(), None
        while len(stack) > 1 and stack[-1].indent >= indent:
            stack.pop()
        node = _Node(key, val, indent)
        stack[-1].children.append(node)
        stack.append(node)
    return root


_QGPU_RE = re.compile(r"^GPU\s+([0-9A-Fa-f]{1,8}:[0-9A-Fa-f]{1,2}:[0-9A-Fa-f]{1,2}\.[0-7])$")


def _query_processes(g: _Node) -> tuple[int | None, int | None]:
    node = g.get("Processes")
    if node is None:
        return None, None
    if not node.children:
        v = (node.value or "").strip().lower()
        if v == "none" or v.startswith("no running"):
            return 0, 0
        return None, None
    pids = list(node.find_all("Process ID"))
    if not pids:
        return 0, 0
    mems = []
    for p in pids:
        # old and new layouts both keep "Used GPU Memory" below "Process ID"
        mems.append(_mib(p.val("Used GPU Memory")))
    known = [m for m in mems if m is not None]
    return len(pids), (sum(known) if known else None)


def _query_gpu(g: _Node, index: int) -> dict[str, Any]:
    out = _new_gpu(index)
    m = _QGPU_RE.match(g.key)
    out["name"] = _clean(g.val("Product Name"))
    out["uuid"] = _clean(g.val("GPU UUID"))
    out["serial"] = _clean(g.val("Serial Number"))
    out["product_brand"] = _clean(g.val("Product Brand"))
    out["vbios_version"] = _clean(g.val("VBIOS Version"))
    out["pci_bus_id"] = _first(bus_id(g.val("PCI", "Bus Id")), bus_id(m.group(1) if m else None))
    out["memory_total_mib"] = _pos_mib(g.val("FB Memory Usage", "Total"))
    out["memory_used_mib"] = _mib(g.val("FB Memory Usage", "Used"))
    out["memory_free_mib"] = _mib(g.val("FB Memory Usage", "Free"))
    out["compute_capability"] = _compute_cap(g.val("CUDA Compute Capability"))
    out["power_limit_w"] = _first(
        _pos_float(g.val("GPU Power Readings", "Current Power Limit")),
        _pos_float(g.val("Power Readings", "Current Power Limit")),
        _pos_float(g.val("Power Readings", "Power Limit")),
        _pos_float(g.val("GPU Power Readings", "Power Limit")),
    )
    out["power_default_limit_w"] = _first(
        _pos_float(g.val("GPU Power Readings", "Default Power Limit")),
        _pos_float(g.val("Power Readings", "Default Power Limit")),
    )
    out["max_sm_clock_mhz"] = _pos_int(g.val("Max Clocks", "SM"))
    out["max_memory_clock_mhz"] = _pos_int(g.val("Max Clocks", "Memory"))
    gen = ("PCI", "GPU Link Info", "PCIe Generation")
    width = ("PCI", "GPU Link Info", "Link Width")
    out["pcie_generation"] = _first(_pos_int(g.val(*gen, "Device Current")), _pos_int(g.val(*gen, "Current")))
    out["pcie_generation_max"] = _first(_pos_int(g.val(*gen, "Device Max")), _pos_int(g.val(*gen, "Max")))
    out["pcie_width"] = _width(g.val(*width, "Current"))
    out["pcie_width_max"] = _width(g.val(*width, "Max"))
    out["mig_mode"] = _bool(g.val("MIG Mode", "Current"))
    migs = []
    for md in g.find_all("MIG Device"):
        mem = _first(_mib(md.val("Shared FB Memory Usage", "Total")),
                     _mib(md.val("FB Memory Usage", "Total")))
        migs.append(_mig_device(
            name=_clean(md.val("Profile Name")),
            memory_total_mib=mem,
            gpu_instance_id=_int(md.val("GPU Instance ID")),
            compute_instance_id=_int(md.val("Compute Instance ID")),
        ))
    out["mig_devices"] = migs
    out["virtualization_mode"] = _clean(g.val("GPU Virtualization Mode", "Virtualization Mode"),
                                        keep_none_word=True)
    out["persistence_mode"] = _bool(g.val("Persistence Mode"))
    out["ecc_mode"] = _bool(g.val("ECC Mode", "Current"))
    out["display_attached"] = _display(g.val("Display Active"), g.val("Display Mode"))
    out["driver_model"] = _driver_model(g.val("Driver Model", "Current"))
    out["processes_count"], out["processes_memory_mib"] = _query_processes(g)
    return out


def parse_query(text: str) -> dict[str, Any]:
    """Parse ``nvidia-smi -q`` (also partial ``-q -d ...`` output)."""
    text = _normalise_text(text)
    tree = _query_tree(text)
    driver = cuda = None
    gpus = []
    for node in tree.children:
        low = node.key.lower()
        if low == "driver version" and driver is None:
            driver = _version(node.value)
        elif low == "cuda version" and cuda is None:
            cuda = _cuda(node.value)
        elif _QGPU_RE.match(node.key):
            gpus.append(_query_gpu(node, len(gpus)))
    return _result("query", driver, cuda, gpus)


# ---------------------------------------------------------------------------
# plain nvidia-smi table
# ---------------------------------------------------------------------------

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
                g["ecc_mode"] = True  # uncorrected-error counter shown: ECC is on
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


def parse_table(text: str) -> dict[str, Any]:
    """Parse the default ``nvidia-smi`` summary table."""
    text = _normalise_text(text)
    lines = text.split("\n")
    driver = cuda = None
    for ln in lines:
        m = _TABLE_HEAD_RE.search(ln)
        if m and ln.lstrip().startswith("|"):
            driver = _version(m.group("drv"))
            cuda = _cuda(m.group("cuda"))
            break
    gpus: list[dict[str, Any]] = []
    for header, groups in _table_sections(lines):
        htext = " ".join(header)
        if "Bus-Id" in htext and "Memory-Usage" in htext:
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


# ---------------------------------------------------------------------------
# nvidia-smi -L
# ---------------------------------------------------------------------------

_OLD_MIG_UUID_RE = re.compile(r"^MIG-GPU-[0-9a-fA-F-]+/(\d+)/(\d+)$")


def parse_list(text: str) -> dict[str, Any]:
    """Parse ``nvidia-smi -L``."""
    text = _normalise_text(text)
    gpus: list[dict[str, Any]] = []
    for ln in text.split("\n"):
        m = _LIST_GPU_RE.match(ln)
        if m:
            g = _new_gpu(int(m.group(1)))
            g["name"] = _clean(m.group(2))
            uuid = _clean(m.group(3).strip())
            g["uuid"] = uuid if uuid and uuid.startswith("GPU-") else None
            gpus.append(g)
            continue
        mm = _LIST_MIG_RE.match(ln)
        if mm and gpus:
            gi = ci = None
            om = _OLD_MIG_UUID_RE.match(mm.group(3).strip())
            if om:  # r450/r460 style: MIG-GPU-<uuid>/<gi>/<ci>
                gi, ci = int(om.group(1)), int(om.group(2))
            gpus[-1]["mig_devices"].append(_mig_device(name=mm.group(1), gpu_instance_id=gi,
                                                       compute_instance_id=ci))
            gpus[-1]["mig_mode"] = True
    return _result("list", None, None, gpus)


# ---------------------------------------------------------------------------
# nvidia-smi --query-gpu=... --format=csv
# ---------------------------------------------------------------------------

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


def parse_csv(text: str) -> dict[str, Any]:
    """Parse ``--query-gpu`` CSV, with a header, or headerless in :data:`QUERY_FIELDS` order."""
    text = _normalise_text(text)
    lines = _content_lines(text)
    names: list[str] | None = None
    start = 0
    for i, ln in enumerate(lines[:3]):
        names = _csv_header_fields(ln)
        if names is not None:
            start = i + 1
            break
    if names is None:
        names = list(QUERY_FIELDS)
        rows = [_split_csv_line(ln) for ln in lines]
        start = next((i for i, r in enumerate(rows) if _looks_like_our_headerless_row(r)), len(rows))
    names = [_CSV_ALIASES.get(n, n) for n in names]
    gpus = []
    driver = None
    for ln in lines[start:]:
        cells = _split_csv_line(ln)
        if len(cells) != len(names):
            continue
        row = dict(zip(names, cells))
        if driver is None:
            driver = _version(row.get("driver_version"))
        gpus.append(_csv_gpu(row, len(gpus)))
    return _result("csv", driver, None, gpus)


_PARSERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "xml": parse_xml,
    "query": parse_query,
    "table": parse_table,
    "list": parse_list,
    "csv": parse_csv,
}
