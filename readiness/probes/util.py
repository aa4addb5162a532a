"""Small pure helpers shared by parsers."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from readiness.host.base import TIMEOUT, Answer
from readiness.host.guard import Guard  # noqa: F401 - kept importable from here

#: How Windows probes run a PowerShell command (the CPU and the Windows GPU probes both do).
PS = ["powershell", "-NoProfile", "-NonInteractive", "-Command"]

_ARCH = {
    "x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64", "em64t": "x86_64",
    "aarch64": "arm64", "arm64": "arm64", "armv8l": "arm64", "aarch64_be": "arm64",
    "i386": "x86", "i486": "x86", "i586": "x86", "i686": "x86", "x86": "x86",
    "armv6l": "arm", "armv7l": "arm", "armv7": "arm", "arm": "arm",
    "ppc64le": "ppc64le", "ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}


def normalise_arch(value: str | None) -> str | None:
    if not value:
        return None
    return _ARCH.get(value.strip().lower(), value.strip().lower())


def is_arch(value: str) -> bool:
    return value.strip().lower() in _ARCH


def key_values(text: str, sep: str = ":") -> dict[str, str]:
    """``Key : value`` lines into a dict (first occurrence wins)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if sep in line:
            k, v = line.split(sep, 1)
            out.setdefault(k.strip(), v.strip())
    return out


def every_line(text: str, match, limit: int = 2000) -> list | None:
    """``match(line)`` for each non-blank line of the first ``limit``: the matches, or None when a
    line does not match. A paste under `tool | grep ...` holds only the lines grep kept: its loose
    detectors ask that every line be one of the tool's own (#14 b12-b14)."""
    found = [match(line) for line in text.split("\n", limit)[:limit] if line.strip()]
    return found if found and all(found) else None


# A minus sign after a letter is a hyphen: "glibc-2.39" holds 2, not -2 (a collect_env paste whose
# "Socket(s):" line ran into the next one gave -32 physical cores; #19, fuzz shard 3).
_INT = re.compile(r"(?:(?<![\w-])-)?\d+")
_COUNT = re.compile(r"[ \t]*(\d{1,9})[ \t]*")
_FLOAT = re.compile(r"(?:(?<![\w-])-)?\d+(?:\.\d+)?")


def to_int(value: Any) -> int | None:
    if value is None:
        return None
    m = _INT.search(str(value))
    return int(m.group()) if m else None


def to_count(value: Any) -> int | None:
    """A count of cores, CPUs or sockets: the whole value, and positive. A mangled line is unknown,
    not a count read out of other text ("Socket(s): Libc version: glibc-2.39" is no 2 or -2)."""
    if value is None:
        return None
    m = _COUNT.fullmatch(str(value))
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


def to_float(value: Any) -> float | None:
    if value is None:
        return None
    m = _FLOAT.search(str(value))
    if not m:
        return None
    number = float(m.group())
    # A 400-digit "power limit" is not a measurement: unknown, never Infinity in the JSON.
    return number if math.isfinite(number) and abs(number) < 1e18 else None


