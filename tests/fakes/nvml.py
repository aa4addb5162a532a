"""A fake of the pynvml module that records every call made to it.

Scenarios are built from plain GPU descriptions; any metric can be made to fail with an
NVML error code, a GPU can be lost, init can fail, and functions can be missing (an old
driver or binding).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

NVML_CLOCK_SM = 1
NVML_CLOCK_MEM = 2

# nvml.h return codes
NOT_SUPPORTED = 3
NO_PERMISSION = 4
DRIVER_NOT_LOADED = 9
LIBRARY_NOT_FOUND = 12
FUNCTION_NOT_FOUND = 13
GPU_IS_LOST = 15
LIB_RM_VERSION_MISMATCH = 18
INVALID_ARGUMENT = 2
NOT_FOUND = 6


class NVMLError(Exception):
    def __init__(self, value: int):
        super().__init__(f"NVML error {value}")
        self.value = value


@dataclass
class FakeGpu:
    name: str = "NVIDIA GeForce RTX 4090"
    uuid: str = "GPU-11111111-2222-3333-4444-555555555555"
    bus_id: str = "00000000:01:00.0"
    pci_device_id: int = 0x268410DE
    cc: tuple = (8, 9)
    arch: int = 9  # NVML_DEVICE_ARCH_ADA
    total: int = 24564 * 2**20
    used: int = 1024 * 2**20
    power_limit_mw: int = 450000
    power_default_mw: int = 450000
    max_sm: int = 3120
    max_mem: int = 10501
    bus_width: int = 384
    pcie: tuple = (4, 16, 4, 16)  # current gen, current width, max gen, max width
    mig: tuple | None = None  # (current, pending) for MIG-capable GPUs
    mig_devices: list = field(default_factory=list)  # (name, total_bytes, gi, ci), sparse slots as None
    persistence: int = 0
    ecc: tuple | None = None
    ecc_errors: int = 0
    virtualization: int = 0
    display: int = 1
    driver_model: tuple | None = None
    processes: list = field(default_factory=lambda: [SimpleNamespace(pid=1234, usedGpuMemory=512 * 2**20)])
    nvlinks: list = field(default_factory=list)
    failing: dict = field(default_factory=dict)  # function name -> NVML error code
    lost: bool = False  # the handle itself can't be had


class FakeNvml:
    """Use as the ``nv`` argument of readiness.host.nvml.snapshot."""

    NVMLError = NVMLError
    NVML_CLOCK_SM = NVML_CLOCK_SM
    NVML_CLOCK_MEM = NVML_CLOCK_MEM

    def __init__(self, gpus: list[FakeGpu] | None = None, init_error: int | None = None,
                 driver: str = "570.133.07", cuda: int = 12080, missing: tuple[str, ...] = ()):
        self.gpus = gpus if gpus is not None else [FakeGpu()]
        self.init_error = init_error
        self.driver = driver
        self.cuda = cuda
        self.missing = set(missing)
        self.calls: list[tuple[str, tuple]] = []
        self.initialised = False

    def __getattr__(self, name: str) -> Any:
        # Only nvml* names exist; missing ones are how an old binding looks.
        if not name.startswith("nvml") or name in self.missing:
            raise AttributeError(name)
        impl = getattr(type(self), "_" + name, None)
        if impl is None:
            raise AttributeError(name)

        def call(*args):
            self.calls.append((name, args))
            if name not in ("nvmlInit", "nvmlShutdown") and not self.initialised:
                raise NVMLError(1)
            return impl(self, *args)

        return call

    def called(self, name: str) -> int:
        return sum(1 for n, _ in self.calls if n == name)

    # -- system
    def _nvmlInit(self):
        if self.init_error is not None:
            raise NVMLError(self.init_error)
        self.initialised = True

    def _nvmlShutdown(self):
        self.initialised = False

    def _nvmlSystemGetDriverVersion(self):
        return self.driver

    def _nvmlSystemGetCudaDriverVersion_v2(self):
        return self.cuda

    def _nvmlSystemGetCudaDriverVersion(self):
        return self.cuda

    def _nvmlSystemGetNVMLVersion(self):
        return "12." + self.driver

    def _nvmlDeviceGetCount(self):
        return len(self.gpus)

    def _nvmlDeviceGetHandleByIndex(self, i):
        gpu = self.gpus[i]
        if gpu.lost:
            raise NVMLError(GPU_IS_LOST)
        return ("gpu", i)

    # -- per device
    def _gpu(self, handle, fn):
        kind, i, *rest = handle
        gpu = self.gpus[i]
        if fn in gpu.failing:
            raise NVMLError(gpu.failing[fn])
        return gpu

    def _nvmlDeviceGetName(self, h):
        if h[0] == "mig":
            return self.gpus[h[1]].mig_devices[h[2]][0]
        return self._gpu(h, "nvmlDeviceGetName").name

    def _nvmlDeviceGetUUID(self, h):
        return self._gpu(h, "nvmlDeviceGetUUID").uuid

    def _nvmlDeviceGetSerial(self, h):
        self._gpu(h, "nvmlDeviceGetSerial")
        raise NVMLError(NOT_SUPPORTED)  # GeForce cards have no serial

    def _nvmlDeviceGetPciInfo(self, h):
        g = self._gpu(h, "nvmlDeviceGetPciInfo")
        return SimpleNamespace(busId=g.bus_id, busIdLegacy=g.bus_id[4:], pciDeviceId=g.pci_device_id)

    def _nvmlDeviceGetCudaComputeCapability(self, h):
        return self._gpu(h, "nvmlDeviceGetCudaComputeCapability").cc

    def _nvmlDeviceGetArchitecture(self, h):
        return self._gpu(h, "nvmlDeviceGetArchitecture").arch

    def _nvmlDeviceGetMemoryInfo(self, h):
        if h[0] == "mig":
            total = self.gpus[h[1]].mig_devices[h[2]][1]
            return SimpleNamespace(total=total, free=total, used=0)
        g = self._gpu(h, "nvmlDeviceGetMemoryInfo")
        return SimpleNamespace(total=g.total, free=g.total - g.used, used=g.used)

    def _nvmlDeviceGetPowerManagementLimit(self, h):
        return self._gpu(h, "nvmlDeviceGetPowerManagementLimit").power_limit_mw

    def _nvmlDeviceGetPowerManagementDefaultLimit(self, h):
        return self._gpu(h, "nvmlDeviceGetPowerManagementDefaultLimit").power_default_mw

    def _nvmlDeviceGetMaxClockInfo(self, h, clock):
        g = self._gpu(h, "nvmlDeviceGetMaxClockInfo")
        return g.max_sm if clock == NVML_CLOCK_SM else g.max_mem

    def _nvmlDeviceGetMemoryBusWidth(self, h):
        return self._gpu(h, "nvmlDeviceGetMemoryBusWidth").bus_width

    def _nvmlDeviceGetCurrPcieLinkGeneration(self, h):
        return self._gpu(h, "nvmlDeviceGetCurrPcieLinkGeneration").pcie[0]

    def _nvmlDeviceGetCurrPcieLinkWidth(self, h):
        return self._gpu(h, "nvmlDeviceGetCurrPcieLinkWidth").pcie[1]

    def _nvmlDeviceGetGpuMaxPcieLinkGeneration(self, h):
        return self._gpu(h, "nvmlDeviceGetGpuMaxPcieLinkGeneration").pcie[2]

    def _nvmlDeviceGetMaxPcieLinkGeneration(self, h):
        return self._gpu(h, "nvmlDeviceGetMaxPcieLinkGeneration").pcie[2]

    def _nvmlDeviceGetMaxPcieLinkWidth(self, h):
        return self._gpu(h, "nvmlDeviceGetMaxPcieLinkWidth").pcie[3]

    def _nvmlDeviceGetMigMode(self, h):
        g = self._gpu(h, "nvmlDeviceGetMigMode")
        if g.mig is None:
            raise NVMLError(NOT_SUPPORTED)
        return g.mig

    def _nvmlDeviceGetMaxMigDeviceCount(self, h):
        return len(self._gpu(h, "nvmlDeviceGetMaxMigDeviceCount").mig_devices)

    def _nvmlDeviceGetMigDeviceHandleByIndex(self, h, i):
        g = self._gpu(h, "nvmlDeviceGetMigDeviceHandleByIndex")
        if g.mig_devices[i] is None:
            raise NVMLError(NOT_FOUND)
        return ("mig", h[1], i)

    def _nvmlDeviceGetGpuInstanceId(self, h):
        return self.gpus[h[1]].mig_devices[h[2]][2]

    def _nvmlDeviceGetComputeInstanceId(self, h):
        return self.gpus[h[1]].mig_devices[h[2]][3]

    def _nvmlDeviceGetPersistenceMode(self, h):
        return self._gpu(h, "nvmlDeviceGetPersistenceMode").persistence

    def _nvmlDeviceGetEccMode(self, h):
        g = self._gpu(h, "nvmlDeviceGetEccMode")
        if g.ecc is None:
            raise NVMLError(NOT_SUPPORTED)
        return g.ecc

    def _nvmlDeviceGetTotalEccErrors(self, h, error_type, counter_type):
        g = self._gpu(h, "nvmlDeviceGetTotalEccErrors")
        if g.ecc is None:
            raise NVMLError(NOT_SUPPORTED)
        return g.ecc_errors

    def _nvmlDeviceGetVirtualizationMode(self, h):
        return self._gpu(h, "nvmlDeviceGetVirtualizationMode").virtualization

    def _nvmlDeviceGetDisplayActive(self, h):
        return self._gpu(h, "nvmlDeviceGetDisplayActive").display

    def _nvmlDeviceGetDriverModel(self, h):
        g = self._gpu(h, "nvmlDeviceGetDriverModel")
        if g.driver_model is None:
            raise NVMLError(NOT_SUPPORTED)  # Linux
        return g.driver_model

    def _nvmlDeviceGetComputeRunningProcesses(self, h):
        return self._gpu(h, "nvmlDeviceGetComputeRunningProcesses").processes

    def _nvmlDeviceGetGraphicsRunningProcesses(self, h):
        self._gpu(h, "nvmlDeviceGetGraphicsRunningProcesses")
        return []

    def _nvmlDeviceGetNvLinkState(self, h, link):
        g = self._gpu(h, "nvmlDeviceGetNvLinkState")
        if not g.nvlinks:
            raise NVMLError(NOT_SUPPORTED)
        if link >= len(g.nvlinks):
            raise NVMLError(INVALID_ARGUMENT)
        return g.nvlinks[link]
