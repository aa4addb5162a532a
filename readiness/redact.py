"""Removing hostnames, serial numbers and GPU UUIDs from raw outputs (``capture --redact``)."""

from __future__ import annotations

import re
from typing import Any

HOST = "redacted-host"
SERIAL = "REDACTED"

# Keys whose values are identifying wherever they appear in structured answers.
_HOST_KEYS = {"node", "hostname"}
_SECRET_KEYS = {"serial", "uuid", "board_serial", "product_serial"}

_PATTERNS = [
    # nvidia-smi -q text, system_profiler text and similar "Serial Number (system): 1234" lines
    (re.compile(r"(?im)^(\s*(?:serial(?: number)?(?: \(system\))?|board serial|hardware uuid|provisioning udid"
                r"|asic_serial|product_serial)\s*[:=]\s*)(\S.*)$"), r"\1" + SERIAL),
    # the same inside JSON outputs (system_profiler -json, amd-smi, rocm-smi)
    (re.compile(r'(?i)("(?:serial_number|serial number|platform_uuid|provisioning_udid|asic_serial|product_serial'
                r'|unique id|uuid)"\s*:\s*")[^"]*(")'), r"\1" + SERIAL + r"\2"),
    # nvidia-smi -q -x
    (re.compile(r"(?i)(<serial>)[^<]*(</serial>)"), r"\1" + SERIAL + r"\2"),
    (re.compile(r"(?i)(<uuid>)[^<]*(</uuid>)"), r"\1" + SERIAL + r"\2"),
    # NVIDIA GPU and MIG UUIDs anywhere (nvidia-smi -L, tables, csv)
    (re.compile(r"\b(GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b"), r"\1-" + SERIAL),
]


def secrets_in(answers: dict) -> set[str]:
    """Host names found in the answers, to be replaced wherever they appear."""
    names: set[str] = set()
    for key, answer in answers.items():
        value = answer.value
        if key == "call:platform.uname" and isinstance(value, dict) and value.get("node"):
            names.add(value["node"])
        elif key in ("file:/etc/hostname", "file:/proc/sys/kernel/hostname") and answer.text:
            names.add(answer.text.strip())
        elif key == "cmd:uname -a" and answer.text and len(answer.text.split()) > 1:
            names.add(answer.text.split()[1])
    return {n for n in names if len(n) >= 2}


def scrub(value: Any, hostnames: set[str]) -> Any:
    if isinstance(value, str):
        for name in sorted(hostnames, key=len, reverse=True):
            value = re.sub(r"(?<![\w.-])" + re.escape(name) + r"(?![\w-])", HOST, value)
        for pattern, repl in _PATTERNS:
            value = pattern.sub(repl, value)
        return value
    if isinstance(value, list):
        return [scrub(v, hostnames) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in _HOST_KEYS and isinstance(v, str):
                out[k] = HOST
            elif k in _SECRET_KEYS:
                out[k] = _blank(v)
            else:
                out[k] = scrub(v, hostnames)
        return out
    return value


def _blank(value: Any) -> Any:
    """Every string inside a secret value (NVML answers nest it as {"v": "..."})."""
    if isinstance(value, str):
        return SERIAL
    if isinstance(value, list):
        return [_blank(v) for v in value]
    if isinstance(value, dict):
        return {k: _blank(v) if k != "err" else v for k, v in value.items()}
    return value


# The answers that carry the machine identity (probes/identity.py), by capture key.
_IDENTITY_KEYS = {"file:/etc/machine-id", "file:/var/lib/dbus/machine-id", "file:/sys/class/dmi/id/product_uuid",
                  "cmd:ioreg -rd1 -c IOPlatformExpertDevice",
                  "cmd:reg query 'HKLM\\SOFTWARE\\Microsoft\\Cryptography' /v MachineGuid"}
_ID_IN_TEXT = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")


def machine_pseudonym(value: str) -> str:
    """A stable stand-in for a machine identity: the same machine gets the same pseudonym in every
    redacted capture (so fleet history joins up), and the identity can't be read back from it."""
    import hashlib

    digest = hashlib.sha256(b"readiness machine-id\0" + value.strip().strip("{}").lower().encode()).hexdigest()
    return digest[:32]


def scrub_identity(key: str, value: Any) -> Any:
    """Replace the machine identity in the answers that carry one."""
    if key not in _IDENTITY_KEYS or not isinstance(value, str):
        return value
    value = re.sub(r'("IOPlatformSerialNumber"\s*=\s*")[^"\n]*(")', r"\1" + SERIAL + r"\2", value)
    return _ID_IN_TEXT.sub(lambda m: machine_pseudonym(m.group(0)), value)
