"""RAM, swap, and a container's cgroup memory limit."""

from __future__ import annotations

import re

from readiness.facts import Draft, MemoryFacts
from readiness.probes.base import Result
from readiness.probes.util import mib, timed_out, to_int

NAME = "memory"


def _is_meminfo(text: str) -> bool:
    return bool(re.search(r"^MemTotal:\s+\d+\s*kB", text, re.M))


FORMATS = [("file:/proc/meminfo", _is_meminfo)]

_CGROUP_FILES = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]


def collect(host) -> dict:
    if host.system in ("linux", None):
        raw = {"meminfo": host.read_file("/proc/meminfo")}
        for path in _CGROUP_FILES:
            raw[path] = host.read_file(path)
        if host.system is None:
            raw.update(_pasted_totals(host))
        return raw
    return {"psutil": host.call("psutil.virtual_memory")}


def _pasted_totals(host) -> dict:
    """Raw files without /proc/meminfo may still state the RAM: sysctl hw.memsize, the Mac's
    hardware overview, dxdiag's System Information."""
    from readiness.probes.apple import HARDWARE_JSON, HARDWARE_TEXT, SYSCTL
    from readiness.probes.windows import DXDIAG

    return {"sysctl": host.run(SYSCTL), "hardware": host.run(HARDWARE_JSON), "hardware_text": host.run(HARDWARE_TEXT),
            "dxdiag": host.run(DXDIAG)}


def _pasted_total_mib(raw: dict) -> int | None:
    from readiness.probes.apple import hardware, parse_sysctl
    from readiness.probes.windows import dxdiag_system

    sysctl = raw.get("sysctl")
    memsize = to_int(parse_sysctl(sysctl.text).get("hw.memsize")) if sysctl is not None and sysctl.text else None
    if memsize:
        return memsize // 2**20
    total = hardware(raw).get("memory")
    if total:
        return total
    dx = raw.get("dxdiag")
    return dxdiag_system(dx.text).get("memory_mib") if dx is not None and dx.text else None


def parse_meminfo(text: str) -> dict[str, int]:
    """Values in KiB."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+(?:\(\w+\))?):\s+(\d+)", line)
        if m:
            out[m.group(1)] = int(m.group(2))
    return out


def parse(raw: dict) -> Result:
    mem = Draft(MemoryFacts)
    meminfo = raw.get("meminfo")
    if meminfo is not None and meminfo.text:
        kv = parse_meminfo(meminfo.text)
        mem.total_mib = kv["MemTotal"] // 1024 if "MemTotal" in kv else None
        # MemAvailable appeared in Linux 3.14; older kernels leave it unknown rather than guessed.
        mem.available_mib = kv["MemAvailable"] // 1024 if "MemAvailable" in kv else None
        mem.swap_total_mib = kv["SwapTotal"] // 1024 if "SwapTotal" in kv else None
    elif raw.get("psutil") is not None and raw["psutil"].ok:
        vm = raw["psutil"].value
        mem.total_mib, mem.available_mib, mem.swap_total_mib = mib(vm["total"]), mib(vm["available"]), mib(vm["swap_total"])
    elif _pasted_total_mib(raw):
        mem.total_mib = _pasted_total_mib(raw)
    else:
        reason = (meminfo or raw.get("psutil")).reason if (meminfo or raw.get("psutil")) is not None else None
        return Result({"memory": mem.build()}, "absent", reason or "no memory information could be read")
    for path in _CGROUP_FILES:
        answer = raw.get(path)
        limit = to_int(answer.text) if answer is not None and answer.text and answer.text.strip() != "max" else None
        if limit and mem.total_mib and limit // (1024 * 1024) < mem.total_mib:
            mem.cgroup_limit_mib = limit // (1024 * 1024)
            break
    late = timed_out(raw)
    return Result({"memory": mem.build()}, "timeout" if late else "ok", "; ".join(late) or None)
