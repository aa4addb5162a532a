"""The machine as the estimators see it: accelerators, RAM and CPU, with where each number came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from readiness import catalog, data

_BACKENDS = {"nvidia": "cuda", "amd": "rocm", "apple": "metal", "intel": "sycl"}


@dataclass
class Device:
    name: str
    vendor: str
    backend: str
    memory_mib: float  # what a workload may use
    bandwidth_gbps: float | None
    fp16_tflops: float | None
    unified: bool = False
    integrated: bool = False
    tdp_w: float | None = None
    spec_id: str | None = None


@dataclass
class Hardware:
    gpus: list[Device]
    ram_total_mib: float | None
    ram_available_mib: float | None
    cpu_name: str
    cpu_cores: int | None
    cpu_tflops: float | None
    cpu_bandwidth_gbps: float
    assumptions: list[str] = field(default_factory=list)
    # Facts a judgment needs that could not be read and the catalogue could not supply; a verdict that
    # depends on them is "unknown", never "does not fit" (engine.py).
    unknown: list[str] = field(default_factory=list)

    @property
    def offload_ram_mib(self) -> float:
        """RAM a partially offloaded model may use. Unified memory is not counted twice."""
        if any(g.unified for g in self.gpus):
            return 0.0
        return self.ram_available_mib or 0.0


def apple_working_set_mib(ram_mib: float) -> float:
    """Metal's recommendedMaxWorkingSetSize: about 2/3 of RAM up to 36 GB, 3/4 above (docs/workloads.md)."""
    return ram_mib * (0.75 if ram_mib > 36 * 1024 else 2 / 3)


def cpu_model(name: str, cores: int | None, mhz: float | None, flags: list[str] | None,
              assumptions: list[str]) -> tuple[float | None, float]:
    """(peak FP32 TFLOPS, assumed RAM bandwidth GB/s) for a CPU."""
    flops_per_cycle = None
    present = set(flags or [])
    for row in data.rows("backends", "cpu_simd"):
        if row["flag"] == "" or row["flag"] in present:
            flops_per_cycle = row["fp32_flops_per_cycle"]
            break
    ghz = (mhz or 0) / 1000
    if not ghz:
        ghz = 3.0
        assumptions.append("CPU clock unknown: assumed 3.0 GHz")
    tflops = cores * ghz * flops_per_cycle / 1000 if cores and flops_per_cycle else None
    bandwidth = 51.2
    for row in data.rows("backends", "cpu_memory"):
        if re.search(row["match"], name or ""):
            bandwidth = row["bandwidth_gbps"]
            assumptions.append(f"RAM bandwidth assumed: {row['label']}")
            break
    per_core = next(b for b in data.rows("backends", "backend") if b["id"] == "cpu")["per_core_bandwidth_gbps"]
    if cores and cores * per_core < bandwidth:
        bandwidth = cores * per_core
        assumptions.append(f"RAM bandwidth capped at {bandwidth:g} GB/s: {cores} cores × {per_core:g} GB/s per core")
    return tflops, bandwidth


def fp16_tflops(spec: catalog.GpuSpec | None, assumptions: list[str]) -> float | None:
    """Dense FP16 tensor TFLOPS: the catalogue's, else derived from FP32 with compute_ratios.toml."""
    if spec is None:
        return None
    if spec.fp16_tflops and (spec.fp32_tflops is None or spec.fp16_tflops >= spec.fp32_tflops):
        return spec.fp16_tflops
    if spec.vendor == "apple":
        gen = re.search(r"\bM(\d)", spec.name)
        row = next((r for r in data.rows("compute_ratios", "apple") if gen and r["generation"] == f"M{gen.group(1)}"), None)
        if spec.fp32_tflops:
            return spec.fp32_tflops
        if row and spec.gpu_cores:
            value = row["fp32_tflops_per_core"] * spec.gpu_cores
            assumptions.append(f"{spec.name}: {value:.1f} TFLOPS from {spec.gpu_cores} GPU cores ({row['source']})")
            return value
        return None
    for row in data.rows("compute_ratios", "ratio"):
        if row["vendor"] == spec.vendor and row["architecture"] == spec.architecture and spec.segment in row["segments"]:
            if spec.fp32_tflops:
                value = spec.fp32_tflops * row["fp16_per_fp32"]
                if row["fp16_per_fp32"] != 1:
                    assumptions.append(f"{spec.name}: FP16 tensor {value:.0f} TFLOPS = {row['fp16_per_fp32']:g} × FP32 "
                                       f"({row['source']})")
                return value
    if spec.fp32_tflops:
        assumptions.append(f"{spec.name}: no FP16 tensor figure; FP32 {spec.fp32_tflops:g} TFLOPS used")
        return max(spec.fp32_tflops, spec.fp16_tflops or 0)
    return spec.fp16_tflops


