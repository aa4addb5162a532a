"""A CPU as the estimators see it: peak FP32 throughput from cores, clock and SIMD width, and RAM
bandwidth from its family's memory channels (readiness/data/cpu_memory.toml) or a measurement."""

from __future__ import annotations

import re
from dataclasses import dataclass

from readiness import data

# A family not in cpu_memory.toml: the common desktop and laptop setup before DDR5.
_GENERIC = {"family": "unknown CPU family", "segment": "desktop", "channels": 2, "ddr": "DDR4", "mt_s": 3200,
            "source": "JEDEC DDR4-3200: 25.6 GB/s per 64-bit channel, two channels (the common desktop)"}


@dataclass
class CpuFigures:
    """What the estimators take from a CPU: its compute, memory bandwidth and SIMD level."""

    tflops: float | None
    bandwidth_gbps: float
    simd: str  # the widest vector unit in the flags: avx512, avx2, sve, neon or baseline
    family: str
    segment: str


def family(model: str) -> dict:
    for row in data.rows("cpu_memory", "cpu"):
        if re.search(row["match"], model or "", re.IGNORECASE):
            return row
    return _GENERIC


def peak_bandwidth_gbps(row: dict) -> float:
    """The vendor's figure, else channels × 8 bytes × MT/s."""
    if row.get("bandwidth_gbps"):
        return float(row["bandwidth_gbps"])
    return row["channels"] * 8 * row["mt_s"] / 1000


def simd_level(flags: list[str] | None) -> tuple[str, float]:
    present = set(flags or [])
    for row in data.rows("backends", "cpu_simd"):
        if row["flag"] == "" or row["flag"] in present:
            name = {"avx512f": "avx512", "asimd": "neon", "": "baseline"}.get(row["flag"], row["flag"])
            return name, float(row["fp32_flops_per_cycle"])
    return "baseline", 8.0


def figures(model: str, cores: int | None, mhz: float | None, flags: list[str] | None, assumptions: list[str],
            measured: dict | None = None, mt_s: int | None = None) -> CpuFigures:
    """``measured``: {"ram_bandwidth_gbps": …} from `readiness bench` (issue 17); it replaces the
    family's assumed figure and is never capped. ``mt_s``: the DIMMs' speed where known (it replaces
    the family's fastest supported speed; the channel count stays the family's)."""
    simd, per_cycle = simd_level(flags)
    ghz = (mhz or 0) / 1000
    if not ghz:
        ghz = 3.0
        assumptions.append("CPU clock unknown: assumed 3.0 GHz")
    tflops = cores * ghz * per_cycle / 1000 if cores else None
    row = family(model)
    if measured and measured.get("ram_bandwidth_gbps"):
        bandwidth = float(measured["ram_bandwidth_gbps"])
        assumptions.append(f"RAM bandwidth {bandwidth:g} GB/s, measured")
        return CpuFigures(tflops, bandwidth, simd, row["family"], row["segment"])
    if mt_s and not row.get("bandwidth_gbps"):
        row = {**row, "mt_s": mt_s}
    bandwidth = peak_bandwidth_gbps(row)
    assumptions.append(f"RAM bandwidth assumed {bandwidth:.0f} GB/s: {row['family']}, {row['channels']} × "
                       f"{row['ddr']}-{row['mt_s']} ({row['source']})")
    per_core = next(b for b in data.rows("backends", "backend") if b["id"] == "cpu")["per_core_bandwidth_gbps"]
    if cores and cores * per_core < bandwidth:
        bandwidth = cores * per_core
        assumptions.append(f"RAM bandwidth capped at {bandwidth:g} GB/s: {cores} cores × {per_core:g} GB/s per core")
    return CpuFigures(tflops, bandwidth, simd, row["family"], row["segment"])