def mib(num_bytes: float | int | None) -> int | None:
    return None if num_bytes is None else int(num_bytes // (1024 * 1024))


def timed_out(answers: dict[str, Answer]) -> list[str]:
    return [a.reason or k for k, a in answers.items() if isinstance(a, Answer) and a.status == TIMEOUT]


_BUS_ID = re.compile(r"(?:([0-9a-f]{1,8}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])", re.I)


def bus_id(value: Any) -> str | None:
    """A PCI address as sysfs writes it, "0000:01:00.0": from NVML's and nvidia-smi's
    "00000000:01:00.0", lspci's "01:00.0", amd-smi's and rocm-smi's; None when it is not one."""
    m = _BUS_ID.fullmatch(str(value).strip()) if value is not None else None
    if not m:
        return None
    domain, bus, dev, fn = m.groups()
    return f"{(domain or '0').rjust(8, '0')[-4:]}:{bus.rjust(2, '0')}:{dev.rjust(2, '0')}.{fn}".lower()


_SIZE = re.compile(r"(-?\d+(?:\.\d+)?)\s*([KMGT]?i?B)?", re.I)
_SIZE_FACTOR = {"b": 1 / 2**20, "kb": 1 / 1024, "kib": 1 / 1024, "mb": 1, "mib": 1, "gb": 1024, "gib": 1024,
                "tb": 2**20, "tib": 2**20}


def size_mib(value: Any) -> int | None:
    """"8192 MiB", "16 GB", "8176 MB", "24" (MiB) → MiB. GPU tools write MB and GB for MiB and GiB
    (amd-smi, nvidia-smi, system_profiler), so both spellings count in powers of two."""
    m = _SIZE.search(str(value)) if value is not None else None
    if not m:
        return None
    return int(round(float(m.group(1)) * _SIZE_FACTOR.get((m.group(2) or "MiB").lower(), 1)))


_DECODER = json.JSONDecoder()
_REST_IS_BLANK = re.compile(r"\s*\Z")
# "{" then a key, "}" or the line's end; "[" then a value, "]" or the line's end: not "[root@host ~]#"
# or "[INFO]", which open prompts and log lines.
_JSON_START = re.compile(r'^[ \t]*(?:(\{)(?=[ \t]*(?:"|\}|\r?$))|(\[)(?=[ \t]*(?:[\[{"\]\d-]|true|false|null|\r?$)))', re.M)
_JSON_TRIES = 32  # banner and prompt lines before a document; a log of bracketed lines is not JSON


def name_class(name: str) -> str | None:
    """What a display adapter's name alone says it is (data/gpu_name_classes.toml: "virtual",
    "integrated", ...), for outputs that print a name and no PCI ids (Windows, inxi 2.x)."""
    from readiness import data

    for row in data.rows("gpu_name_classes", "name"):
        if re.search(row["pattern"], name, re.I):
            return row["class"]
    return None


def json_in(text: str | None) -> Any:
    """The JSON document in a pasted output: from the first line that opens one ("{" or "[") to
    the end, so a prompt or banner line before it ("[root@host ~]# amd-smi static --json") is
    passed over. None when there is none.

    Only a line that can open JSON, with the bracket that matches the text's last one, can hold a
    document that ends the text, and at most _JSON_TRIES such starts are tried: each failed decode
    costs the text up to where it failed (the error counts the lines before it), so 3,000
    `[opencl:...]` lines of a pasted sycl-ls were quadratic, 8-10 s on 400 KB (issue 19, fuzz seeds 19, 20)."""
    tail = (text or "").rstrip()
    closer = tail[-1:]
    if closer not in ("}", "]"):
        return None
    opener = "{" if closer == "}" else "["
    tries = 0
    for m in _JSON_START.finditer(text):
        if m.group(m.lastindex) != opener:
            continue
        tries += 1
        if tries > _JSON_TRIES:
            return None
        try:
            doc, end = _DECODER.raw_decode(text, m.start(m.lastindex))
        except (ValueError, RecursionError):
            continue
        if _REST_IS_BLANK.match(text, end):
            return doc
    return None


def closed_json(text: str):
    """A JSON document cut short (an issue's length limit): everything up to the last complete
    member, with the open objects and arrays closed; None when that does not parse either. Reads at
    most 4 MiB, in two linear passes (#14: rocm-smi JSON in b7, system_profiler -json in b10)."""
    start = text.find("{")
    if start < 0:
        return None
    body = text[start:start + 4 * 1024 * 1024]
    stack: list[str] = []
    last_ok = 0  # where a member ended at depth >= 1 (after a value, before a comma)
    in_str = esc = False
    for i, ch in enumerate(body):
        if in_str:
            esc, in_str = (False, True) if esc else (ch == "\\", ch != '"')
            continue
        if ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
            last_ok = i + 1
        elif ch == "," and stack:
            last_ok = i
    if not stack:
        return None
    cut = body[:last_ok]
    depth: list[str] = []
    in_str = esc = False
    for ch in cut:  # the closers still open at the cut
        if in_str:
            esc, in_str = (False, True) if esc else (ch == "\\", ch != '"')
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth.append("}" if ch == "{" else "]")
        elif ch in "}]" and depth:
            depth.pop()
    try:
        return json.loads(cut + "".join(reversed(depth)))
    except ValueError:
        return None
