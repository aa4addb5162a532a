"""The parse side of NVML: the names of NVML's enumerations, for reading a snapshot.

The snapshot itself is taken by the host (readiness/host/nvml.py, in a child process bounded by
--timeout); the names below are re-exported so older imports keep working.
"""

from readiness.host.nvml import DRIVER_MODELS, VIRTUALIZATION_MODES, snapshot, snapshot_live  # noqa: F401
