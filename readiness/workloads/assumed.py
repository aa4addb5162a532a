"""A machine that isn't here: the facts as if catalogue GPUs (and a stated RAM) were installed."""

from __future__ import annotations

from readiness.catalog import names
from readiness.errors import ReadinessError


def with_gpu(facts: dict, name: str | None, ram_gib: float | None = None) -> dict:
    """The facts as if the named GPU(s) were this machine's only GPUs and ``ram_gib`` its RAM
    (check --assume-gpu, --ram-gib). Every GPU and RAM figure not read from this machine is marked:
    ``assumed: true`` on the GPU, ``source: assumed`` on the memory."""
    judged = dict(facts)
    if ram_gib is not None:
        if not 0 < ram_gib <= 65536:
            raise ReadinessError(f"bad RAM size {ram_gib:g} GiB: use a size between 0 and 65536", field="ram_gib")
        mib = int(ram_gib * 1024)
        judged["memory"] = {**facts.get("memory", {}), "total_mib": mib, "available_mib": int(mib * 0.9),
                            "cgroup_limit_mib": None, "source": "assumed"}
    if name:
        r = names.resolve(name)
        spec, count, note = r.spec, r.count, r.note
        gpus = []
        for i in range(count):
            gpu = {"index": i, "vendor": spec.vendor, "name": spec.name, "status": "ok", "virtual": False,
                   "integrated": spec.segment == "apu", "unified_memory": spec.unified_memory,
                   "memory_bandwidth_gbps": spec.memory_bandwidth_gbps, "memory_free_mib": None,
                   "source": "assumed", "assumed": True, "catalog_id": spec.id,
                   **({"assumed_note": note} if note else {})}
            if spec.unified_memory:
                # Unified memory is that machine's RAM: the assumed RAM, else the smallest configuration
                # the catalogue knows (never this machine's RAM, which belongs to another computer).
                total = int(ram_gib * 1024) if ram_gib else (int(spec.memory_gib * 1024) if spec.memory_gib else None)
                gpu["memory_total_mib"] = total
                if total is not None and spec.vendor != "apple":
                    gpu["memory_usable_mib"] = int(total * 0.5)  # an APU's GTT share, as in estimate
            else:
                gpu["memory_total_mib"] = int(spec.memory_gib * 1024) if spec.memory_gib else None
            gpus.append(gpu)
        judged["gpus"] = gpus
        if spec.unified_memory and ram_gib is None and gpus[0]["memory_total_mib"]:
            mib = gpus[0]["memory_total_mib"]
            judged["memory"] = {**facts.get("memory", {}), "total_mib": mib, "available_mib": int(mib * 0.9),
                                "cgroup_limit_mib": None, "source": "assumed"}
    return judged


def description(judged: dict, name: str | None, ram_gib: float | None) -> dict:
    """What the report says of the assumed machine: the name given, the GPUs it resolved to, the RAM."""
    gpus = [g for g in judged.get("gpus", []) if g.get("assumed")] if name else []
    note = next((g.get("assumed_note") for g in gpus if g.get("assumed_note")), None)
    return {"gpu": name, "ram_gib": ram_gib, "resolved": [g["name"] for g in gpus] or None, "gpus": gpus,
            "note": note}
