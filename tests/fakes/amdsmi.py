"""A fake of the amdsmi module that records every call made to it."""

from __future__ import annotations

from dataclasses import dataclass, field


class AmdSmiException(Exception):
    def __init__(self, err_code: int, msg: str = ""):
        super().__init__(msg or f"amdsmi error {err_code}")
        self.err_code = err_code


class AmdSmiMemoryType:
    VRAM = 0
    VIS_VRAM = 1
    GTT = 2


@dataclass
class FakeAmdGpu:
    market_name: str = "AMD Radeon RX 7900 XTX"
    device_id: str = "0x744c"
    gfx: str = "gfx1100"
    bdf: str = "0000:03:00.0"
    vram: int = 24560 * 2**20
    vram_used: int = 512 * 2**20
    gtt: int = 32 * 2**30
    driver: str = "6.8.5"
    failing: set = field(default_factory=set)


class FakeAmdsmi:
    AmdSmiException = AmdSmiException
    AmdSmiMemoryType = AmdSmiMemoryType

    def __init__(self, gpus=None, init_fails: bool = False):
        self.gpus = gpus if gpus is not None else [FakeAmdGpu()]
        self.init_fails = init_fails
        self.calls: list[tuple[str, tuple]] = []

    def _rec(self, name, args):
        self.calls.append((name, args))

    def _gpu(self, name, h):
        g = self.gpus[h]
        if name in g.failing:
            raise AmdSmiException(2, "AMDSMI_STATUS_NOT_SUPPORTED")
        return g

    def amdsmi_init(self, *a):
        self._rec("amdsmi_init", a)
        if self.init_fails:
            raise AmdSmiException(8, "AMDSMI_STATUS_DRIVER_NOT_LOADED")

    def amdsmi_shut_down(self, *a):
        self._rec("amdsmi_shut_down", a)

    def amdsmi_get_processor_handles(self):
        self._rec("amdsmi_get_processor_handles", ())
        return list(range(len(self.gpus)))

    def amdsmi_get_gpu_asic_info(self, h):
        self._rec("amdsmi_get_gpu_asic_info", (h,))
        g = self._gpu("amdsmi_get_gpu_asic_info", h)
        return {"market_name": g.market_name, "device_id": g.device_id, "target_graphics_version": g.gfx}

    def amdsmi_get_gpu_device_bdf(self, h):
        self._rec("amdsmi_get_gpu_device_bdf", (h,))
        return self._gpu("amdsmi_get_gpu_device_bdf", h).bdf

    def amdsmi_get_gpu_memory_total(self, h, kind):
        self._rec("amdsmi_get_gpu_memory_total", (h, kind))
        g = self._gpu("amdsmi_get_gpu_memory_total", h)
        return g.vram if kind == AmdSmiMemoryType.VRAM else g.gtt

    def amdsmi_get_gpu_memory_usage(self, h, kind):
        self._rec("amdsmi_get_gpu_memory_usage", (h, kind))
        return self._gpu("amdsmi_get_gpu_memory_usage", h).vram_used

    def amdsmi_get_gpu_driver_info(self, h):
        self._rec("amdsmi_get_gpu_driver_info", (h,))
        return {"driver_name": "amdgpu", "driver_version": self._gpu("amdsmi_get_gpu_driver_info", h).driver}
