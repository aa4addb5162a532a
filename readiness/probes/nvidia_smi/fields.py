"""One field mapping for the two outputs that carry everything: ``-q -x`` (XML) and ``-q`` (text).

Each row names a GPU key, how its printed value is read, and where each form prints it: the
XML element path, and the ``-q`` section path (the indented key names). The first path that
gives a value wins, so older and newer driver layouts sit side by side in one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from readiness.probes.nvidia_smi.values import (_bool, _clean, _compute_cap, _driver_model, _mib, _pci_device, _pci_vendor,
                                                _pos_float, _pos_int, _pos_mib, _width)


def _keep_none(v: Any) -> str | None:
    return _clean(v, keep_none_word=True)  # "None" is a real virtualization mode


@dataclass(frozen=True)
class Field:
    """One fact of nvidia-smi -q / -q -x: how its value is read, and where each layout prints it."""

    key: str
    read: Callable[[Any], Any]
    xml: tuple[str, ...]
    query: tuple[tuple[str, ...], ...]


_LINK_X = "pci/pci_gpu_link_info/"
_GEN_Q = ("PCI", "GPU Link Info", "PCIe Generation")
_WIDTH_Q = ("PCI", "GPU Link Info", "Link Width")

FIELDS: tuple[Field, ...] = (
    Field("name", _clean, ("product_name",), (("Product Name",),)),
    Field("architecture", _clean, ("product_architecture",), (("Product Architecture",),)),
    Field("uuid", _clean, ("uuid",), (("GPU UUID",),)),
    Field("serial", _clean, ("serial",), (("Serial Number",),)),
    Field("product_brand", _clean, ("product_brand",), (("Product Brand",),)),
    Field("vbios_version", _clean, ("vbios_version",), (("VBIOS Version",),)),
    Field("pci_vendor_id", _pci_vendor, ("pci/pci_device_id",), (("PCI", "Device Id"),)),
    Field("pci_device_id", _pci_device, ("pci/pci_device_id",), (("PCI", "Device Id"),)),
    Field("memory_total_mib", _pos_mib, ("fb_memory_usage/total",), (("FB Memory Usage", "Total"),)),
    Field("memory_used_mib", _mib, ("fb_memory_usage/used",), (("FB Memory Usage", "Used"),)),
    Field("memory_free_mib", _mib, ("fb_memory_usage/free",), (("FB Memory Usage", "Free"),)),
    Field("compute_capability", _compute_cap, ("compute_cap",), (("CUDA Compute Capability",),)),
    Field("memory_bus_width_bits", _pos_int, ("memory_bus_width", "fb_memory_usage/bus_width"), ()),
    # power: v12+ "GPU Power Readings", older "Power Readings" (and "Power Limit" before r530)
    Field("power_limit_w", _pos_float,
          ("gpu_power_readings/current_power_limit", "power_readings/current_power_limit",
           "power_readings/power_limit", "gpu_power_readings/power_limit"),
          (("GPU Power Readings", "Current Power Limit"), ("Power Readings", "Current Power Limit"),
           ("Power Readings", "Power Limit"), ("GPU Power Readings", "Power Limit"))),
    Field("power_default_limit_w", _pos_float,
          ("gpu_power_readings/default_power_limit", "power_readings/default_power_limit"),
          (("GPU Power Readings", "Default Power Limit"), ("Power Readings", "Default Power Limit"))),
    Field("max_sm_clock_mhz", _pos_int, ("max_clocks/sm_clock",), (("Max Clocks", "SM"),)),
    Field("max_memory_clock_mhz", _pos_int, ("max_clocks/mem_clock",), (("Max Clocks", "Memory"),)),
    # the GPU's own link ("Device Current", r535+) before the host side's
    Field("pcie_generation", _pos_int,
          (_LINK_X + "pcie_gen/device_current_link_gen", _LINK_X + "pcie_gen/current_link_gen"),
          (_GEN_Q + ("Device Current",), _GEN_Q + ("Current",))),
    Field("pcie_generation_max", _pos_int,
          (_LINK_X + "pcie_gen/max_device_link_gen", _LINK_X + "pcie_gen/max_link_gen"),
          (_GEN_Q + ("Device Max",), _GEN_Q + ("Max",))),
    Field("pcie_width", _width, (_LINK_X + "link_widths/current_link_width",), (_WIDTH_Q + ("Current",),)),
    Field("pcie_width_max", _width, (_LINK_X + "link_widths/max_link_width",), (_WIDTH_Q + ("Max",),)),
    Field("mig_mode", _bool, ("mig_mode/current_mig",), (("MIG Mode", "Current"),)),
    Field("virtualization_mode", _keep_none, ("gpu_virtualization_mode/virtualization_mode",),
          (("GPU Virtualization Mode", "Virtualization Mode"),)),
    Field("persistence_mode", _bool, ("persistence_mode",), (("Persistence Mode",),)),
    Field("ecc_mode", _bool, ("ecc_mode/current_ecc",), (("ECC Mode", "Current"),)),
    Field("driver_model", _driver_model, ("driver_model/current_dm",), (("Driver Model", "Current"),)),
)

#: The log's header: driver and CUDA versions. R580+ renamed them KMD Version and CUDA UMD Version
#: (the old names stay, marked deprecated, in -q for a while; R610's table prints only the new ones).
DRIVER_KEYS_XML = ("driver_version", "kmd_version")
CUDA_KEYS_XML = ("cuda_version", "cuda_umd_version")
DRIVER_KEYS_QUERY = ("driver version", "kmd version")
CUDA_KEYS_QUERY = ("cuda version", "cuda umd version")


def read_fields(gpu: dict[str, Any], get: Callable[[Field], list[Any]]) -> None:
    """Fill ``gpu`` from ``get(field)``: the printed values at the field's paths, in order."""
    for f in FIELDS:
        for raw in get(f):
            value = f.read(raw)
            if value is not None:
                gpu[f.key] = value
                break