def _catalogue_name(name: str):
    """A driver name, else the marketing name inside it: lspci's "AD104GL [L4]", collect_env's
    "AMD Radeon RX 7900 XT (gfx1100)"."""
    spec = catalog.lookup(name)
    if spec is None and "[" in name and name.rstrip().endswith("]"):
        spec = catalog.lookup(name[name.rindex("[") + 1:name.rstrip().rindex("]")])
    if spec is None and name.rstrip().endswith(")") and "(gfx" in name:
        spec = catalog.lookup(name[:name.rindex("(gfx")])
    return spec


def _device_from_fact(gpu: dict, stack: dict, assumptions: list[str], unknown: list[str] | None = None) -> Device | None:
    if gpu.get("virtual") or gpu.get("vendor") == "other" or gpu.get("status") != "ok":
        return None
    spec = _catalogue_name(gpu["name"]) if gpu.get("name") else None
    if spec is None and gpu.get("pci_device_id"):
        spec = _spec_by_pci_id(gpu.get("vendor"), gpu["pci_device_id"])
    name = gpu.get("name") or (spec.name if spec else "unknown GPU")
    bandwidth = gpu.get("memory_bandwidth_gbps")
    if bandwidth:
        assumptions.append(f"{name}: memory bandwidth {bandwidth:.0f} GB/s measured by the driver")
    elif spec and spec.memory_bandwidth_gbps:
        bandwidth = spec.memory_bandwidth_gbps
        assumptions.append(f"{name}: memory bandwidth {bandwidth:.0f} GB/s from the catalogue ({spec.source})")
    flops = fp16_tflops(spec, assumptions)
    if spec is None:
        assumptions.append(f"{name}: not in the GPU catalogue; compute throughput unknown")
    memory = gpu.get("memory_usable_mib")
    if memory is None:
        memory = gpu.get("memory_free_mib") if gpu.get("memory_free_mib") is not None else gpu.get("memory_total_mib")
    if gpu.get("unified_memory") and gpu.get("memory_usable_mib") is None and gpu.get("vendor") == "apple" \
            and gpu.get("memory_total_mib"):
        memory = apple_working_set_mib(gpu["memory_total_mib"])
    if memory is None and spec and spec.memory_gib and not spec.unified_memory:
        memory = spec.memory_gib * 1024
        assumptions.append(f"{name}: memory {spec.memory_gib:g} GiB is a catalogue fill-in ({spec.name}); "
                           f"{gpu.get('source') or 'the driver'} did not report it")
    if memory is None or bandwidth is None:
        missing = " and ".join(x for x, v in (("memory size", memory), ("memory bandwidth", bandwidth)) if v is None)
        why = (f"{name}: {missing} not read (seen through {gpu.get('source') or 'an unknown source'})"
               + (" and not in the GPU catalogue" if spec is None else f"; the catalogue row {spec.name} has none"))
        if gpu.get("assumed"):
            why = f"{name} (assumed): {missing} unknown; its unified memory is the machine's RAM, which was not given"
        assumptions.append(f"{why}; not used for estimates")
        if unknown is not None and (not gpu.get("integrated") or gpu.get("assumed")):
            unknown.append(why)
        return None
    backend = _BACKENDS.get(gpu["vendor"], "vulkan")
    if gpu["vendor"] == "amd" and not (stack.get("rocm") or {}).get("version"):
        backend = "vulkan"
        assumptions.append(f"{name}: no ROCm found, so the Vulkan backend is assumed")
    return Device(name=name, vendor=gpu["vendor"], backend=backend, memory_mib=float(memory),
                  bandwidth_gbps=float(bandwidth), fp16_tflops=flops,
                  unified=bool(gpu.get("unified_memory")), integrated=bool(gpu.get("integrated")),
                  tdp_w=spec.tdp_w if spec else None, spec_id=spec.id if spec else None)


