"""Pure parsers for the text that ``nvidia-smi`` prints, one module per output form:

* ``"xml"``   -- ``nvidia-smi -q -x`` (xml.py)
* ``"query"`` -- ``nvidia-smi -q`` (query_text.py)
* ``"table"`` -- plain ``nvidia-smi`` (table.py)
* ``"list"``  -- ``nvidia-smi -L`` (listing.py)
* ``"csv"``   -- ``nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]`` (csv.py)

XML and ``-q`` are read through one field mapping (fields.py). Every parser returns the same
shape::

    {"format": str, "driver_version": str|None, "cuda_driver_version": str|None,
     "gpus": [gpu, ...]}

where each ``gpu`` has exactly the keys of :data:`GPU_KEYS`. A value is ``None`` whenever the
output does not carry it or shows it as ``N/A``, ``[N/A]``, ``[Not Supported]``, ``Requested
functionality has been deprecated`` and the like. Unknown numbers are never reported as ``0``.
Only text that is not nvidia-smi output at all raises :class:`ValueError`.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from readiness.probes.nvidia_smi.csv import (find_header, _looks_like_our_headerless_row, _split_csv_line,
                                             command_line_fields, parse_csv)
from readiness.probes.nvidia_smi.listing import is_list_line, listed_bare, parse_list
from readiness.probes.nvidia_smi.query_text import parse_query, q_fragment
from readiness.probes.nvidia_smi.table import _TABLE_HEAD_RE, GPU_ROW_RE, is_banner_line, parse_table
from readiness.probes.nvidia_smi.values import (GPU_KEYS, QUERY_FIELDS, _bool, _clean, _cuda, _int, _mib,
                                                _normalise_text)
from readiness.probes.nvidia_smi.xml import parse_xml

__all__ = ["QUERY_FIELDS", "GPU_KEYS", "detect", "parse", "parse_xml", "parse_query", "parse_table", "parse_list",
           "parse_csv", "_clean", "_bool", "_int", "_mib", "_cuda"]

_QUERY_MARK = "==============NVSMI LOG=============="
_BANNERLESS_QUERY = re.compile(r"^(?:Driver|KMD) Version\s+:\s*\S", re.M)
_PRODUCT_LINE = re.compile(r"^\s+Product Name\s+:", re.M)
# `-q -d PERFORMANCE` (and the other -d sections) prints no Product Name: its header's `Attached GPUs`
# and a `GPU 00000000:03:00.0` block line tell it instead (#14 b12, llama.cpp#27415)
_ATTACHED_AND_BLOCK = re.compile(r"^Attached GPUs[ \t]+:[ \t]*\d+[ \t]*\n(?:[ \t]*\n)*GPU [0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:", re.M)
_FRAGMENT_UUID = re.compile(r"^[ \t]{0,8}GPU UUID[ \t]{1,60}:[ \t]{0,4}GPU-[0-9a-fA-F-]{8,60}[ \t]*$", re.M)
_FRAGMENT_KEYS = re.compile(r"^[ \t]{0,8}(VBIOS Version|Minor Number|MultiGPU Board|Board ID|GPU Part Number|"
                            r"Serial Number|Persistence Mode|Product Brand|Product Architecture|Module ID)[ \t]{1,60}:",
                            re.M)


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
        if (ln.lstrip().startswith("|") and _TABLE_HEAD_RE.search(ln)) or is_banner_line(ln):
            return "table"
    # a table pasted without its banner: the box's double rule and a GPU row
    if any(ln.lstrip().startswith("|===") for ln in lines) and any(GPU_ROW_RE.match(ln) for ln in lines):
        return "table"
    if any(is_list_line(lines, i) for i in range(len(lines))) or listed_bare(lines):
        return "list"
    if lines:
        # the header may follow a shell prompt or the command line
        found = find_header(lines)
        if found is not None and len(lines) > found[0] + 1:
            return "csv"
        if command_line_fields(lines) is not None:
            return "csv"
        rows = [_split_csv_line(ln) for ln in lines]
        data = [r for r in rows if len(r) > 1]
        if data and all(_looks_like_our_headerless_row(r) for r in data):
            return "csv"
    # a -q text whose banner was cut off
    if _BANNERLESS_QUERY.search(text) and (_PRODUCT_LINE.search(text) or _ATTACHED_AND_BLOCK.search(text)):
        return "query"
    # a -q fragment from the middle of one GPU's block: its UUID among other -q keys (#14 b11)
    if _FRAGMENT_UUID.search(text) and len(set(_FRAGMENT_KEYS.findall(text))) >= 2:
        return "query"
    if q_fragment(text):
        return "query"
    return None


def parse(text: str) -> dict[str, Any]:
    """Parse any nvidia-smi output; raises ValueError if it is not nvidia-smi output."""
    fmt = detect(text)
    if fmt is None:
        raise ValueError("not nvidia-smi output: expected nvidia-smi -q -x XML, -q text, "
                         "the default table, -L or --query-gpu CSV")
    return _PARSERS[fmt](text)


_PARSERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "xml": parse_xml,
    "query": parse_query,
    "table": parse_table,
    "list": parse_list,
    "csv": parse_csv,
}
