"""NVIDIA GPUs through NVML, with nvidia-smi as the fallback (issue #3)."""

from __future__ import annotations

from readiness.probes import Result

NAME = "nvidia"
FORMATS: list = []


def collect(host) -> dict:
    return {}


def parse(raw: dict) -> Result:
    return Result({"gpus": []}, "absent", "not implemented yet")
