"""The amdsmi Python bindings (ROCm's official library), wrapped like NVML: every call guarded,
each metric a value or a reason, the GPU kept when one query fails. ``nv`` is the ``amdsmi``
module in real use and a recording fake in the tests."""

from __future__ import annotations

from readiness.host.guard import Guard


def _error(e: Exception) -> dict:
    code = getattr(e, "err_code", None)
    return {"err": f"amdsmi_error_{code}" if code is not None else "error", "reason": str(e) or type(e).__name__}


def snapshot(lib) -> dict:
    g = Guard(lib, getattr(lib, "AmdSmiException", None) or Exception, _error, "amdsmi")
    init = g.q("amdsmi_init", convert=lambda _: None)
    if "err" in init:
        return {"status": "error", "init": init}
    try:
        handles = g.q("amdsmi_get_processor_handles", convert=list)
        if "err" in handles:
            return {"status": "error", "init": handles}
        mem = getattr(lib, "AmdSmiMemoryType", None)
        vram_t = getattr(mem, "VRAM", 0) if mem else 0
        gtt_t = getattr(mem, "GTT", 2) if mem else 2
        devices = []
        for i, h in enumerate(handles["v"]):
            devices.append({
                "index": i,
                "asic": g.q("amdsmi_get_gpu_asic_info", h, convert=dict),
                "bdf": g.q("amdsmi_get_gpu_device_bdf", h),
                "vram_total": g.q("amdsmi_get_gpu_memory_total", h, vram_t, convert=int),
                "vram_used": g.q("amdsmi_get_gpu_memory_usage", h, vram_t, convert=int),
                "gtt_total": g.q("amdsmi_get_gpu_memory_total", h, gtt_t, convert=int),
                "driver": g.q("amdsmi_get_gpu_driver_info", h, convert=dict),
            })
        return {"status": "ok", "init": init, "devices": devices}
    finally:
        g.q("amdsmi_shut_down", convert=lambda _: None)


BINDING = "amdsmi"


def binding_missing() -> dict:
    return {"status": "absent", "init": {"err": "binding_missing", "reason": "the amdsmi package is not installed"}}


def snapshot_live() -> dict:
    try:
        import amdsmi
    except ImportError:
        return binding_missing()
    except Exception as e:  # noqa: BLE001 - amdsmi raises on import when libamd_smi.so is missing
        return {"status": "absent", "init": {"err": "library_missing", "reason": f"amdsmi could not load: {e}"}}
    return snapshot(amdsmi)
