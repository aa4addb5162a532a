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
    from readiness.probes import cpu, cuda, disks, memory, nvidia, osinfo, pci, power, pystack, torch

    return [osinfo, cpu, memory, disks, pci, nvidia, cuda, pystack, torch, power]
