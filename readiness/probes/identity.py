"""The machine's stable identity (host.machine_id), so that a fleet keeps two machines with one
hostname apart and one machine's reports together when it is renamed.

Sources, first readable wins: systemd's /etc/machine-id (dbus's copy), the DMI product UUID
(/sys/class/dmi/id/product_uuid, usually root-only), macOS's IOPlatformUUID, Windows's
MachineGuid. Placeholder values that firmware and images ship with are not identities.
"""

from __future__ import annotations

import re

from readiness.probes.base import Result

NAME = "identity"

LINUX_FILES = ["/etc/machine-id", "/var/lib/dbus/machine-id", "/sys/class/dmi/id/product_uuid"]
IOREG = ["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"]
REG_QUERY = ["reg", "query", r"HKLM\SOFTWARE\Microsoft\Cryptography", "/v", "MachineGuid"]

# Known non-identities: unset, all zeros or all Fs, the "uninitialized" of a first systemd boot,
# and the DMI UUID that many boards ship with (the bytes 00 01 02 … 09 in order).
_PLACEHOLDERS = {"uninitialized", "03000200-0400-0500-0006-000700080009", "not settable", "not specified",
                 "none", "default string", "to be filled by o.e.m."}
_HEX_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_IOREG_UUID = re.compile(r'"IOPlatformUUID"\s*=\s*"([^"\n]{1,80})"')
_REG_GUID = re.compile(r"MachineGuid\s+REG_SZ\s+(\S{1,80})")


def collect(host) -> dict:
    raw: dict = {"system": host.system}
    if host.system in ("linux", None):
        for path in LINUX_FILES:
            raw[path] = host.read_file(path)
            if raw[path].ok and usable(raw[path].text):
                break
    if host.system == "darwin":
        raw["ioreg"] = host.run(IOREG)
    if host.system == "windows":
        raw["reg"] = host.run(REG_QUERY)
    return raw


def usable(text: str | None) -> str | None:
    """The identity in a source's text, normalised (lower case, no braces), or None."""
    if not text:
        return None
    value = text.strip().strip("{}").lower()
    if value in _PLACEHOLDERS or not _HEX_ID.fullmatch(value):
        return None
    if set(value.replace("-", "")) <= {"0"} or set(value.replace("-", "")) <= {"f"}:
        return None
    return value


def parse(raw: dict) -> Result:
    for path in LINUX_FILES:
        answer = raw.get(path)
        if answer is not None and answer.ok:
            value = usable(answer.text)
            if value:
                return Result({"machine_id": value})
    for key, pattern in (("ioreg", _IOREG_UUID), ("reg", _REG_GUID)):
        answer = raw.get(key)
        if answer is not None and answer.text:
            m = pattern.search(answer.text)
            value = usable(m.group(1)) if m else None
            if value:
                return Result({"machine_id": value})
    tried = [k for k, v in raw.items() if k != "system" and v is not None]
    return Result({"machine_id": None}, "absent",
                  "no machine identity readable" + (f" (tried {', '.join(tried)})" if tried else ""))
