"""NVML through nvidia-ml-py (``import pynvml``), wrapped in one guarded query function.

``snapshot(nv)`` asks an NVML binding everything readiness needs and returns plain
JSON-able data: each metric is ``{"v": value}`` or ``{"err": code, "reason": words}``,
so a GeForce card that does not support one metric still reports all the others,
and a GPU whose handle cannot be had stays in the list with its error. ``nv`` is
the ``pynvml`` module in real use and a recording fake in the tests.
"""

from __future__ import annotations

from typing import Any

from readiness.host.guard import Guard

# NVML return codes (nvml.h) to short names and plain words.
_ERRORS = {
    1: ("uninitialized", "NVML was not initialised"),
    2: ("invalid_argument", "invalid argument"),
    3: ("not_supported", "not supported by this GPU or driver"),
    4: ("no_permission", "no permission to query the GPU (check access to /dev/nvidia*)"),
    6: ("not_found", "not found"),
    9: ("driver_not_loaded", "the NVIDIA kernel driver is not loaded (no NVIDIA driver installed, or it failed to load)"),
    10: ("timeout", "the query timed out"),
    12: ("library_not_found", "the NVML library (libnvidia-ml) was not found: no NVIDIA driver is installed"),
    13: ("function_not_found", "not available in this driver version (too old)"),
    15: ("gpu_is_lost", "the GPU has fallen off the bus or is otherwise inaccessible"),
    17: ("operating_system", "the operating system blocked the request"),
    18: ("lib_rm_version_mismatch", "the NVIDIA driver and library versions don't match: reboot, or reload the "
                                    "nvidia kernel module"),
    19: ("in_use", "the GPU is in use"),
    20: ("memory", "out of memory"),
    21: ("no_data", "no data"),
    999: ("unknown", "unknown NVML error"),
}

VIRTUALIZATION_MODES = {0: "None", 1: "Pass-Through", 2: "VGPU", 3: "Host VGPU", 4: "Host VSGA"}
DRIVER_MODELS = {0: "WDDM", 1: "TCC", 2: "MCDM"}
_NVLINK_MAX_LINKS = 18  # NVML_NVLINK_MAX_LINKS in nvml.h


def _error(e: Exception) -> dict:
    code = getattr(e, "value", None)
    name, words = _ERRORS.get(code, (f"nvml_error_{code}", str(e) or type(e).__name__))
    return {"err": name, "reason": words}


def _text(value: Any) -> Any:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


def _mem(info) -> dict:
    return {"total": int(info.total), "free": int(info.free), "used": int(info.used)}


def _processes(procs) -> dict:
    """Counts and memory, and each pid with its memory. Never command lines: those are asked of
    the host separately, and only when the user passes --processes."""
    used = [p.usedGpuMemory for p in procs]
    known = [int(u) for u in used if isinstance(u, int)]
    return {"count": len(procs), "memory_bytes": sum(known) if len(known) == len(used) else None,
            "list": [{"pid": int(p.pid), "memory_bytes": int(u) if isinstance(u, int) else None}
                     for p, u in zip(procs, used)]}


def _pci(info) -> dict:
    bus = _text(getattr(info, "busIdLegacy", None) or info.busId)
    return {"bus_id": _text(info.busId) or bus, "pci_device_id": int(info.pciDeviceId)}


