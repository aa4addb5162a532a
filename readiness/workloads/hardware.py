"""The machine as the estimators see it: accelerators, RAM and CPU, with where each number came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from readiness import catalog, data
from readiness.workloads import cpu, speed

_BACKENDS = {"nvidia": "cuda", "amd": "rocm", "apple": "metal", "intel": "sycl"}


@dataclass
class Device:
    """One device a workload can run on, with the figures the estimators use."""

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
    int8_tops: float | None = None  # dense INT8 tensor throughput, for quantized prompt matmuls on CUDA
    generation: str = "unknown"  # the architecture generation the fitted factors are grouped by
    fp32_tflops: float | None = None  # the vector (non-tensor) rate: dequantization, norms, softmax (#15)


@dataclass
class Hardware:
    """A machine as the estimators see it: its GPUs, RAM and CPU."""

    gpus: list[Device]
    ram_total_mib: float | None
    ram_available_mib: float | None
    cpu_name: str
    cpu_cores: int | None
    cpu_tflops: float | None
    cpu_bandwidth_gbps: float
    assumptions: list[str] = field(default_factory=list)
    cpu_generation: str = "avx2"  # SIMD level: the CPU backend's factors are grouped by it
    build_date: str | None = None  # the runtime build's date where it matters (a dated measurement); None = today
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
              assumptions: list[str], measured: dict | None = None) -> tuple[float | None, float]:
    """(peak FP32 TFLOPS, RAM bandwidth GB/s) for a CPU (cpu.py)."""
    f = cpu.figures(name, cores, mhz, flags, assumptions, measured)
    return f.tflops, f.bandwidth_gbps


def gtt_default_mib(ram_mib: float) -> float:
    """amdgpu's default GTT size on Linux when the facts don't hold the live one (apu_memory.toml)."""
    row = data.load("apu_memory")["gtt_default"]
    return max(float(row["minimum_mib"]), ram_mib * float(row["ram_fraction"]))


def _generation(spec: catalog.GpuSpec | None, vendor: str, name: str) -> str:
    return speed.generation(vendor, spec.architecture if spec else None, spec.name if spec else name)


# Which runtimes run on which vendor's GPUs (llama.cpp's backends); Vulkan runs on all but Apple.
COMPATIBLE = {"cuda": {"nvidia"}, "rocm": {"amd"}, "sycl": {"intel"}, "metal": {"apple"},
              "vulkan": {"nvidia", "amd", "intel", "other"}}


def compatible(vendor: str, backend: str) -> bool:
    return backend == "cpu" or vendor in COMPATIBLE.get(backend, set())


def _backend(vendor: str, backend: str | None) -> str:
    if backend and compatible(vendor, backend):
        return backend
    return _BACKENDS.get(vendor, "vulkan")


def _vector_tflops(spec: catalog.GpuSpec | None, fp16: float | None) -> float | None:
    """FP32 (vector) TFLOPS; Apple GPUs run FP16 at their FP32 rate, so their FP16 figure serves."""
    if spec is None:
        return None
    return spec.fp32_tflops or (fp16 if spec.vendor == "apple" else None)


def int8_tops(spec: catalog.GpuSpec | None) -> float | None:
    """Dense INT8 tensor TOPS: the catalogue's, else FP32 × the whitepaper's int8_per_fp32 for that NVIDIA
    architecture and segment (compute_ratios.toml): most GeForce rows carry FP32 and FP16 figures only, and
    without an INT8 figure their quantized prompts were sized on the FP16 peak (#15)."""
    if spec is None or spec.int8_tops:
        return spec.int8_tops if spec else None
    if not spec.fp32_tflops:
        return None
    for row in data.rows("compute_ratios", "ratio"):
        if row["vendor"] == spec.vendor and row["architecture"] == spec.architecture and spec.segment in row["segments"] \
                and row.get("int8_per_fp32"):
            return spec.fp32_tflops * float(row["int8_per_fp32"])
    return None


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


def _device_from_fact(gpu: dict, stack: dict, assumptions: list[str], ram_mib: float | None = None,
                      backend_choice: str | None = None, unknown: list[str] | None = None) -> Device | None:
    if gpu.get("virtual") or gpu.get("vendor") == "other" or gpu.get("status") != "ok":
        return None
    spec = _catalogue_name(gpu["name"]) if gpu.get("name") else None
    if spec is None and gpu.get("pci_device_id"):
        spec = _spec_by_pci_id(gpu.get("vendor"), gpu["pci_device_id"])
    name = gpu.get("name") or (spec.name if spec else "unknown GPU")
    bandwidth = gpu.get("memory_bandwidth_gbps")
    if bandwidth:
        told = "from the catalogue" if (gpu.get("derived") or {}).get("memory_bandwidth_gbps") else "reported by the driver"
        assumptions.append(f"{name}: memory bandwidth {bandwidth:.0f} GB/s {told}")
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
    if gpu.get("vendor") == "amd" and gpu.get("integrated") and gpu.get("memory_usable_mib") is None and ram_mib:
        carve = gpu.get("memory_total_mib") or 0
        gtt = gpu.get("memory_gtt_mib")
        if gtt is None:
            gtt = gtt_default_mib(ram_mib)
            assumptions.append(f"{name}: GTT size not read; amdgpu's default max(3 GiB, half of RAM) = "
                               f"{gtt / 1024:.1f} GiB assumed (apu_memory.toml)")
        memory = carve + gtt
        assumptions.append(f"{name}: the GPU may use its {carve / 1024:.1f} GiB carve-out + {gtt / 1024:.1f} GiB GTT")
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
    backend = _backend(gpu["vendor"], backend_choice)
    if backend_choice is None and gpu["vendor"] == "amd" and not (stack.get("rocm") or {}).get("version"):
        backend = "vulkan"
        assumptions.append(f"{name}: no ROCm found, so the Vulkan backend is assumed")
    return Device(name=name, vendor=gpu["vendor"], backend=backend, memory_mib=float(memory),
                  bandwidth_gbps=float(bandwidth), fp16_tflops=flops,
                  unified=bool(gpu.get("unified_memory")), integrated=bool(gpu.get("integrated")),
                  tdp_w=spec.tdp_w if spec else None, spec_id=spec.id if spec else None,
                  int8_tops=int8_tops(spec), generation=_generation(spec, gpu["vendor"], name),
                  fp32_tflops=_vector_tflops(spec, flops))


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


def from_facts(facts: dict, measured: dict | None = None, backend: str | None = None) -> Hardware:
    """``backend``: the runtime to estimate for (cuda, rocm, vulkan, sycl, metal, cpu), default the vendor's
    usual one. ``measured``: this machine's bench figures (readiness.bench.apply), used in place of the
    catalogue's by ``apply.to_hardware`` (which scales a measured read to what llama.cpp reaches)."""
    assumptions: list[str] = []
    unknown: list[str] = []
    mem = facts.get("memory", {})
    cpu_facts = facts.get("cpu", {})
    devices = [] if backend == "cpu" else [
        d for d in (_device_from_fact(g, facts.get("stack", {}), assumptions, mem.get("total_mib"), backend, unknown)
                    for g in facts.get("gpus", [])) if d]
    total = mem.get("total_mib")
    if mem.get("cgroup_limit_mib"):
        total = mem["cgroup_limit_mib"]
        assumptions.append(f"container memory limit {mem['cgroup_limit_mib']} MiB used instead of RAM")
    available = mem.get("available_mib")
    if available is not None and total is not None:
        available = min(available, total)
    if available is None:
        unknown.append("RAM: free memory not read" if total is not None else "RAM: size not read")
    cores = cpu_facts.get("physical_cores") or cpu_facts.get("logical_cpus")
    fig = cpu.figures(cpu_facts.get("model") or "", cores, cpu_facts.get("max_mhz"), cpu_facts.get("flags"),
                      assumptions)
    bw = fig.bandwidth_gbps
    chosen = choose(devices)
    if chosen and chosen[0].unified:
        bw = max(bw, chosen[0].bandwidth_gbps or 0)
    hw = Hardware(gpus=chosen, ram_total_mib=total, ram_available_mib=available,
                  cpu_name=cpu_facts.get("model") or "CPU", cpu_cores=cores, cpu_tflops=fig.tflops,
                  cpu_bandwidth_gbps=bw, assumptions=assumptions, cpu_generation=fig.simd, unknown=unknown)
    if measured:
        from readiness.bench import apply

        apply.to_hardware(hw, measured)
    return hw


# What from_facts (and _device_from_fact) read of a facts document, and nothing else: a fleet's
# hosts with equal inputs get equal judgments (fleet require judges each set of inputs once).
# A field read above must be listed here (test_fleet_require checks real reports both ways).
_GPU_READ = ("virtual", "vendor", "status", "name", "pci_device_id", "memory_bandwidth_gbps", "source",
             "memory_usable_mib", "memory_free_mib", "memory_total_mib", "unified_memory", "integrated",
             "memory_gtt_mib", "assumed")
_MEMORY_READ = ("total_mib", "cgroup_limit_mib", "available_mib")
_CPU_READ = ("physical_cores", "logical_cpus", "model", "max_mhz", "flags")


def inputs(facts: dict) -> dict:
    """The part of a facts document that from_facts reads (same judgment, a fraction of the size)."""
    mem, cpu_facts = facts.get("memory", {}), facts.get("cpu", {})
    gpus = []
    for g in facts.get("gpus", []):
        kept = {k: g[k] for k in _GPU_READ if k in g}
        if (g.get("derived") or {}).get("memory_bandwidth_gbps"):
            kept["derived"] = {"memory_bandwidth_gbps": g["derived"]["memory_bandwidth_gbps"]}
        gpus.append(kept)
    return {"memory": {k: mem[k] for k in _MEMORY_READ if k in mem},
            "cpu": {k: cpu_facts[k] for k in _CPU_READ if k in cpu_facts}, "gpus": gpus,
            "stack": {"rocm": {"version": (facts.get("stack", {}).get("rocm") or {}).get("version")}}}


def _apu_row(spec: catalog.GpuSpec) -> dict | None:
    return next((r for r in data.rows("apu_memory", "apu") if r["catalog"] == spec.id), None)


def known_ram(spec: catalog.GpuSpec) -> bool:
    return _apu_row(spec) is not None


def _unified_memory(spec: catalog.GpuSpec, ram_mib: float | None, assumptions: list[str]) -> tuple[float, float]:
    """(MiB the GPU may use, RAM MiB assumed) for a what-if unified-memory GPU."""
    apu = _apu_row(spec)
    if ram_mib:
        base, said = ram_mib, ""
    elif apu:
        base, said = apu["largest_ram_gib"] * 1024.0, " (the largest configuration; set --ram-gib for yours)"
    elif spec.memory_options_gib:
        base, said = max(spec.memory_options_gib) * 1024.0, " (the largest configuration; set --ram-gib for yours)"
    else:
        base, said = (spec.memory_gib or 0) * 1024.0, " (set --ram-gib for yours)"
    if spec.vendor == "apple":
        memory = apple_working_set_mib(base)
        how = "Metal's working set"
    elif spec.vendor == "amd":
        carve = min(float(apu["max_carveout_gib"]) * 1024, base) if apu else 0.0
        memory = carve + gtt_default_mib(base - carve)
        how = (f"the largest BIOS carve-out {carve / 1024:.0f} GiB + amdgpu's default GTT (half the rest; "
               f"apu_memory.toml)" if apu else "amdgpu's default GTT, half of RAM (apu_memory.toml)")
    else:
        memory = base * 0.5
        how = "half of RAM"
    assumptions.append(f"{spec.name}: unified memory; the GPU may use {memory / 1024:.1f} GiB of "
                       f"{base / 1024:.0f} GiB RAM: {how}{said}")
    return memory, base


def from_specs(gpus: list[tuple[catalog.GpuSpec, int]], ram_gib: float | None, cpu_cores: int = 8,
               backend: str | None = None, cpu_name: str = "", ram_mt_s: int | None = None) -> Hardware:
    """A what-if machine: GPUs from the catalogue, optional RAM; the CPU is a generic 8-core desktop
    unless ``cpu_name`` names a family in cpu_memory.toml. ``backend`` as in from_facts."""
    assumptions = [f"{s.name}: {s.memory_gib} GiB, {s.memory_bandwidth_gbps} GB/s from the catalogue ({s.source})"
                   for s, _ in gpus]
    devices = []
    ram_mib = ram_gib * 1024 if ram_gib else None
    for spec, count in gpus if backend != "cpu" else []:
        flops = fp16_tflops(spec, assumptions)
        unified = spec.unified_memory
        if unified:
            memory, base = _unified_memory(spec, ram_mib, assumptions)
            if ram_mib is None and spec.vendor == "amd":
                ram_mib = base  # the APU's RAM is the machine's RAM
        else:
            memory = (spec.memory_gib or 0) * 1024
        for _ in range(count):
            devices.append(Device(name=spec.name, vendor=spec.vendor, backend=_backend(spec.vendor, backend),
                                  memory_mib=memory, bandwidth_gbps=spec.memory_bandwidth_gbps,
                                  fp16_tflops=flops, unified=unified,
                                  integrated=spec.segment == "apu", tdp_w=spec.tdp_w, spec_id=spec.id,
                                  int8_tops=int8_tops(spec), generation=_generation(spec, spec.vendor, spec.name),
                                  fp32_tflops=_vector_tflops(spec, flops)))
    if ram_mib is None:
        assumptions.append("RAM not given (--ram-gib): CPU offload is not considered")
    if backend:
        assumptions.append(f"backend {backend} (--backend)")
    fig = cpu.figures(cpu_name, cpu_cores, 3500, ["avx2", "fma"], [] if not cpu_name else assumptions, mt_s=ram_mt_s)
    if not cpu_name:
        assumptions.append(f"CPU: a generic {cpu_cores}-core AVX2 desktop at 3.5 GHz with dual-channel DDR4-3200")
    bw = fig.bandwidth_gbps
    if devices and devices[0].unified:
        bw = devices[0].bandwidth_gbps or bw
    return Hardware(gpus=choose(devices), ram_total_mib=ram_mib, ram_available_mib=ram_mib * 0.9 if ram_mib else None,
                    cpu_name=cpu_name or "CPU", cpu_cores=cpu_cores, cpu_tflops=fig.tflops, cpu_bandwidth_gbps=bw,
                    assumptions=assumptions, cpu_generation=fig.simd)
