"""A machine that isn't here: the facts as if catalogue GPUs (and a stated RAM) were installed."""

from __future__ import annotations

from readiness import catalog


def with_gpu(facts: dict, name: str, ram_gib: float | None = None) -> dict:
    """The facts as if the named GPU(s) were this machine's only GPUs (check --assume-gpu).
    Each assumed GPU says so (``source: assumed``), so no view mistakes it for one found here."""
    spec, count = catalog.parse_gpu_arg(name)
    gpus = []
    for i in range(count):
        gpus.append({
            "index": i, "vendor": spec.vendor, "name": spec.name,
            "memory_total_mib": int((spec.memory_gib or 0) * 1024) if not spec.unified_memory else None,
            "memory_free_mib": None, "unified_memory": spec.unified_memory, "status": "ok", "virtual": False,
            "integrated": spec.segment == "apu", "memory_bandwidth_gbps": spec.memory_bandwidth_gbps,
            "source": "assumed",
        })
    out = {**facts, "gpus": gpus}
    if ram_gib is not None:
        mib = int(ram_gib * 1024)
        out["memory"] = {**facts.get("memory", {}), "total_mib": mib, "available_mib": mib, "cgroup_limit_mib": None}
    return out
