"""The GPU spec catalogue (readiness/data/gpus.toml) and name lookup.

Lookup is exact: first the canonical name, then the aliases, each compared after
normalising case, spaces, trademark signs and the vendor's brand words. It never
matches a substring, so "RTX 4060" can never become "RTX 4060 Ti".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from readiness import data
from readiness.errors import ReadinessError

# Brand words a user or a driver may put in front of a name, or leave out.
_BRAND = re.compile(r"^(nvidia|geforce|tesla|quadro|amd|ati|radeon|apple|intel|arc)\s+")


@dataclass(frozen=True)
class GpuSpec:
    """One catalogue GPU: its specs, each row with its source (data/gpus.toml)."""

    id: str
    vendor: str
    name: str
    segment: str | None
    memory_gib: float | None
    memory_bandwidth_gbps: float | None
    fp16_tflops: float | None
    fp32_tflops: float | None
    int8_tops: float | None
    tdp_w: float | None
    architecture: str | None
    compute_capability: str | None
    gfx_target: str | None
    gpu_cores: int | None
    unified_memory: bool
    release_year: int | None
    launch_price_usd: float | None
    source: str
    date: str
    aliases: tuple[str, ...] = field(default=())
    memory_options_gib: tuple[float, ...] = field(default=())


def normalise(name: str) -> str:
    name = name.lower().replace("(tm)", " ").replace("(r)", " ").replace("™", " ").replace("®", " ")
    name = re.sub(r"[\s_]+", " ", name).strip()
    return name


def _strip_brand(name: str) -> str:
    prev = None
    while prev != name:
        prev, name = name, _BRAND.sub("", name)
    return name


def _spec(row: dict) -> GpuSpec:
    return GpuSpec(
        id=row["id"], vendor=row["vendor"], name=row["name"], segment=row.get("segment"),
        memory_gib=row.get("memory_gib"), memory_bandwidth_gbps=row.get("memory_bandwidth_gbps"),
        fp16_tflops=row.get("fp16_tflops"), fp32_tflops=row.get("fp32_tflops"), int8_tops=row.get("int8_tops"),
        tdp_w=row.get("tdp_w"), architecture=row.get("architecture"),
        compute_capability=row.get("compute_capability"), gfx_target=row.get("gfx_target"),
        gpu_cores=row.get("gpu_cores"), unified_memory=bool(row.get("unified_memory", False)),
        release_year=row.get("release_year"), launch_price_usd=row.get("launch_price_usd"),
        source=row["source"], date=str(row["date"]), aliases=tuple(row.get("aliases", [])),
        memory_options_gib=tuple(row.get("memory_options_gib", [])),
    )


@functools.lru_cache(maxsize=None)
def all_gpus() -> tuple[GpuSpec, ...]:
    return tuple(_spec(r) for r in data.rows("gpus", "gpu"))


# At most 4 digits, not inside a longer number: (\d+) retried every start in a run of digits, quadratic
# (a 140,000-digit GPU name from a fuzzed `nvidia-smi -L` took 99 s of CPU; issue 19, fuzz seed 19)
_APPLE_CORES = re.compile(r"\s*\(?\s*(?<!\d)(\d{1,4})[- ]core(?: gpu)?\s*\)?\s*$")


@functools.lru_cache(maxsize=None)
def _index() -> tuple[dict[str, list[GpuSpec]], dict[str, list[GpuSpec]]]:
    exact: dict[str, list[GpuSpec]] = {}
    bare: dict[str, list[GpuSpec]] = {}
    for spec in all_gpus():
        names = [spec.name, spec.id, *spec.aliases]
        if spec.vendor == "apple":  # "Apple M2 Max (38-core GPU)" is also "Apple M2 Max", told apart by cores
            names.append(_APPLE_CORES.sub("", normalise(spec.name)))
        for n in names:
            key = normalise(n)
            exact.setdefault(key, []).append(spec)
            bare.setdefault(_strip_brand(key), []).append(spec)
    return exact, bare


def lookup(name: str) -> GpuSpec | None:
    """The catalogue entry for a name as a user types it or a driver reports it, or None."""
    key = normalise(name)
    cores = None
    m = _APPLE_CORES.search(key)
    if m and ("apple" in key or re.match(r"^m\d", key)):
        cores, key = int(m.group(1)), key[: m.start()].strip()
    exact, bare = _index()
    found = exact.get(key) or bare.get(_strip_brand(key)) or []
    unique = list(dict.fromkeys(found))
    if cores is not None:
        unique = [s for s in unique if s.gpu_cores == cores]
    elif len(unique) > 1 and all(s.vendor == "apple" for s in unique):
        # "M1 Max" alone: the smaller GPU, so that estimates are never optimistic.
        unique = sorted(unique, key=lambda s: s.gpu_cores or 0)[:1]
    return unique[0] if len(unique) == 1 else None
