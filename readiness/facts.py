"""The facts document: what probes found, in documented units (``facts`` in report schema 2).

Every field is described in docs/facts.md and checked by
readiness/schema/facts.schema.json; tests/test_facts_contract.py fails when the three disagree. Units are in the names (``_mib``, ``_mhz``,
``_w``, ``_gbps``). An unknown value is ``None`` (JSON null), never 0 and never a
guess; the ``probes`` list says why it is unknown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


class _Fact:
    """Equality, hashing and repr for the fact classes, field by field as dataclass generates them.
    dataclass writes those as source for each class and compiles it, and, for a class without a
    docstring, makes one from its signature: together a third of importing this module, which every
    run imports (issue 18). ``__init__`` and the frozen ``__setattr__`` stay dataclass's own."""

    __slots__ = ()

    def _values(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}(" + ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self)) + ")"


def _fact(cls: type) -> type:
    """A frozen fact class (issue 13: no later stage changes what a probe read)."""
    return dataclass(frozen=True, repr=False, eq=False)(cls)


@_fact
class HostFacts(_Fact):
    """The operating system and the machine's name."""

    os: str | None = None  # linux | darwin | windows
    os_release: str | None = None  # "Ubuntu 22.04.4 LTS", "macOS 14.5", "Windows 11 Pro"
    kernel: str | None = None
    arch: str | None = None  # x86_64 | arm64 | arm | x86 | ppc64le | s390x | riscv64
    hostname: str | None = None
    wsl: bool | None = None
    container: str | None = None  # None, or docker | podman | lxc | kubernetes | containerd | container
    machine_id: str | None = None  # /etc/machine-id, DMI product UUID, IOPlatformUUID or MachineGuid (lower case)


@_fact
class CpuFacts(_Fact):
    """The processor."""

    vendor: str | None = None
    model: str | None = None
    arch: str | None = None
    physical_cores: int | None = None
    logical_cpus: int | None = None
    max_mhz: float | None = None
    flags: list[str] | None = None


@_fact
class MemoryFacts(_Fact):
    """RAM and swap, and a container's memory limit."""

    total_mib: int | None = None
    available_mib: int | None = None
    swap_total_mib: int | None = None
    # The cgroup (container) memory limit, only when it is lower than RAM.
    cgroup_limit_mib: int | None = None


@_fact
class Disk(_Fact):
    """A file system readiness would store models on."""

    path: str
    total_mib: int | None
    free_mib: int | None
    # Why this filesystem is listed: home, huggingface, ollama, cwd (one filesystem, several uses).
    used_for: list[str] = field(default_factory=list)


@_fact
class MigDevice(_Fact):
    """One MIG slice of an NVIDIA GPU (a slice, not a GPU)."""

    name: str | None
    memory_total_mib: int | None
    gpu_instance_id: int | None = None
    compute_instance_id: int | None = None


@_fact
class GpuProcess(_Fact):
    """A process using a GPU (with --processes)."""

    pid: int
    memory_used_mib: int | None
    name: str | None = None
    command: str | None = None


