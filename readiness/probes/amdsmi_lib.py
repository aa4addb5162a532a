"""Kept importable: the amdsmi snapshot is taken by the host (readiness/host/amdsmi.py)."""

from readiness.host.amdsmi import snapshot, snapshot_live  # noqa: F401
