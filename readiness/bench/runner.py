"""`readiness bench`: measure this machine, in steps, within a time and a memory budget.

The torch measurements run in a child Python (child.py) with a time limit, as the torch probe
does; without torch the standard-library RAM measurement (fallback.py) runs instead.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from readiness import __version__
from readiness.bench import cache, disk, fallback, identity, results

MIB = 2**20
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "child.py")

# Per size: RAM buffer, largest matrix, repeats, seconds per step, GPU buffer, disk file.
SIZES = {
    "normal": {"ram_bytes": 256 * MIB, "matmul_n": 2048, "gpu_matmul_n": 8192, "repeats": 5, "step_budget_s": 1.5,
               "device_bytes": 1024 * MIB, "transfer_bytes": 256 * MIB, "disk_bytes": 1024 * MIB,
               "total_budget_s": 9.0},
    "tiny": {"ram_bytes": 8 * MIB, "matmul_n": 128, "gpu_matmul_n": 256, "repeats": 3, "step_budget_s": 0.2,
             "device_bytes": 8 * MIB, "transfer_bytes": 8 * MIB, "disk_bytes": 8 * MIB, "total_budget_s": 5.0},
}
MEMORY_SHARE = 0.25  # never more than this share of free RAM (or free GPU memory)
CHILD_TIMEOUT_S = 90.0  # importing torch and starting CUDA can be slow on a cold machine


@dataclass
class Options:
    size: str = "normal"
    torch: bool = True
    python: str | None = None
    disk: str | None = None
    threads: int | None = None
    progress: Callable[[str], None] = lambda line: None
    notes: list[str] = field(default_factory=list)


def _ram_buffer(host, facts: dict, size: dict, notes: list[str]) -> int:
    """Bytes per RAM buffer: twice the last-level cache (up to 512 MiB), at least the size's default, and the
    two buffers a copy needs together within MEMORY_SHARE of free RAM."""
    want = size["ram_bytes"]
    llc = identity.last_level_cache_bytes(host)
    if llc and size is SIZES["normal"]:
        want = max(want, min(2 * llc, 512 * MIB))  # beyond the cache, but bounded on huge-cache parts
    free_mib = (facts.get("memory") or {}).get("available_mib")
    if free_mib:
        cap = int(free_mib * MIB * MEMORY_SHARE / 2)
        if cap < want:
            notes.append(f"RAM buffer cut to {cap // MIB} MiB to stay within {MEMORY_SHARE:.0%} of free RAM")
            want = cap
    return max(want, MIB)


def _torch_child(host, opts: Options, args: dict) -> tuple[dict | None, str | None]:
    """(the child's JSON, None) or (None, why torch could not be used)."""
    from readiness.probes import pystack

    if not opts.torch:
        return None, "torch not used (--no-torch)"
    argv = [opts.python] if opts.python else pystack.python_argv(host)
    if not argv:
        return None, "no Python interpreter to run"
    answer = host.run([*argv, CHILD, json.dumps(args)], timeout=CHILD_TIMEOUT_S)
    if not answer.text:
        return None, answer.reason or "the torch child printed nothing"
    try:
        doc = json.loads(answer.text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None, "the torch child printed no JSON"
    if not doc.get("installed"):
        why = doc.get("import_error") or "torch is not installed"
        return None, "torch is not installed in this Python" if "No module named" in why else why
    return doc, None


def _attach_drivers(gpus: list[dict], facts: dict) -> None:
    """Each measured GPU carries the driver it was measured with: a driver change makes it stale."""
    for i, g in enumerate(gpus):
        fact = identity.gpu_fact(facts, g.get("name"), i)
        g["driver_version"] = (fact or {}).get("driver_version")
        g["facts_name"] = (fact or {}).get("name")


def run(host, facts: dict, opts: Options) -> dict:
    """Measure and return the bench document (bench_schema_version 1, docs/bench.md)."""
    start = time.monotonic()
    size = SIZES[opts.size]
    notes = opts.notes
    ram_bytes = _ram_buffer(host, facts, size, notes)
    args = {**{k: size[k] for k in ("matmul_n", "gpu_matmul_n", "repeats", "step_budget_s", "device_bytes",
                                    "transfer_bytes", "total_budget_s")},
            "ram_bytes": ram_bytes, "memory_share": MEMORY_SHARE,
            "host_free_bytes": ((facts.get("memory") or {}).get("available_mib") or 0) * MIB or None,
            "threads": opts.threads, "cpu": True, "gpu": True}
    opts.progress("RAM bandwidth, CPU matrix throughput and GPUs, with torch in a child process")
    doc, why = _torch_child(host, opts, args)
    parsed = results.from_child(doc) if doc else {"torch": None, "cpu": None, "gpus": []}
    cpu = parsed["cpu"] or {}
    if doc is None or results.median((cpu.get("ram") or {}).get("read_gbps")) is None:
        if doc is not None:
            why = "torch measured no RAM read"
        if why:
            notes.append(f"{why}: RAM bandwidth measured with the standard library (no matrix throughput)")
        opts.progress("RAM bandwidth with the standard library, one process per core")
        raw = fallback.measure(ram_bytes, opts.threads, size["repeats"], size["step_budget_s"] * 2)
        cpu = {**cpu, "ram": results.memory(raw), "ram_method": raw.get("method", "standard library"),
               "threads": raw.get("workers") or cpu.get("threads")}
        cpu.setdefault("matmul", {})
    cpu["model"] = (facts.get("cpu") or {}).get("model")
    cpu["ram_buffer_bytes"] = ram_bytes
    _attach_drivers(parsed["gpus"], facts)
    out = {
        "bench_schema_version": cache.SCHEMA_VERSION,
        "tool": {"name": "readiness", "version": __version__},
        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "size": opts.size,
        "machine": {**identity.machine(host, facts), "hostname": (facts.get("host") or {}).get("hostname")},
        "limits": {"memory_share": MEMORY_SHARE, "free_ram_mib": (facts.get("memory") or {}).get("available_mib"),
                   "step_budget_s": size["step_budget_s"], "repeats": size["repeats"]},
        "torch": {"version": parsed["torch"], "cuda": parsed.get("torch_cuda"), "hip": parsed.get("torch_hip")}
        if parsed["torch"] else None,
        "cpu": cpu,
        "gpus": parsed["gpus"],
        "disk": None,
        "notes": notes,
    }
    if parsed.get("gpu_error"):
        notes.append(f"GPUs could not be listed by torch: {parsed['gpu_error']}")
    if opts.disk:
        opts.progress(f"read speed of the disk holding {opts.disk}")
        out["disk"] = disk.measure(opts.disk, size["disk_bytes"], size["repeats"], size["step_budget_s"] * 2)
    out["seconds"] = round(time.monotonic() - start, 2)
    return out
