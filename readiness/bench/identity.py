"""Which machine, and which devices, a measurement belongs to. Reads through the host."""

from __future__ import annotations

import hashlib
import re

# systemd's machine id, D-Bus's copy of it, then the firmware's UUID (often root-only).
ID_FILES = ("/etc/machine-id", "/var/lib/dbus/machine-id", "/sys/class/dmi/id/product_uuid")


def _digest(value: str) -> str:
    # Stored hashed: the cache names a machine without keeping an identifier others could match.
    return hashlib.sha256(("readiness-bench:" + value).encode()).hexdigest()[:16]


def machine(host, facts: dict) -> dict:
    """{"id": digest, "source": where it came from, "stable": bool}."""
    known = (facts.get("host") or {}).get("machine_id")
    if known:
        return {"id": _digest(str(known)), "source": "host.machine_id", "stable": True}
    for path in ID_FILES:
        answer = host.read_file(path)
        value = (answer.text or "").strip()
        if answer.ok and re.fullmatch(r"[0-9A-Fa-f-]{16,64}", value) and set(value) - {"0", "-"}:
            return {"id": _digest(value.lower()), "source": path, "stable": True}
    # No stable id (macOS, Windows, a container without one): the hostname and CPU stand in, and
    # the output says so, since a renamed machine will look new.
    fallback = f"{(facts.get('host') or {}).get('hostname')}|{(facts.get('cpu') or {}).get('model')}"
    return {"id": _digest(fallback), "source": "hostname and CPU model (no machine id readable)", "stable": False}


def last_level_cache_bytes(host) -> int | None:
    """The largest CPU cache of cpu0 (Linux sysfs), to size the RAM buffer well beyond it."""
    best = None
    for index in range(5):
        answer = host.read_file(f"/sys/devices/system/cpu/cpu0/cache/index{index}/size")
        m = re.fullmatch(r"(\d+)([KMG])", (answer.text or "").strip())
        if answer.ok and m:
            size = int(m.group(1)) * {"K": 2**10, "M": 2**20, "G": 2**30}[m.group(2)]
            best = max(best or 0, size)
    return best


def norm_name(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (name or "").lower().replace("nvidia", "").replace("geforce", ""))


def gpu_fact(facts: dict, name: str | None, index: int) -> dict | None:
    """The facts GPU a torch device is: same name, else the index-th usable GPU."""
    gpus = [g for g in facts.get("gpus") or [] if not g.get("virtual") and g.get("vendor") != "other"]
    same = [g for g in gpus if norm_name(g.get("name")) and norm_name(g.get("name")) == norm_name(name)]
    if same:
        return same[min(index, len(same) - 1)]
    return gpus[index] if index < len(gpus) else None
