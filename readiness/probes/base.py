"""What every probe shares: its ``Result``, and the guard that runs one probe.

A probe module has ``collect(host) -> raw`` and ``parse(raw) -> Result``.
``collect`` asks the host (the only I/O); ``parse`` is a pure function of what
was collected. ``FORMATS`` lists the raw outputs a probe can read from files
given with ``--from``: ``(host key, detector)`` pairs; ``SPLITTERS`` read a paste
that answers several questions at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """What a probe's parse found: fact sections, and the probe's status with a reason."""

    facts: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # ok | absent | unsupported | timeout | error
    reason: str | None = None


#: Probes of one operating system: elsewhere they answer "unsupported" without being imported
#: (probes/registry.py; issue 18: a live check on Linux skipped importing the Windows and macOS parsers).
ONLY_ON = {"apple": ("darwin", "macOS"), "windows": ("windows", "Windows")}


def elsewhere(name: str, system: str | None) -> Result:
    """The answer of a one-system probe on another system."""
    return Result({"gpus": []}, "unsupported", f"{ONLY_ON[name][1]} only (this is {system})")


def run_guarded(probe, host) -> tuple[Result, float]:
    """Collect and parse one probe. One failing probe never hides the others: its exception
    becomes an ``error`` result with the reason (HOUSE.md, "absent is a state")."""
    start = time.monotonic()
    try:
        result = probe.parse(probe.collect(host))
    except Exception as e:  # noqa: BLE001 - the guard itself
        result = Result({}, "error", f"{type(e).__name__}: {e}")
    return result, round(time.monotonic() - start, 4)
