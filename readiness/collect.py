"""Run every probe against a host, concurrently, and assemble the facts document."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from readiness.facts import CpuFacts, CudaStack, Gpu, HostFacts, MemoryFacts, ProbeStatus, to_dict
from readiness.host.base import OnceHost
from readiness.probes import parallel
from readiness.probes.base import run_guarded
from readiness.probes import registry
from readiness.probes.registry import all_probes  # noqa: F401 - collect.all_probes, as the tests know it

# When two probes report the same PCI device, the richer source wins.
_SOURCE_RANK = {"nvml": 0, "nvidia-smi": 1, "amdsmi": 0, "amd-smi": 1, "rocm-smi": 2, "xpu-smi": 1,
                "system_profiler": 0, "drm": 5, "cim": 6, "dxdiag": 7, "collect_env": 8, "sysfs": 9, "lspci": 9,
                # read only from pasted outputs, and below every vendor tool: they name GPUs, little more
                "rocminfo": 6, "cim-table": 7, "clinfo": 10, "vulkaninfo": 10, "inxi": 10, "glxinfo": 11, "sycl-ls": 11}


def _norm_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("(tm)", "").replace("(r)", ""))


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
            by_bus[gpu.pci_bus_id] = _fill(best, rest, ("kernel_driver", "pci_vendor_id", "pci_device_id", "integrated",
                                                        "unified_memory", "memory_gtt_mib", "gfx_target", "name"))
    # Sources without a bus id (CIM, dxdiag, system_profiler, collect_env) name the same device a
    # richer source already gave: the same PCI vendor and device id, or the same vendor and name.
    # Two identical GPUs from one source are two GPUs: a twin must come from another source, and
    # each entry can be the twin of only one.
    # Twins are looked up by (vendor, PCI device id) and (vendor, normalised name), per source, in
    # the order they were seen, so a paste listing thousands of GPUs merges in linear time
    # (issue 19: the old pairwise search was quadratic). A twin found is replaced by a filled-in
    # copy rather than changed in place.
    kept: list[Gpu] = []
    current: dict[str | int, Gpu] = dict(by_bus)
    order: dict[str | int, int] = {p: i for i, p in enumerate(by_bus)}
    index: dict[tuple, dict[str, list[str | int]]] = {}
    used: set[str | int] = set()

    def keys(g: Gpu) -> list[tuple]:
        out = [("id", g.vendor, g.pci_device_id)] if g.pci_device_id else []
        return out + ([("name", g.vendor, _norm_name(g.name))] if g.name else [])

    def remember(place: str | int, g: Gpu) -> None:
        for k in keys(g):
            index.setdefault(k, {}).setdefault(g.source or "", []).append(place)

    def twin_of(g: Gpu) -> str | int | None:
        best = None
        for k in keys(g):
            for source, places in index.get(k, {}).items():
                if source == (g.source or ""):
                    continue
                while places and places[0] in used:
                    places.pop(0)
                if places and (best is None or order[places[0]] < order[best]):
                    best = places[0]
        return best

    for place, gpu in by_bus.items():
        remember(place, gpu)
    for gpu in sorted(loose, key=lambda g: _SOURCE_RANK.get(g.source or "", 5)):
        place = twin_of(gpu)
        twin = current.get(place) if place is not None else None
        if twin is not None and _SOURCE_RANK.get(twin.source or "", 5) <= _SOURCE_RANK.get(gpu.source or "", 5):
            used.add(place)
            current[place] = _fill(twin, gpu, ("memory_total_mib", "integrated", "driver_version"))
            if isinstance(place, str):
                by_bus[place] = current[place]
            else:
                kept[place] = current[place]
            continue
        place = len(kept)
        order[place] = len(order)
        current[place] = gpu
        remember(place, gpu)
        kept.append(gpu)
    used_bus = {p for p in used if isinstance(p, str)}
    kept = _pair_with_bus_listing(kept, by_bus, used_bus)
    merged = sorted(by_bus.values(), key=lambda g: (g.virtual, g.vendor == "other", g.pci_bus_id)) + sorted(
        kept, key=lambda g: (g.virtual, g.vendor == "other"))
    return [replace(gpu, index=i) for i, gpu in enumerate(merged)]


def _fill(best: Gpu, other: Gpu, names: tuple[str, ...]) -> Gpu:
    """A copy of ``best`` with the named fields it lacks taken from ``other``."""
    missing = {n: getattr(other, n) for n in names if getattr(best, n) is None and getattr(other, n) is not None}
    return replace(best, **missing) if missing else best


_BUS_LISTINGS = ("sysfs", "lspci")


def _pair_with_bus_listing(loose: list[Gpu], by_bus: dict[str, Gpu], used: set[str]) -> list[Gpu]:
    """A tool that lists GPUs without bus ids (nvidia-smi -L) next to a PCI listing (lspci) of
    the same machine: when both count the same GPUs of a vendor, they are the same GPUs, in bus
    order (nvidia-smi's order). The tool's entry is kept, with the listing's bus id and ids."""
    rest = []
    groups: dict[tuple, list[Gpu]] = {}
    for gpu in loose:
        groups.setdefault((gpu.source, gpu.vendor), []).append(gpu)
    for (source, vendor), gpus in groups.items():
        listed = sorted((g for bus, g in by_bus.items() if g.source in _BUS_LISTINGS and g.vendor == vendor
                         and not g.virtual and bus not in used), key=lambda g: g.pci_bus_id)
        if source in _BUS_LISTINGS or vendor == "other" or len(listed) != len(gpus):
            rest.extend(gpus)
            continue
        for gpu, entry in zip(gpus, listed):
            by_bus[entry.pci_bus_id] = _fill(gpu, entry, ("pci_bus_id", "pci_vendor_id", "pci_device_id",
                                                          "kernel_driver"))
    return rest


def _stack_defaults(stack: dict) -> dict:
    from readiness.probes.torch import _empty

    nvidia = stack.get("nvidia") or {"nvml": None, "nvml_reason": None, "device_nodes": None, "wsl_libcuda": None}
    python = stack.get("python") or {"version": None, "bits": None, "executable": None, "implementation": None,
                                     "machine": None, "environment": None, "translated": None}
    rocm = stack.get("rocm") or {"version": None}
    return {"nvidia": nvidia, "rocm": rocm, "python": python, "torch": stack.get("torch") or _empty(), "packages": stack.get("packages") or {},
            "tools": stack.get("tools") or {}}


def _build_vendor(ce: dict) -> str:
    """The vendor of a GPU whose name names none ("Device 66a1", a PCI id the name table lacked):
    collect_env lists the GPUs its build sees, torch's HIP devices on a ROCm build, nvidia-smi's
    on a CUDA build."""
    build = (ce.get("torch") or {}).get("build") or ""
    return "amd" if build.startswith("rocm") else "nvidia" if build.startswith("cuda") else "other"


def _merge_collect_env(ce: dict, sections: dict, stack: dict, gpu_lists: list) -> None:
    """A pasted collect_env report fills what no other source gave: Python, packages, GPUs, OS."""
    if not stack.get("python") or not stack["python"].get("version"):
        stack["python"] = ce["python"]
    if not stack.get("packages"):
        stack["packages"] = dict(sorted(ce["packages"].items()))
    if not any(gpus for gpus in gpu_lists):
        found = []
        memory = ce.get("gpu_memory_mib") or []  # an XPU build's detected devices, by torch's index
        for i, name in enumerate(ce["gpus"]):
            vendor = "nvidia" if ("NVIDIA" in name or "GeForce" in name or "Tesla" in name or "Quadro" in name
                                  or "(nvgpu)" in name) else (
                "amd" if ("AMD" in name or "Radeon" in name or "Instinct" in name) else
                "intel" if "Intel" in name else _build_vendor(ce))
            found.append(Gpu(index=i, vendor=vendor, name=name, source="collect_env",
                             driver_version=ce["driver"] if vendor == "nvidia" else
                             ce.get("intel_driver") if vendor == "intel" else None,
                             gfx_target=(ce.get("gfx_targets") or [None] * (i + 1))[i],
                             memory_total_mib=memory[i] if i < len(memory) and vendor == "intel" else None))
        gpu_lists.append(found)
    host = sections["host"]
    if host.os_release is None and ce.get("os"):
        sections["host"] = replace(host, os_release=ce["os"])


def explain_unclaimed(gpus: list[Gpu], vendor: str, probe: ProbeStatus | None, container: str | None,
                      device_nodes: list[str] | None) -> list[Gpu]:
    """A vendor GPU that only sysfs saw: its driver is bound but the vendor library could not use it."""
    if probe is None:
        return gpus  # that vendor's probe did not run: nothing to explain
    out = []
    for gpu in gpus:
        if gpu.vendor != vendor or gpu.source != "sysfs" or gpu.status != "ok" or gpu.kernel_driver is None:
            out.append(gpu)
            continue
        why = probe.reason or "the vendor library gave no answer"
        reason = f"the {gpu.kernel_driver} driver is bound, but {vendor.upper()} tools can't use it: {why}"
        if container and device_nodes == []:
            reason += (f"; this {container} container was started without GPU access (no /dev/nvidia* "
                       "device nodes): run it with --gpus all and the NVIDIA Container Toolkit")
        out.append(replace(gpu, status="error", status_reason=reason))
    return out


# Probe modules by how long they usually take (benchmarks/speed.py; issue 18): the torch child
# process (seconds when torch is installed and not remembered), NVML's child (50-70 ms, the longest
# of a --no-torch check), the package listing (its answer remembered, its sys.path read in process), lscpu.
SLOWEST_FIRST = ("torch", "nvidia", "pystack", "cpu", "power", "cuda", "osinfo", "amd")


def _start_order(module: str) -> int:
    return SLOWEST_FIRST.index(module) if module in SLOWEST_FIRST else len(SLOWEST_FIRST)


def _told(progress, name: str, state: str) -> None:
    """Tell the progress display; a display that fails never fails the check."""
    try:
        progress(name, state)
    except Exception:  # noqa: BLE001
        pass


def _run_telling(probe, host, progress):
    _told(progress, probe.NAME, "start")
    try:
        return run_guarded(probe, host)
    finally:
        _told(progress, probe.NAME, "done")


class Collecting:
    """The probes of one run, started at once on their threads (issue 18: before the caller reads
    the user's files or loads its tables, which then overlap the probes' child processes).
    ``facts()`` waits for them and assembles the facts document; ``stop()`` ends them early (a
    bad user file found while they ran): their commands are killed and none start."""

    def __init__(self, host, probes: list | None = None, progress=None):
        """``progress(name, "start" | "done")``, when given, is called from the probe threads."""
        self.host = host if isinstance(host, OnceHost) else OnceHost(host)
        self.collected_at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        run = (lambda p, h: _run_telling(p, h, progress)) if progress else run_guarded
        # The slowest started first (issue 18), so their child processes start at once, each probe
        # module imported just before it starts; the results are kept in the registry's order.
        names = [getattr(p, "__name__", "").rsplit(".", 1)[-1] for p in probes] if probes is not None \
            else list(registry.MODULES)
        self._order = sorted(range(len(names)), key=lambda i: _start_order(names[i]))
        chosen = (probes[i] for i in self._order) if probes is not None else \
            (registry.probe(names[i], self.host.system) for i in self._order)
        self._running = parallel.Running(chosen, self.host, run)
        from readiness import compat, derive  # noqa: F401 - for assemble: imported once the probes run, not before


    def facts(self) -> dict[str, Any]:
        by_index = dict(zip(self._order, self._running.wait()))
        return assemble([by_index[i] for i in range(len(self._order))], self.collected_at)

    def stop(self) -> None:
        self.host.stop()


def gather(host, probes: list | None = None, progress=None) -> dict[str, Any]:
    """``progress(name, "start" | "done")``, when given, is called from the probe threads."""
    return Collecting(host, probes, progress).facts()


def assemble(results: list[tuple], collected_at: str) -> dict[str, Any]:
    """The facts document from each probe's (probe, Result, seconds), in the registry's order."""
    from readiness import compat, derive

    sections: dict[str, Any] = {"host": HostFacts(), "cpu": CpuFacts(), "memory": MemoryFacts(), "disks": [],
                                "power": {"has_battery": None, "battery_percent": None, "on_battery": None}}
    gpu_lists: list[list[Gpu]] = []
    cuda = CudaStack()
    stack: dict[str, Any] = {"python": None, "torch": None, "packages": {}, "tools": {}}
    collect_env = None
    driver_cuda = None
    device_nodes = None
    cpu_fills: list[CpuFacts] = []
    host_fills: list[HostFacts] = []
    machine_id = None
    statuses = []
    for probe, result, seconds in results:
        if result.status != "absent" or getattr(probe, "LIST_WHEN_ABSENT", True):
            statuses.append(ProbeStatus(probe.NAME, result.status, result.reason, seconds))
        for key, value in result.facts.items():
            if key == "gpus":
                gpu_lists.append(value)
            elif key == "gpu_lists":
                gpu_lists.extend(value)
            elif key == "cpu_fill":
                cpu_fills.extend(value)
            elif key == "host_fill":
                host_fills.extend(value)
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
    sections["cpu"] = _fill_section(sections["cpu"], cpu_fills)
    sections["host"] = replace(_fill_section(sections["host"], host_fills), machine_id=machine_id)
    if driver_cuda:
        cuda = replace(cuda, driver_version=driver_cuda)
    if collect_env:
        _merge_collect_env(collect_env, sections, stack, gpu_lists)
    gpus = merge_gpus(gpu_lists)
    # architecture from the compute capability or the catalogue, marked derived
    gpus = [derive.fill_gpu(gpu) for gpu in gpus]
    gpus = explain_unclaimed(gpus, "nvidia", next((s for s in statuses if s.name == "nvidia"), None),
                      sections["host"].container, device_nodes)
    doc = {
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
    _drop_impossible_numbers(doc)
    compat.annotate(doc)
    compat.annotate_torch(doc)
    compat.annotate_amd(doc)
    return doc


def _fill_section(section: Any, fills: list) -> Any:
    """CPU and host facts from pasted tool outputs (rocminfo's CPU agent, inxi, a CIM table) fill
    only what the section's own probes left unknown."""
    found: dict[str, Any] = {}
    for fill in fills:
        for name in fill.__dataclass_fields__:
            if getattr(section, name) is None and name not in found and getattr(fill, name) is not None:
                found[name] = getattr(fill, name)
    return replace(section, **found) if found else section


_MAX_FACT_NUMBER = 2**53  # the largest integer every JSON reader keeps exactly; no machine has more of anything


def _drop_impossible_numbers(node: Any) -> None:
    """A number no machine can have (a pasted 400-digit "MemTotal", an infinite float) is unknown,
    not a fact: left in, it breaks float arithmetic downstream and JSON readers."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        if isinstance(value, (dict, list)):
            _drop_impossible_numbers(value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and not (
                -_MAX_FACT_NUMBER <= value <= _MAX_FACT_NUMBER):  # NaN fails both comparisons too
            node[key] = None
