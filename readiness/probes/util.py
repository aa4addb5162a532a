"""Small pure helpers shared by parsers."""

from __future__ import annotations

import re
from typing import Any

from readiness.host.base import TIMEOUT, Answer

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


def to_int(value: Any) -> int | None:
    if value is None:
        return None
    m = re.search(r"-?\d+", str(value))
    return int(m.group()) if m else None


def to_float(value: Any) -> float | None:
    if value is None:
        return None
    m = re.search(r"-?\d+(?:\.\d+)?", str(value))
    return float(m.group()) if m else None


def mib(num_bytes: float | int | None) -> int | None:
    return None if num_bytes is None else int(num_bytes // (1024 * 1024))


def timed_out(answers: dict[str, Answer]) -> list[str]:
    return [a.reason or k for k, a in answers.items() if isinstance(a, Answer) and a.status == TIMEOUT]
