"""``nvidia-smi -q -x``: every DTD from the old un-versioned one to v13, read tolerantly.

A pasted XML is often cut short (an issue's length limit) or shortened by hand (lines deleted);
the document is rebuilt from its tags, closing what is left open, so every complete value
before the cut is still read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from readiness.probes.util import bus_id
from readiness.probes.nvidia_smi.fields import CUDA_KEYS_XML, DRIVER_KEYS_XML, read_fields
from readiness.probes.nvidia_smi.values import (_clean, _cuda, _display, _first, _int, _mib, _mig_device, _new_gpu,
                                                _normalise_text, _result, _version)

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

# Attributes start with a blank: a name run with nothing after it but more non-tag text
# ("</bridge_c000...", no ">") would else be split between the two runs at every position
# (quadratic: an 8 MB fuzzed -q -x log took 299 s of CPU; issue 19, fuzz seed 19).
_TAG = re.compile(r"<(/?)([A-Za-z_][\w.-]*)((?:\s[^<>]*?)?)(/?)>")
_END = "</nvidia_smi_log>"


def _xtext(el: ET.Element | None, path: str) -> str | None:
    if el is None:
        return None
    found = el.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _rebuild(body: str) -> str:
    """The tags of a cut or hand-edited log, balanced: a close tag with no open one is dropped,
    one that skips open tags closes them, and whatever is open at the end is closed."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TAG.finditer(body):
        out.append(body[pos:m.start()])
        pos = m.end()
        closing, name, self_closing = m.group(1), m.group(2), m.group(4)
        if self_closing:
            out.append(m.group(0))
        elif not closing:
            stack.append(name)
            out.append(m.group(0))
        elif name in stack:
            while stack:
                top = stack.pop()
                out.append(f"</{top}>")
                if top == name:
                    break
    tail = body[pos:]
    if "<" not in tail:
        out.append(tail)
    out.extend(f"</{name}>" for name in reversed(stack))
    return "".join(out)


def _xml_root(text: str) -> ET.Element:
    # ElementTree only when there is XML to read: every live check imports this package (issue 18)
    import xml.etree.ElementTree as ET

    start = text.find("<nvidia_smi_log")
    if start < 0:
        raise ValueError("not nvidia-smi XML output: no <nvidia_smi_log> element")
    body = text[start:]
    end = body.rfind(_END)
    if end >= 0:
        body = body[: end + len(_END)]
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        try:
            root = ET.fromstring(_rebuild(body))
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


def _xml_gpu(el: ET.Element, index: int) -> dict:
    g = _new_gpu(index)
    read_fields(g, lambda f: [_xtext(el, path) for path in f.xml])
    g["pci_bus_id"] = _first(bus_id(_xtext(el, "pci/pci_bus_id")), bus_id(el.get("id")))
    g["mig_devices"] = [_mig_device(
        name=_clean(_first(_xtext(md, "profile_name"), _xtext(md, "name"))),
        memory_total_mib=_mib(_xtext(md, "fb_memory_usage/total")),
        gpu_instance_id=_int(_xtext(md, "gpu_instance_id")),
        compute_instance_id=_int(_xtext(md, "compute_instance_id")),
    ) for md in el.findall("mig_devices/mig_device")]
    g["display_attached"] = _display(_xtext(el, "display_active"), _xtext(el, "display_mode"))
    g["processes_count"], g["processes_memory_mib"] = _xml_processes(el)
    return g


def parse_xml(text: str) -> dict:
    """Parse ``nvidia-smi -q -x``."""
    root = _xml_root(_normalise_text(text))
    gpus = [_xml_gpu(el, i) for i, el in enumerate(root.findall("gpu"))]
    driver = _first(*(_version(_xtext(root, k)) for k in DRIVER_KEYS_XML))
    cuda = _first(*(_cuda(_xtext(root, k)) for k in CUDA_KEYS_XML))
    return _result("xml", driver, cuda, gpus)
