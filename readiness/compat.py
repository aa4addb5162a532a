"""CUDA compatibility facts derived from the probes' findings and NVIDIA's tables.

Pure functions over the assembled facts document (dicts). Tables:
readiness/data/cuda_driver_compat.toml (driver needed by each toolkit) and
readiness/data/cuda_arch_support.toml (compute capabilities each toolkit builds for).
"""

from __future__ import annotations

from readiness import data, versions


def driver_max_cuda(driver: str | None, system: str | None) -> str | None:
    """The highest CUDA release a driver supports, from the minimum-driver table."""
    column = "min_driver_windows" if system == "windows" else "min_driver_linux"
    best = None
    for row in data.rows("cuda_driver_compat", "cuda"):
        need = row.get(column)
        if need and versions.compare(driver, need) is not None and versions.compare(driver, need) >= 0:
            if best is None or versions.compare(row["version"], best) > 0:
                best = row["version"]
    return best


def arch_range(release: str | None) -> tuple[str, str] | None:
    """(min_cc, max_cc) that a toolkit release can build for."""
    rows = [r for r in data.rows("cuda_arch_support", "toolkit")
            if versions.compare(release, r["from_version"]) is not None and versions.compare(release, r["from_version"]) >= 0]
    if not rows:
        return None
    row = max(rows, key=lambda r: versions.parse(r["from_version"]))
    return row["min_cc"], row["max_cc"]


def annotate(facts: dict) -> None:
    """Fill the derived CUDA fields in place."""
    cuda = facts["stack"]["cuda"]
    nvidia = [g for g in facts["gpus"] if g["vendor"] == "nvidia"]
    drivers = {g["driver_version"] for g in nvidia if g.get("driver_version")}
    if cuda["driver_version"] is None and len(drivers) == 1:
        cuda["driver_version"] = driver_max_cuda(next(iter(drivers)), facts["host"].get("os"))
        cuda["driver_version_source"] = "compat-table" if cuda["driver_version"] else None
    elif cuda["driver_version"] is not None:
        cuda["driver_version_source"] = "driver"
    else:
        cuda["driver_version_source"] = None
    ccs = {g["index"]: g["compute_capability"] for g in nvidia if g.get("compute_capability")}
    for tk in cuda["toolkits"]:
        cmp = versions.compare(tk["release"], cuda["driver_version"])
        tk["driver_supported"] = None if cmp is None else cmp <= 0
        rng = arch_range(tk["release"])
        tk["compute_capabilities"] = list(rng) if rng else None
        if rng is None or not ccs:
            tk["unsupported_gpus"] = None if rng is None and ccs else []
            continue
        lo, hi = rng
        tk["unsupported_gpus"] = sorted(i for i, cc in ccs.items()
                                        if versions.compare(cc, lo) < 0 or versions.compare(cc, hi) > 0)
