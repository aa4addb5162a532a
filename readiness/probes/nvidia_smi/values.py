"""Value readers shared by every nvidia-smi output form: unknown is None, never 0."""

from __future__ import annotations

import re
from typing import Any

from readiness.probes.util import bus_id, size_mib, to_float

#: listed by ``nvidia-smi --help-query-gpu`` of r5xx drivers and was accepted by
#: a real r580 driver.  ``compute_cap`` is missing from drivers older than ~r510
#: (nvidia-smi then refuses the whole query), so callers should retry without it.
QUERY_FIELDS: tuple[str, ...] = (
    "index",
    "name",
    "uuid",
    "pci.bus_id",
    "memory.total",
    "memory.used",
    "memory.free",
    "driver_version",
    "compute_cap",
    "power.limit",
    "power.default_limit",
    "clocks.max.sm",
    "clocks.max.memory",
    "pcie.link.gen.current",
    "pcie.link.gen.max",
    "pcie.link.width.current",
    "pcie.link.width.max",
    "mig.mode.current",
    "persistence_mode",
    "ecc.mode.current",
    "display_active",
    "driver_model.current",
    "serial",
)

#: The keys of every GPU dict, in a stable order.
GPU_KEYS: tuple[str, ...] = (
    "index",
    "name",
    "uuid",
    "serial",
    "pci_bus_id",
    "pci_vendor_id",
    "pci_device_id",
    "memory_total_mib",
    "memory_used_mib",
    "memory_free_mib",
    "compute_capability",
    "power_limit_w",
    "power_default_limit_w",
    "max_sm_clock_mhz",
    "max_memory_clock_mhz",
    "memory_bus_width_bits",
    "pcie_generation",
    "pcie_width",
    "pcie_generation_max",
    "pcie_width_max",
    "mig_mode",
    "mig_devices",
    "virtualization_mode",
    "persistence_mode",
    "ecc_mode",
    "ecc_errors_uncorrected",
    "display_attached",
    "driver_model",
    "processes_count",
    "processes_memory_mib",
    "product_brand",
    "architecture",
    "vbios_version",
)

_DRIVER_MODELS = ("WDDM", "TCC", "MCDM")


_UNKNOWN = {
    "",
    "n/a",
    "na",
    "none",  # only used where None is not a meaningful value (see _clean_keep_none)
    "not supported",
    "not available",
    "unknown",
    "unknown error",
    "insufficient permissions",
    "requested functionality has been deprecated",
    "not available in wddm driver model",
    "...",
}


def _strip_brackets(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == "[" and v[-1] == "]":
        v = v[1:-1].strip()
    return v


def _clean(v: Any, keep_none_word: bool = False) -> str | None:
    """The printed value, or None when nvidia-smi shows it as unknown."""
    if v is None:
        return None
    s = _strip_brackets(str(v))
    low = s.lower()
    if keep_none_word and low == "none":
        return s
    if low in _UNKNOWN or set(s) <= {".", " "}:
        return None
    return s


def _float(v: Any) -> float | None:
    return to_float(_clean(v))


def _int(v: Any) -> int | None:
    f = _float(v)
    if f is None:
        return None
    return int(round(f))


def _mib(v: Any) -> int | None:
    """'8192 MiB' / '8192' / '8 GiB' -> MiB as int."""
    return size_mib(_clean(v))


_TRUE = {"enabled", "enable", "on", "yes", "true", "1", "active"}
_FALSE = {"disabled", "disable", "off", "no", "false", "0", "not active"}


def _bool(v: Any) -> bool | None:
    s = _clean(v)
    if s is None:
        return None
    low = s.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None


def _driver_model(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    up = s.upper()
    return up if up in _DRIVER_MODELS else None


_CUDA_RE = re.compile(r"^(\d+)\.(\d+)")


def _cuda(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    m = _CUDA_RE.match(s)
    return "%s.%s" % (m.group(1), m.group(2)) if m else None


def _version(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    return s if re.match(r"^\d+(?:\.\d+)*$", s) else None


def _compute_cap(v: Any) -> str | None:
    s = _clean(v)
    if s is None:
        return None
    m = re.match(r"^(\d+)\.(\d+)$", s)
    return "%s.%s" % (m.group(1), m.group(2)) if m else None


def _pos_int(v: Any) -> int | None:
    """A quantity that cannot be 0 on a real GPU (clock, width, generation): 0 means unknown."""
    n = _int(v)
    return n if n is not None and n > 0 else None


def _pos_float(v: Any) -> float | None:
    f = _float(v)
    return f if f is not None and f > 0 else None


def _pos_mib(v: Any) -> int | None:
    n = _mib(v)
    return n if n is not None and n > 0 else None


def _width(v: Any) -> int | None:
    return _pos_int(v)  # '16x' -> 16


def _pci_word(v: Any, shift: int) -> str | None:
    """One half of the PCI id word nvidia-smi prints as device << 16 | vendor (`0x268410DE`,
    `268410DE` in the XML): shift 0 gives the vendor id, 16 the device id."""
    s = _clean(v)
    m = re.fullmatch(r"(?:0[xX])?([0-9A-Fa-f]{8})", s or "")
    if m is None:
        return None
    word = int(m.group(1), 16) >> shift & 0xFFFF
    return None if word in (0, 0xFFFF) else f"0x{word:04x}"


def _pci_vendor(v: Any) -> str | None:
    return _pci_word(v, 0)


def _pci_device(v: Any) -> str | None:
    return _pci_word(v, 16)


def _first(*vals: Any) -> Any:
    for v in vals:
        if v is not None:
            return v
    return None


def _display(active: Any, mode: Any) -> bool | None:
    """Whether a display is active (docs/nvidia.md): `Display Active` says it. `Display Mode:
    Enabled` only says one could be (a vGPU guest and a V100 server print it with `Display Active:
    Disabled`; #14 b12), so it decides only when it is `Disabled`."""
    a, m = _bool(active), _bool(mode)
    if a is not None:
        return a
    return False if m is False else None


def _new_gpu(index: int) -> dict[str, Any]:
    g: dict[str, Any] = {k: None for k in GPU_KEYS}
    g["index"] = index
    g["mig_devices"] = []
    return g


def _mig_device(name: Any = None, memory_total_mib: Any = None,
                gpu_instance_id: Any = None, compute_instance_id: Any = None) -> dict[str, Any]:
    return {"name": name, "memory_total_mib": memory_total_mib,
            "gpu_instance_id": gpu_instance_id, "compute_instance_id": compute_instance_id}


def _result(fmt: str, driver: Any, cuda: Any, gpus: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": fmt, "driver_version": driver, "cuda_driver_version": cuda, "gpus": gpus}


def _normalise_text(text: Any) -> str:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        raise ValueError("nvidia-smi output must be a string, got %s" % type(text).__name__)
    text = text.lstrip("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")

