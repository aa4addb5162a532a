"""The probe modules, in the order their results appear, and the raw formats they read.

Kept apart from the package ``__init__`` so that importing one probe never imports all of them.
"""

from __future__ import annotations


import importlib

# torch first: its collect_env format embeds others (lscpu), so it must be recognised first.
MODULES = ("torch", "osinfo", "cpu", "memory", "disks", "pci", "nvidia", "amd", "apple", "intel", "windows", "cuda",
           "pystack", "power", "identity", "pasted")


class Elsewhere:
    """A one-system probe (base.ONLY_ON) on a live host of another system: its answer is known, so
    its module is not imported (issue 18)."""

    LIST_WHEN_ABSENT = True

    def __init__(self, name: str, system: str) -> None:
        self.NAME, self._system = name, system

    def collect(self, host) -> dict:
        return {}

    def parse(self, raw: dict):
        from readiness.probes.base import elsewhere

        return elsewhere(self.NAME, self._system)


def probe(module: str, system: str | None = None):
    """One probe module by its name in MODULES (a check imports each just before it starts it).
    ``system``: the live host's; a probe of another system is then an ``Elsewhere``."""
    from readiness.probes.base import ONLY_ON

    if system is not None and module in ONLY_ON and system != ONLY_ON[module][0]:
        return Elsewhere(module, system)
    return importlib.import_module(f"readiness.probes.{module}")


def all_probes() -> list:
    return [probe(m) for m in MODULES]


def formats(probes: list | None = None) -> list:
    """Every raw format the probes can read, most specific first: (host key, detector)."""
    return [f for probe in (probes or all_probes()) for f in getattr(probe, "FORMATS", [])]


def splitters(probes: list | None = None) -> list:
    """Formats that answer several questions at once (a collect_env report embeds lscpu)."""
    return [f for probe in (probes or all_probes()) for f in getattr(probe, "SPLITTERS", [])]


def detectors():
    """The table that ``--from`` recognises raw files with (handed to host.replay)."""
    from readiness.host.replay import Detectors

    from readiness.probes.torch import COLLECT_ENV_KEY

    probes = all_probes()
    fragments = {name: (key, detect) for probe in probes for name, key, detect in getattr(probe, "FRAGMENTS", [])}
    joined = frozenset(key for probe in probes for key in getattr(probe, "JOINED", ()))
    return Detectors(formats(probes), splitters(probes), frozenset({COLLECT_ENV_KEY}), fragments=fragments, joined=joined)
