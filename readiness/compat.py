"""CUDA compatibility facts derived from the probes' findings and NVIDIA's tables.

Pure functions over the assembled facts document (dicts). Tables:
readiness/data/cuda_driver_compat.toml (driver needed by each toolkit) and
readiness/data/cuda_arch_support.toml (compute capabilities each toolkit builds for).
"""

from __future__ import annotations

import re

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


def torch_unsupported_gpus(arch_list: list[str] | None, gpus: list[dict]) -> list[int] | None:
    """Indexes of NVIDIA GPUs that the installed torch has no kernels for.

    A cubin for sm_XY runs on any X.Z with Z >= Y (CUDA binary compatibility within a major
    version); PTX for compute_XY can be JIT-compiled for any newer GPU (CUDA C++ Programming
    Guide, "Binary Compatibility" and "PTX Compatibility").
    """
    if not arch_list:
        return None
    cubins, ptx = [], []
    for arch in arch_list:
        m = re.fullmatch(r"(sm|compute)_(\d+)(\d)[a-z]?", arch)
        if m:
            (cubins if m.group(1) == "sm" else ptx).append((int(m.group(2)), int(m.group(3))))
    out = []
    for g in gpus:
        if g.get("vendor") != "nvidia" or not g.get("compute_capability"):
            continue
        major, minor = (int(x) for x in g["compute_capability"].split(".")[:2])
        ok = any(a == major and b <= minor for a, b in cubins) or any((a, b) <= (major, minor) for a, b in ptx)
        if not ok:
            out.append(g["index"])
    return out


def torch_index_url(driver_cuda: str | None) -> str | None:
    """The newest PyTorch CUDA wheel index that this driver can run."""
    best = None
    for row in data.rows("torch_builds", "cuda"):
        if versions.compare(row["cuda"], driver_cuda) is not None and versions.compare(row["cuda"], driver_cuda) <= 0:
            if best is None or versions.compare(row["cuda"], best["cuda"]) > 0:
                best = row
    return best["index_url"] if best else None


def annotate_torch(facts: dict) -> None:
    torch = facts["stack"].get("torch")
    if not torch:
        return
    nvidia = [g for g in facts["gpus"] if g["vendor"] == "nvidia"]
    # Devices torch itself listed carry their compute capability even when no NVIDIA probe did.
    if not any(g.get("compute_capability") for g in nvidia) and torch.get("devices"):
        nvidia = [{"index": i, "vendor": "nvidia", "compute_capability": d["compute_capability"]}
                  for i, d in enumerate(torch["devices"]) if d.get("compute_capability")]
    torch["unsupported_gpus"] = torch_unsupported_gpus(torch.get("arch_list"), nvidia) if torch.get("cuda") else None
    torch["suggested_index_url"] = torch_index_url(facts["stack"]["cuda"].get("driver_version"))


def rocm_support(rocm_version: str | None, system: str | None) -> set[str] | None:
    """The gfx targets a ROCm release officially supports (readiness/data/rocm_support.toml)."""
    if not rocm_version:
        return None
    rows = [r for r in data.rows("rocm_support", "rocm")
            if versions.compare(r["version"], rocm_version) is not None and versions.compare(r["version"], rocm_version) <= 0]
    if not rows:
        return None
    row = max(rows, key=lambda r: versions.parse(r["version"]))
    # A row says "6.2"; ROCm 6.2.4 is covered by it, 6.3 is not (a newer row would be picked).
    if versions.parse(row["version"])[:2] != versions.parse(rocm_version)[:2]:
        return None
    return set(row.get("windows" if system == "windows" else "linux", []))


def hsa_override(gfx: str | None) -> str | None:
    for row in data.rows("rocm_support", "override"):
        if gfx in row.get("targets", []):
            return row["hsa_override_gfx_version"]
    return None


def annotate_amd(facts: dict) -> None:
    supported = rocm_support((facts["stack"].get("rocm") or {}).get("version"), facts["host"].get("os"))
    for g in facts["gpus"]:
        if g["vendor"] != "amd":
            continue
        g["rocm_supported"] = None if supported is None or not g.get("gfx_target") else g["gfx_target"] in supported
