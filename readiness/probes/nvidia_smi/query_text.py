"""``nvidia-smi -q``: the human-readable key : value tree (also partial ``-q -d ...`` output)."""

from __future__ import annotations

import re
from typing import Iterable

from readiness.probes.util import bus_id
from readiness.probes.nvidia_smi.fields import CUDA_KEYS_QUERY, DRIVER_KEYS_QUERY, read_fields
from readiness.probes.nvidia_smi.values import (_clean, _cuda, _display, _first, _int, _mib, _mig_device, _new_gpu,
                                                _normalise_text, _result, _version)


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


# "  Key   : value": the first colon with white space before it and white space (or the line's end)
# after it, past the key's first character. Found with one-character look-arounds, so the time is
# linear in the line; the regex `(?P<key>\S.*?)\s+:` it replaces was quadratic on a long line of
# blank runs without such a colon (fuzz seed 20, #19).
_KV_COLON = re.compile(r"(?<=\s):(?=\s|$)")


def _key_value(line: str) -> tuple[int, str, str] | None:
    """(indent, key, value) of a `key : value` line, else None."""
    ind = len(line) - len(line.lstrip())
    m = _KV_COLON.search(line, ind + 2)
    if m is None:
        return None
    return len(line[:ind].expandtabs(4)), line[ind:m.start()].strip(), line[m.end() + 1:].strip()


def _query_tree(text: str) -> _Node:
    root = _Node("", None, -1)
    stack = [root]
    for raw in text.split("\n"):
        line = raw.rstrip()
        if not line.strip() or line.strip().startswith("==="):
            continue
        kv = _key_value(line)
        if kv:
            indent, key, val = kv
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


def _query_gpu(g: _Node, index: int) -> dict:
    out = _new_gpu(index)
    read_fields(out, lambda f: [g.val(*path) for path in f.query])
    m = _QGPU_RE.match(g.key)
    out["pci_bus_id"] = _first(bus_id(g.val("PCI", "Bus Id")), bus_id(m.group(1) if m else None))
    migs = []
    for md in g.find_all("MIG Device"):
        mem = _first(_mib(md.val("Shared FB Memory Usage", "Total")), _mib(md.val("FB Memory Usage", "Total")))
        migs.append(_mig_device(name=_clean(md.val("Profile Name")), memory_total_mib=mem,
                                gpu_instance_id=_int(md.val("GPU Instance ID")),
                                compute_instance_id=_int(md.val("Compute Instance ID"))))
    out["mig_devices"] = migs
    out["display_attached"] = _display(g.val("Display Active"), g.val("Display Mode"))
    out["processes_count"], out["processes_memory_mib"] = _query_processes(g)
    return out


# Section and key names only `-q` prints, indented under a GPU: five of them make a fragment cut above
# its GPU line and UUID (#14 b14: from `Image Version` on, from a `Free` line on)
_Q_SECTIONS = re.compile(r"^[ \t]{0,8}(FB Memory Usage|BAR1 Memory Usage|Conf Compute Protected Memory Usage|Compute Mode|"
                         r"Utilization|Encoder Stats|FBC Stats|Inforom Version|Image Version|OEM Object|ECC Object|"
                         r"Power Management Object|GPU Operation Mode|GSP Firmware Version|GPU Virtualization Mode|"
                         r"Host VGPU Mode|IBMNPU|Relaxed Ordering Mode|GPU Link Info|PCIe Generation|Link Width|"
                         r"Sub System Id|Retired Pages|Remapped Rows|ECC Mode|ECC Errors|Clocks Event Reasons|"
                         r"Clocks Throttle Reasons|Power Readings|GPU Power Readings|Max Clocks|Applications Clocks|"
                         r"Default Applications Clocks|Supported Clocks|Volatile|Aggregate)[ \t]*(?::|$)", re.M)


def q_fragment(text: str) -> bool:
    return len(set(_Q_SECTIONS.findall(text[:200_000]))) >= 5


def parse_query(text: str) -> dict:
    """Parse ``nvidia-smi -q`` (also partial ``-q -d ...`` output)."""
    tree = _query_tree(_normalise_text(text))
    driver = cuda = None
    gpus = []
    for node in tree.children:
        low = node.key.lower()
        if low in DRIVER_KEYS_QUERY and driver is None:
            driver = _version(node.value)
        elif low in CUDA_KEYS_QUERY and cuda is None:
            cuda = _cuda(node.value)
        elif _QGPU_RE.match(node.key):
            gpus.append(_query_gpu(node, len(gpus)))
    if not gpus and ((tree.val("GPU UUID") or "").startswith("GPU-") or q_fragment(text)):
        # a fragment from inside one GPU's block, its "GPU 00000000:..." line cut off (#14 b11, b14)
        gpus.append(_query_gpu(tree, 0))
    return _result("query", driver, cuda, gpus)