def _spec_by_pci_id(vendor: str | None, device_id: str) -> catalog.GpuSpec | None:
    """Vendor id tables may point at a catalogue row (APUs whose names drivers spell many ways)."""
    if vendor != "amd":
        return None
    row = next((r for r in data.rows("amd_gpus", "gpu") if r["device_id"].lower() == device_id.lower()), None)
    ref = (row or {}).get("catalog")
    return next((s for s in catalog.all_gpus() if s.id == ref), None) if ref else None


def choose(devices: list[Device]) -> list[Device]:
    """The accelerators a workload runs on: discrete before integrated, one vendor."""
    if not devices:
        return []
    discrete = [d for d in devices if not d.integrated] or devices
    vendor = max(discrete, key=lambda d: d.memory_mib).vendor
    return [d for d in discrete if d.vendor == vendor]


def from_facts(facts: dict) -> Hardware:
    assumptions: list[str] = []
    unknown: list[str] = []
    devices = [d for d in (_device_from_fact(g, facts.get("stack", {}), assumptions, unknown)
                           for g in facts.get("gpus", [])) if d]
    mem = facts.get("memory", {})
    cpu = facts.get("cpu", {})
    total = mem.get("total_mib")
    if mem.get("cgroup_limit_mib"):
        total = mem["cgroup_limit_mib"]
        assumptions.append(f"container memory limit {mem['cgroup_limit_mib']} MiB used instead of RAM")
    available = mem.get("available_mib")
    if available is not None and total is not None:
        available = min(available, total)
    if available is None:
        unknown.append("RAM: free memory not read" if total is not None else "RAM: size not read")
    tflops, bw = cpu_model(cpu.get("model") or "", cpu.get("physical_cores") or cpu.get("logical_cpus"),
                           cpu.get("max_mhz"), cpu.get("flags"), assumptions)
    chosen = choose(devices)
    if chosen and chosen[0].unified:
        bw = max(bw, chosen[0].bandwidth_gbps or 0)
    return Hardware(gpus=chosen, ram_total_mib=total, ram_available_mib=available, cpu_name=cpu.get("model") or "CPU",
                    cpu_cores=cpu.get("physical_cores") or cpu.get("logical_cpus"), cpu_tflops=tflops,
                    cpu_bandwidth_gbps=bw, assumptions=assumptions, unknown=unknown)


def from_specs(gpus: list[tuple[catalog.GpuSpec, int]], ram_gib: float | None, cpu_cores: int = 8) -> Hardware:
    """A what-if machine: GPUs from the catalogue, optional RAM; the CPU is a generic 8-core desktop."""
    assumptions = [f"{s.name}: {s.memory_gib} GiB, {s.memory_bandwidth_gbps} GB/s from the catalogue ({s.source})"
                   for s, _ in gpus]
    devices = []
    ram_mib = ram_gib * 1024 if ram_gib else None
    for spec, count in gpus:
        flops = fp16_tflops(spec, assumptions)
        unified = spec.unified_memory
        if unified:
            base = ram_mib or (spec.memory_gib or 0) * 1024
            memory = apple_working_set_mib(base) if spec.vendor == "apple" else base * 0.5
            assumptions.append(f"{spec.name}: unified memory; the GPU may use {memory / 1024:.1f} GiB of "
                               f"{base / 1024:.0f} GiB" + ("" if ram_mib else " (the smallest configuration; "
                                                                               "set --ram-gib for yours)"))
        else:
            memory = (spec.memory_gib or 0) * 1024
        for _ in range(count):
            devices.append(Device(name=spec.name, vendor=spec.vendor, backend=_BACKENDS.get(spec.vendor, "vulkan"),
                                  memory_mib=memory, bandwidth_gbps=spec.memory_bandwidth_gbps,
                                  fp16_tflops=flops, unified=unified,
                                  integrated=spec.segment == "apu", tdp_w=spec.tdp_w, spec_id=spec.id))
    if ram_mib is None:
        assumptions.append("RAM not given (--ram-gib): CPU offload is not considered")
    tflops, bw = cpu_model("", cpu_cores, 3500, ["avx2", "fma"], [])
    assumptions.append(f"CPU: a generic {cpu_cores}-core AVX2 desktop at 3.5 GHz with dual-channel DDR4-3200")
    if devices and devices[0].unified:
        bw = devices[0].bandwidth_gbps or bw
    return Hardware(gpus=choose(devices), ram_total_mib=ram_mib, ram_available_mib=ram_mib * 0.9 if ram_mib else None,
                    cpu_name="CPU", cpu_cores=cpu_cores, cpu_tflops=tflops, cpu_bandwidth_gbps=bw,
                    assumptions=assumptions)