def _device(g: Guard, nv, index: int) -> dict:
    handle = g.q("nvmlDeviceGetHandleByIndex", index, convert=lambda h: h)
    if "err" in handle:
        return {"index": index, "error": handle}
    h = handle["v"]
    clock_sm = getattr(nv, "NVML_CLOCK_SM", 1)
    clock_mem = getattr(nv, "NVML_CLOCK_MEM", 2)
    d: dict[str, Any] = {"index": index, "error": None}
    d["name"] = g.q("nvmlDeviceGetName", h)
    d["uuid"] = g.q("nvmlDeviceGetUUID", h)
    d["serial"] = g.q("nvmlDeviceGetSerial", h)
    d["pci"] = g.q("nvmlDeviceGetPciInfo", h, convert=_pci)
    d["compute_capability"] = g.q("nvmlDeviceGetCudaComputeCapability", h, convert=lambda cc: list(cc))
    d["architecture"] = g.q("nvmlDeviceGetArchitecture", h, convert=int)
    d["memory"] = g.q("nvmlDeviceGetMemoryInfo", h, convert=_mem)
    d["power_limit_mw"] = g.q("nvmlDeviceGetPowerManagementLimit", h, convert=int)
    d["power_default_limit_mw"] = g.q("nvmlDeviceGetPowerManagementDefaultLimit", h, convert=int)
    d["max_sm_clock_mhz"] = g.q("nvmlDeviceGetMaxClockInfo", h, clock_sm, convert=int)
    d["max_memory_clock_mhz"] = g.q("nvmlDeviceGetMaxClockInfo", h, clock_mem, convert=int)
    d["memory_bus_width_bits"] = g.q("nvmlDeviceGetMemoryBusWidth", h, convert=int)
    d["pcie_generation"] = g.q("nvmlDeviceGetCurrPcieLinkGeneration", h, convert=int)
    d["pcie_width"] = g.q("nvmlDeviceGetCurrPcieLinkWidth", h, convert=int)
    # The GPU's own maximum (not the slot's); older bindings only have the combined one.
    d["pcie_generation_max"] = g.q("nvmlDeviceGetGpuMaxPcieLinkGeneration", h, convert=int)
    if "err" in d["pcie_generation_max"]:
        d["pcie_generation_max"] = g.q("nvmlDeviceGetMaxPcieLinkGeneration", h, convert=int)
    d["pcie_width_max"] = g.q("nvmlDeviceGetMaxPcieLinkWidth", h, convert=int)
    d["mig_mode"] = g.q("nvmlDeviceGetMigMode", h, convert=lambda m: list(m))
    d["mig_devices"] = []
    if d["mig_mode"].get("v", [0])[0] == 1:
        count = g.q("nvmlDeviceGetMaxMigDeviceCount", h, convert=int)
        for i in range(count.get("v", 0)):
            mh = g.q("nvmlDeviceGetMigDeviceHandleByIndex", h, i, convert=lambda x: x)
            if "err" in mh:
                continue  # an empty slot: MIG slots are sparse
            m = mh["v"]
            d["mig_devices"].append({
                "name": g.q("nvmlDeviceGetName", m),
                "memory": g.q("nvmlDeviceGetMemoryInfo", m, convert=_mem),
                "gpu_instance_id": g.q("nvmlDeviceGetGpuInstanceId", m, convert=int),
                "compute_instance_id": g.q("nvmlDeviceGetComputeInstanceId", m, convert=int),
            })
    d["persistence_mode"] = g.q("nvmlDeviceGetPersistenceMode", h, convert=int)
    d["ecc_mode"] = g.q("nvmlDeviceGetEccMode", h, convert=lambda m: list(m))
    # Uncorrected errors since the last driver load (NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1,
    # NVML_VOLATILE_ECC = 0 in nvml.h).
    d["ecc_errors_uncorrected"] = g.q("nvmlDeviceGetTotalEccErrors", h, 1, 0, convert=int)
    d["virtualization_mode"] = g.q("nvmlDeviceGetVirtualizationMode", h, convert=int)
    d["display_active"] = g.q("nvmlDeviceGetDisplayActive", h, convert=int)
    d["driver_model"] = g.q("nvmlDeviceGetDriverModel", h, convert=lambda m: list(m))
    d["compute_processes"] = g.q("nvmlDeviceGetComputeRunningProcesses", h, convert=_processes)
    d["graphics_processes"] = g.q("nvmlDeviceGetGraphicsRunningProcesses", h, convert=_processes)
    links = []
    for link in range(_NVLINK_MAX_LINKS):
        state = g.q("nvmlDeviceGetNvLinkState", h, link, convert=int)
        if "err" in state:
            if not links and link == 0:
                links = state  # not supported at all: keep the reason
            break
        links.append(state["v"])
    d["nvlink_states"] = links if isinstance(links, dict) else {"v": links}
    return d


def snapshot(nv) -> dict:
    """Everything NVML says about this machine, as plain data; never raises an NVML error."""
    g = Guard(nv, getattr(nv, "NVMLError", Exception), _error, "nvidia-ml-py", convert=_text)
    init = g.q("nvmlInit", convert=lambda _: None)
    if "err" in init:
        return {"status": "error", "init": init}
    try:
        out: dict[str, Any] = {"status": "ok", "init": init}
        out["driver_version"] = g.q("nvmlSystemGetDriverVersion")
        out["cuda_driver_version"] = g.q("nvmlSystemGetCudaDriverVersion_v2", convert=int)
        if "err" in out["cuda_driver_version"]:
            out["cuda_driver_version"] = g.q("nvmlSystemGetCudaDriverVersion", convert=int)
        out["nvml_version"] = g.q("nvmlSystemGetNVMLVersion")
        count = g.q("nvmlDeviceGetCount", convert=int)
        out["device_count"] = count
        out["devices"] = [_device(g, nv, i) for i in range(count.get("v", 0))]
        return out
    finally:
        g.q("nvmlShutdown", convert=lambda _: None)


BINDING = "pynvml"  # the module nvidia-ml-py installs
LIBRARY = "libnvidia-ml.so.1"  # what pynvml's nvmlInit dlopens on Linux


def library_missing() -> dict:
    """What snapshot() answers when nvmlInit can't load LIBRARY."""
    return {"status": "error", "init": {"err": "library_not_found", "reason": _ERRORS[12][1]}}


def binding_missing() -> dict:
    return {"status": "absent", "init": {"err": "binding_missing", "reason": "the nvidia-ml-py package is not installed"}}


def snapshot_live() -> dict:
    try:
        import pynvml
    except ImportError:
        return binding_missing()
    return snapshot(pynvml)