@_fact
class Gpu(_Fact):
    """One GPU, as every source that saw it describes it (collect.merge_gpus)."""

    index: int
    vendor: str  # nvidia | amd | apple | intel | other
    name: str | None = None
    memory_total_mib: int | None = None
    memory_free_mib: int | None = None
    unified_memory: bool | None = None
    driver_version: str | None = None
    pci_bus_id: str | None = None  # "0000:01:00.0", lower case
    source: str | None = None  # nvml | nvidia-smi | sysfs | ...
    # ok | no_driver (on the bus, no kernel driver bound) | driver_not_loaded (e.g. nouveau
    # bound instead of the vendor driver) | error (queries failed; see status_reason)
    status: str = "ok"
    status_reason: str | None = None
    pci_vendor_id: str | None = None  # "0x10de"
    pci_device_id: str | None = None  # "0x2684"
    kernel_driver: str | None = None  # nvidia | nouveau | amdgpu | i915 | xe | vfio-pci | ...
    integrated: bool | None = None  # an integrated GPU or APU, sharing system RAM
    # What a model can really use: free VRAM on a discrete GPU; carve-out + GTT on an AMD APU;
    # Metal's working set (or iogpu.wired_limit_mb) on Apple. Null when it can't be told.
    memory_usable_mib: int | None = None
    virtual: bool = False  # an emulated display adapter (VMware SVGA, Hyper-V, virtio), never an AI accelerator
    # NVIDIA (issue #3), and AMD where amd-smi prints a real one (not its placeholder); null otherwise.
    uuid: str | None = None
    compute_capability: str | None = None
    architecture: str | None = None
    memory_used_mib: int | None = None
    memory_bandwidth_gbps: float | None = None
    memory_bus_width_bits: int | None = None
    max_sm_clock_mhz: int | None = None
    max_memory_clock_mhz: int | None = None
    power_limit_w: float | None = None
    power_default_limit_w: float | None = None
    pcie_generation: int | None = None
    pcie_width: int | None = None
    pcie_generation_max: int | None = None
    pcie_width_max: int | None = None
    mig_mode: bool | None = None
    mig_devices: list[MigDevice] = field(default_factory=list)
    persistence_mode: bool | None = None
    ecc_mode: bool | None = None
    ecc_errors_uncorrected: int | None = None  # since the driver loaded; null when ECC is off or unknown
    virtualization_mode: str | None = None
    display_attached: bool | None = None
    driver_model: str | None = None  # Windows: WDDM | TCC | MCDM
    processes_count: int | None = None
    processes_memory_mib: int | None = None
    nvlink_active_links: int | None = None
    # Only with --processes: each process using the GPU, with its command line.
    processes: list[GpuProcess] | None = None
    # AMD
    gfx_target: str | None = None  # "gfx1100"
    memory_gtt_mib: int | None = None  # the GTT window into system RAM
    rocm_supported: bool | None = None  # derived: the installed ROCm lists this gfx target
    # Apple
    gpu_cores: int | None = None
    metal_family: str | None = None  # "Metal 3"
    # Per-metric reasons for nulls: {"power_limit_w": "not supported by this GPU"}.
    unavailable: dict[str, str] = field(default_factory=dict)
    # Values filled in rather than read, each with where it came from: {"architecture": "catalogue"}
    # (readiness/derive.py). Empty when every value was printed by a tool.
    derived: dict[str, str] = field(default_factory=dict)


@_fact
class CudaToolkit(_Fact):
    """One CUDA toolkit found on disk."""

    release: str | None  # "12.4"
    version: str | None  # the full version where known, "12.4.131"
    path: str | None  # the toolkit folder
    source: str  # where the version came from: nvcc | version.json | version.txt | dist-info | folder-name
    found_by: str  # PATH | /usr/local | CUDA_HOME | CUDA_PATH | conda
    # Derived from NVIDIA's tables (readiness/compat.py):
    driver_supported: bool | None = None  # the installed driver supports this toolkit's release
    compute_capabilities: list[str] | None = None  # [lowest, highest] this toolkit builds for
    unsupported_gpus: list[int] | None = None  # indexes of GPUs this toolkit can't build for


@_fact
class CudaStack(_Fact):
    """The NVIDIA driver's CUDA version, the toolkits and the CUDA libraries."""

    driver_version: str | None = None  # highest CUDA version the driver supports, "12.4"
    toolkit_version: str | None = None  # the release of the nvcc on PATH, "12.4"
    nvcc_path: str | None = None  # where that nvcc was found
    toolkit_path: str | None = None  # the toolkit folder that nvcc belongs to, when it can be told
    toolkits: list[CudaToolkit] = field(default_factory=list)
    driver_version_source: str | None = None  # driver (NVML/nvidia-smi) | compat-table (from the driver number)
    cudnn_version: str | None = None
    nccl_version: str | None = None
    tensorrt_version: str | None = None
    libcuda_path: str | None = None  # the libcuda.so.1 the dynamic loader finds (driver side)
    libcudart_paths: list[str] = field(default_factory=list)  # every libcudart.so the loader finds


@_fact
class ProbeStatus(_Fact):
    """How one probe ended, and why when it read nothing."""

    name: str
    status: str  # ok | absent | unsupported | timeout | error
    reason: str | None
    seconds: float


class Draft:
    """A fact being filled in, field by field, inside one parse function; ``build()`` returns the
    frozen value. Facts are frozen so that no later stage (merging, derivation, rules) can change
    what a probe read (issue 13); a probe that reads many sources in turn fills a draft instead of
    threading a dozen locals. Only the class's own fields can be set, so a misspelt field fails."""

    __slots__ = ("_cls", "_values")

    def __init__(self, cls: type, **values: Any) -> None:
        start = cls(**values)  # the class's defaults, and its own checks of the values
        object.__setattr__(self, "_cls", cls)
        object.__setattr__(self, "_values", {f.name: getattr(start, f.name) for f in fields(cls)})

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"{self._cls.__name__} has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"{self._cls.__name__} has no field {name!r}")
        self._values[name] = value

    def build(self) -> Any:
        return self._cls(**self._values)


def to_dict(obj: Any) -> Any:
    if hasattr(obj, "__dataclass_fields__"):
        return asdict(obj)
    if isinstance(obj, list):
        return [to_dict(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj

