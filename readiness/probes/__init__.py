"""Probes: one module per subject, each with ``collect(host) -> raw`` and ``parse(raw) -> Result``.

``collect`` asks the host (the only I/O); ``parse`` is a pure function of what
was collected. ``FORMATS`` lists the raw outputs a probe can read from files
given with ``--from``: ``(host key, detector)`` pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """What a probe's parse found: fact sections, and the probe's status with a reason."""

    facts: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # ok | absent | unsupported | timeout | error
    reason: str | None = None


def all_probes() -> list:
    """The probe modules, in the order their results appear."""
    from readiness.probes import (amd, apple, cpu, cuda, disks, identity, intel, memory, nvidia, osinfo, pci, power,
                                  pystack, torch, windows)

    # torch first: its collect_env format embeds others (lscpu), so it must be recognised first.
    return [torch, osinfo, cpu, memory, disks, pci, nvidia, amd, apple, intel, windows, cuda, pystack, power, identity]
