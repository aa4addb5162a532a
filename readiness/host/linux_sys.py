"""The library calls a live check makes on Linux, read from /sys and /proc as psutil reads them
(psutil/_pslinux.py: cpu_count_cores, cpu_freq, sensors_battery, Process.name/cmdline), without
importing psutil: its import (with socket, hashlib and ipaddress) was a sixth of a warm
`check --json` on Linux, for four small files (issue 18). The answers keep psutil's shape, so a
capture records the same `call:psutil.*` entries either way. ``root`` is for tests: a folder laid
out like /.

Every read is small and bounded: these are kernel files of a few bytes each."""

from __future__ import annotations

import glob
import os
import re

_SMALL = 4096  # bytes: a kernel attribute file holds one value


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read(_SMALL).decode("ascii", "replace").strip()
    except OSError:
        return None


def _int(path: str) -> int | None:
    text = _read(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _cpuinfo_lines(root: str) -> list[str]:
    try:
        with open(os.path.join(root, "proc/cpuinfo"), "rb") as f:
            return f.read(8 * 1024 * 1024).decode("ascii", "replace").split("\n")
    except OSError:
        return []


def cpu_count(root: str = "/") -> dict:
    """{"logical", "physical"}: the CPUs the OS schedules on, and the distinct cores among them (each
    core's list of sibling threads counted once; /proc/cpuinfo's `physical id` / `cpu cores` where
    sysfs has no topology, as psutil falls back)."""
    cpu = os.path.join(root, "sys/devices/system/cpu")
    logical = os.cpu_count() if root == "/" else len(glob.glob(os.path.join(cpu, "cpu[0-9]*"))) or None
    paths = glob.glob(os.path.join(cpu, "cpu[0-9]*/topology/core_cpus_list")) or \
        glob.glob(os.path.join(cpu, "cpu[0-9]*/topology/thread_siblings_list"))
    siblings = {s for s in (_read(p) for p in paths) if s is not None}
    physical = len(siblings) or _cores_from_cpuinfo(root)
    return {"logical": logical, "physical": physical}


def _cores_from_cpuinfo(root: str) -> int | None:
    per_package: dict[str, int] = {}
    current: dict[str, str] = {}
    for line in _cpuinfo_lines(root) + [""]:
        line = line.strip().lower()
        if not line:
            if "physical id" in current and "cpu cores" in current and current["cpu cores"].isdigit():
                per_package[current["physical id"]] = int(current["cpu cores"])
            current = {}
        elif line.startswith(("physical id", "cpu cores")):
            key, _, value = line.partition(":")
            current[key.strip()] = value.strip()
    return sum(per_package.values()) or None


def _number(path: str) -> int:
    """policy12 -> 12 (the numeric order psutil sorts by; cpu12/cpufreq -> 12)."""
    digits = re.findall(r"[0-9]{1,6}", path.replace(os.sep + "cpufreq", ""))
    return int(digits[-1]) if digits else 0


def cpu_freq(root: str = "/") -> dict | None:
    """{"current", "min", "max"} in MHz, averaged over the cpufreq policies as psutil.cpu_freq() does;
    /proc/cpuinfo's `cpu MHz` (no min or max) where there is no cpufreq; None when neither says."""
    cpu = os.path.join(root, "sys/devices/system/cpu")
    paths = glob.glob(os.path.join(cpu, "cpufreq/policy[0-9]*")) or glob.glob(os.path.join(cpu, "cpu[0-9]*/cpufreq"))
    mhz = [float(m.group(1)) for m in (re.match(r"cpu mhz\s*:\s*([0-9]{1,9}(?:\.[0-9]{1,9})?)", line.strip().lower())
                                       for line in _cpuinfo_lines(root)) if m]
    rows = []
    for i, path in enumerate(sorted(paths, key=_number)):
        current = mhz[i] * 1000 if len(paths) == len(mhz) else \
            _int(os.path.join(path, "scaling_cur_freq")) or _int(os.path.join(path, "cpuinfo_cur_freq"))
        top, bottom = _int(os.path.join(path, "scaling_max_freq")), _int(os.path.join(path, "scaling_min_freq"))
        if current is None or top is None or bottom is None:
            continue  # an offline core: psutil counts it as zeroes, which only lowers the mean
        rows.append((current / 1000, bottom / 1000, top / 1000))
    if rows:
        n = len(rows)
        return {"current": sum(r[0] for r in rows) / n, "min": sum(r[1] for r in rows) / n,
                "max": sum(r[2] for r in rows) / n}
    if mhz:
        return {"current": sum(mhz) / len(mhz), "min": 0.0, "max": 0.0}
    return None


def battery(root: str = "/") -> dict | None:
    """{"percent", "power_plugged"} of the first battery under /sys/class/power_supply, None without one."""
    supply = os.path.join(root, "sys/class/power_supply")
    try:
        names = [n for n in os.listdir(supply) if n.startswith("BAT") or "battery" in n.lower()]
    except OSError:
        return None
    if not names:
        return None
    bat = os.path.join(supply, min(names))

    def first(*files: str) -> int | None:
        for f in files:
            value = _int(os.path.join(bat, f))
            if value is not None:
                return value
        return None

    now, full = first("energy_now", "charge_now"), first("energy_full", "charge_full")
    if now is not None and full is not None:
        percent = 100.0 * now / full if full else 0.0
    else:
        percent = _int(os.path.join(bat, "capacity"))
        if percent is None:
            return None
    online = _int(os.path.join(supply, "AC0/online"))
    online = online if online is not None else _int(os.path.join(supply, "AC/online"))
    if online is not None:
        plugged: bool | None = online == 1
    else:
        status = (_read(os.path.join(bat, "status")) or "").lower()
        plugged = False if status == "discharging" else True if status in ("charging", "full") else None
    return {"percent": round(percent, 1), "power_plugged": plugged}


def process(pid: int, root: str = "/") -> dict | None:
    """{"name", "cmdline"} of a running process, None when it is gone or not readable. The kernel's
    name is cut to 15 characters; psutil then takes the command line's program name when it starts
    with the cut name, and so does this."""
    base = os.path.join(root, "proc", str(int(pid)))
    name = _read(os.path.join(base, "comm"))
    try:
        with open(os.path.join(base, "cmdline"), "rb") as f:
            raw = f.read(64 * 1024)
    except OSError:
        return None
    if name is None:
        return None
    cmdline = [a.decode("utf-8", "replace") for a in raw.rstrip(b"\0").split(b"\0")] if raw else []
    if len(name) >= 15 and cmdline:
        program = os.path.basename(cmdline[0])
        if program.startswith(name):
            name = program
    return {"name": name, "cmdline": cmdline}
