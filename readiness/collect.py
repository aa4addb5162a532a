"""Run every probe against a host, concurrently, and assemble the facts document."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

from readiness import __version__, compat
from readiness.facts import SCHEMA_VERSION, CpuFacts, CudaStack, Gpu, HostFacts, MemoryFacts, ProbeStatus, to_dict
from readiness.host.base import OnceHost
from readiness.probes import Result, all_probes, parallel

# When two probes report the same PCI device, the richer source wins.
_SOURCE_RANK = {"nvml": 0, "nvidia-smi": 1, "amdsmi": 0, "amd-smi": 1, "rocm-smi": 2, "xpu-smi": 1,
                "system_profiler": 0, "drm": 5, "cim": 6, "dxdiag": 7, "collect_env": 8, "sysfs": 9, "lspci": 9}


def _run(probe, host) -> tuple[Result, float]:
    start = time.monotonic()
    try:
        result = probe.parse(probe.collect(host))
    except Exception as e:  # noqa: BLE001 - the guard: one failing probe never hides the others
        result = Result({}, "error", f"{type(e).__name__}: {e}")
    return result, round(time.monotonic() - start, 4)


def _same_name(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"[^a-z0-9]", "", s.lower().replace("(tm)", "").replace("(r)", ""))  # noqa: E731
    return norm(a) == norm(b)


def merge_gpus(lists: list[list[Gpu]]) -> list[Gpu]:
    """One entry per device: deduplicated by PCI bus id, the best source kept."""
    by_bus: dict[str, Gpu] = {}
    loose: list[Gpu] = []
    for gpus in lists:
        for gpu in gpus:
            if not gpu.pci_bus_id:
                loose.append(gpu)
                continue
            other = by_bus.get(gpu.pci_bus_id)
            if other is None:
                by_bus[gpu.pci_bus_id] = gpu
                continue
            best, rest = sorted([gpu, other], key=lambda g: _SOURCE_RANK.get(g.source or "", 5))
            for name in ("kernel_driver", "pci_vendor_id", "pci_device_id", "integrated", "unified_memory",
                         "memory_gtt_mib", "gfx_target", "name"):
                if getattr(best, name) is None:
                    setattr(best, name, getattr(rest, name))
            by_bus[gpu.pci_bus_id] = best
    # Sources without a bus id (CIM, dxdiag, system_profiler, collect_env) name the same device a
    # richer source already gave: the same PCI vendor and device id, or the same vendor and name.
    # Two identical GPUs from one source are two GPUs: a twin must come from another source, and
    # each entry can be the twin of only one.
    kept: list[Gpu] = []
    known = list(by_bus.values())
    used: set[int] = set()
    for gpu in sorted(loose, key=lambda g: _SOURCE_RANK.get(g.source or "", 5)):
        twin = next((k for k in known if id(k) not in used and k.source != gpu.source and k.vendor == gpu.vendor and (
            (gpu.pci_device_id and k.pci_device_id == gpu.pci_device_id)
            or (gpu.name and k.name and _same_name(k.name, gpu.name)))), None)
        if twin is not None and _SOURCE_RANK.get(twin.source or "", 5) <= _SOURCE_RANK.get(gpu.source or "", 5):
            used.add(id(twin))
            for name in ("memory_total_mib", "integrated", "driver_version"):
                if getattr(twin, name) is None:
                    setattr(twin, name, getattr(gpu, name))
            continue
        kept.append(gpu)
        known.append(gpu)
    kept = _pair_with_bus_listing(kept, by_bus, used)
    merged = sorted(by_bus.values(), key=lambda g: (g.virtual, g.vendor == "other", g.pci_bus_id)) + sorted(
        kept, key=lambda g: (g.virtual, g.vendor == "other"))
    for i, gpu in enumerate(merged):
        gpu.index = i
    return merged


_BUS_LISTINGS = ("sysfs", "lspci")


def _pair_with_bus_listing(loose: list[Gpu], by_bus: dict[str, Gpu], used: set[int]) -> list[Gpu]:
    """A tool that lists GPUs without bus ids (nvidia-smi -L) next to a PCI listing (lspci) of
    the same machine: when both count the same GPUs of a vendor, they are the same GPUs, in bus
    order (nvidia-smi's order). The tool's entry is kept, with the listing's bus id and ids."""
    rest = []
    groups: dict[tuple, list[Gpu]] = {}
    for gpu in loose:
        groups.setdefault((gpu.source, gpu.vendor), []).append(gpu)
    for (source, vendor), gpus in groups.items():
        listed = sorted((g for g in by_bus.values() if g.source in _BUS_LISTINGS and g.vendor == vendor
                         and not g.virtual and id(g) not in used), key=lambda g: g.pci_bus_id)
        if source in _BUS_LISTINGS or vendor == "other" or len(listed) != len(gpus):
            rest.extend(gpus)
            continue
        for gpu, entry in zip(gpus, listed):
            for name in ("pci_bus_id", "pci_vendor_id", "pci_device_id", "kernel_driver"):
                if getattr(gpu, name) is None:
                    setattr(gpu, name, getattr(entry, name))
            by_bus[entry.pci_bus_id] = gpu
    return rest


def _stack_defaults(stack: dict) -> dict:
    from readiness.probes.torch import _empty

    nvidia = stack.get("nvidia") or {"nvml": None, "nvml_reason": None, "device_nodes": None, "wsl_libcuda": None}
    python = stack.get("python") or {"version": None, "bits": None, "executable": None, "implementation": None,
                                     "machine": None, "environment": None, "translated": None}
    rocm = stack.get("rocm") or {"version": None}
    return {"nvidia": nvidia, "rocm": rocm, "python": python, "torch": stack.get("torch") or _empty(), "packages": stack.get("packages") or {},
            "tools": stack.get("tools") or {}}


def _merge_collect_env(ce: dict, sections: dict, stack: dict, gpu_lists: list) -> None:
    """A pasted collect_env report fills what no other source gave: Python, packages, GPUs, OS."""
    if not stack.get("python") or not stack["python"].get("version"):
        stack["python"] = ce["python"]
    if not stack.get("packages"):
        stack["packages"] = dict(sorted(ce["packages"].items()))
    if not any(gpus for gpus in gpu_lists):
        found = []
        for i, name in enumerate(ce["gpus"]):
            vendor = "nvidia" if ("NVIDIA" in name or "GeForce" in name or "Tesla" in name) else (
                "amd" if ("AMD" in name or "Radeon" in name or "Instinct" in name) else "other")
            found.append(Gpu(index=i, vendor=vendor, name=name, source="collect_env",
                             driver_version=ce["driver"] if vendor == "nvidia" else None))
        gpu_lists.append(found)
    host = sections["host"]
    if host.os_release is None and ce.get("os"):
        host.os_release = ce["os"]


def explain_unclaimed(gpus: list[Gpu], vendor: str, probe: ProbeStatus | None, container: str | None,
                      device_nodes: list[str] | None) -> None:
    """A vendor GPU that only sysfs saw: its driver is bound but the vendor library could not use it."""
    if probe is None:
        return  # that vendor's probe did not run: nothing to explain
    for gpu in gpus:
        if gpu.vendor != vendor or gpu.source != "sysfs" or gpu.status != "ok" or gpu.kernel_driver is None:
            continue
        why = probe.reason or "the vendor library gave no answer"
        gpu.status = "error"
        gpu.status_reason = f"the {gpu.kernel_driver} driver is bound, but {vendor.upper()} tools can't use it: {why}"
        if container and device_nodes == []:
            gpu.status_reason += (f"; this {container} container was started without GPU access (no /dev/nvidia* "
                                  "device nodes): run it with --gpus all and the NVIDIA Container Toolkit")


def gather(host, probes: list | None = None) -> dict[str, Any]:
    probes = all_probes() if probes is None else probes
    host = host if isinstance(host, OnceHost) else OnceHost(host)
    collected_at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    results = parallel.run_all(probes, host, _run)

    sections: dict[str, Any] = {"host": HostFacts(), "cpu": CpuFacts(), "memory": MemoryFacts(), "disks": [],
                                "power": {"has_battery": None, "battery_percent": None, "on_battery": None}}
    gpu_lists: list[list[Gpu]] = []
    cuda = CudaStack()
    stack: dict[str, Any] = {"python": None, "torch": None, "packages": {}, "tools": {}}
    collect_env = None
    driver_cuda = None
    device_nodes = None
    machine_id = None
    statuses = []
    for probe, result, seconds in results:
        statuses.append(ProbeStatus(probe.NAME, result.status, result.reason, seconds))
        for key, value in result.facts.items():
            if key == "gpus":
                gpu_lists.append(value)
            elif key == "stack":
                for sub, part in value.items():
                    if sub == "cuda":
                        cuda = part
                    else:
                        stack[sub] = part
            elif key == "collect_env":
                collect_env = value
            elif key == "machine_id":
                machine_id = value
            elif key == "cuda_driver_version":
                driver_cuda = value
            elif key == "nvidia_stack":
                stack["nvidia"] = value
                device_nodes = value.get("device_nodes")
            else:
                sections[key] = value
    if driver_cuda:
        cuda.driver_version = driver_cuda
    sections["host"].machine_id = machine_id
    if collect_env:
        _merge_collect_env(collect_env, sections, stack, gpu_lists)
    gpus = merge_gpus(gpu_lists)
    explain_unclaimed(gpus, "nvidia", next((s for s in statuses if s.name == "nvidia"), None),
                      sections["host"].container, device_nodes)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "readiness", "version": __version__},
        "collected_at": collected_at,
        "host": to_dict(sections["host"]),
        "cpu": to_dict(sections["cpu"]),
        "memory": to_dict(sections["memory"]),
        "disks": to_dict(sections["disks"]),
        "gpus": to_dict(gpus),
        "stack": {"cuda": to_dict(cuda), **_stack_defaults(stack)},
        "power": sections["power"],
        "probes": to_dict(statuses),
    }
    compat.annotate(doc)
    compat.annotate_torch(doc)
    compat.annotate_amd(doc)
    return doc
