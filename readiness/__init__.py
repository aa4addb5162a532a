"""readiness: what AI workloads this machine can run, and what is wrong with its stack."""

__version__ = "0.1.0"
