"""Small pure helpers shared by parsers."""

from __future__ import annotations

import re
from typing import Any, Callable

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


class Guard:
    """One guarded query function for a vendor library (NVML, amdsmi): every call goes through
    ``q``, which returns {"v": value} or {"err": code, "reason": words} and never raises, so a
    failing metric is a reason and the GPU stays listed."""

    def __init__(self, lib, error_type: type, to_error: Callable[[Exception], dict], label: str,
                 convert: Callable[[Any], Any] = lambda x: x):
        self.lib, self.error_type, self.to_error, self.label, self.convert = lib, error_type, to_error, label, convert

    def q(self, fn_name: str, *args: Any, convert: Callable[[Any], Any] | None = None) -> dict:
        fn = getattr(self.lib, fn_name, None)
        if fn is None:
            return {"err": "function_not_found", "reason": f"{fn_name} is not in this {self.label}"}
        try:
            return {"v": (convert or self.convert)(fn(*args))}
        except self.error_type as e:
            return self.to_error(e)
        except Exception as e:  # noqa: BLE001 - a binding bug in one metric must not lose the GPU
            return {"err": "exception", "reason": f"{fn_name}: {type(e).__name__}: {e}"}


def normalise_bus_id(bus: str | None) -> str | None:
    """NVML's "00000000:01:00.0" and lspci's "01:00.0" → sysfs's "0000:01:00.0"."""
    if not bus:
        return None
    bus = bus.strip().lower()
    parts = bus.split(":")
    if len(parts) == 3:
        parts[0] = parts[0][-4:].rjust(4, "0")
    elif len(parts) == 2:
        parts.insert(0, "0000")
    return ":".join(parts)
