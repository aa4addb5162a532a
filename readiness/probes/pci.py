"""Display and accelerator devices on the PCI bus (Linux sysfs), with the kernel driver bound.

This sees a GPU even when its driver is missing or broken, which is exactly when
a user most needs to be told about it.
"""

from __future__ import annotations

from readiness import data
from readiness.facts import Gpu
from readiness.probes import Result

NAME = "pci"
ROOT = "/sys/bus/pci/devices"

# PCI class codes: 0x03xxxx display controllers, 0x1200xx processing accelerators.
_CLASSES = ("0x03", "0x12")


def collect(host) -> dict:
    if host.system not in ("linux", None):
        return {"system": host.system}
    listing = host.list_dir(ROOT)
    devices = {}
    for name in listing.value if listing.ok else []:
        cls = host.read_file(f"{ROOT}/{name}/class")
        if not (cls.text and cls.text.strip().startswith(_CLASSES)):
            continue
        devices[name] = {
            "class": cls,
            "vendor": host.read_file(f"{ROOT}/{name}/vendor"),
            "device": host.read_file(f"{ROOT}/{name}/device"),
            "driver": host.read_link(f"{ROOT}/{name}/driver"),
            # An Optimus laptop's dGPU sleeps when idle: asleep is not absent.
            "power": host.read_file(f"{ROOT}/{name}/power/runtime_status"),
        }
    return {"system": host.system, "listing": listing, "devices": devices}


def _vendors() -> dict[str, dict]:
    return {row["id"]: row for row in data.rows("pci_vendors", "vendor")}


def parse(raw: dict) -> Result:
    if raw["system"] not in ("linux", None):
        return Result({"gpus": []}, "unsupported", f"sysfs PCI listing is Linux-only (this is {raw['system']})")
    listing = raw["listing"]
    if not listing.ok:
        return Result({"gpus": []}, "absent", listing.reason or "no PCI bus listing")
    vendors = _vendors()
    gpus = []
    for bus_id, dev in sorted(raw["devices"].items()):
        vendor_id = (dev["vendor"].text or "").strip().lower() or None
        device_id = (dev["device"].text or "").strip().lower() or None
        row = vendors.get(vendor_id or "", {"vendor": "other", "kind": "gpu", "drivers": []})
        driver = dev["driver"].value.rsplit("/", 1)[-1] if dev["driver"].ok else None
        gpu = Gpu(index=len(gpus), vendor=row["vendor"], name=row.get("name"), pci_bus_id=bus_id.lower(),
                  source="sysfs", pci_vendor_id=vendor_id, pci_device_id=device_id, kernel_driver=driver,
                  virtual=row["kind"] == "virtual")
        if row["kind"] != "gpu":
            gpu.status_reason = "a server management display, not an AI accelerator" if row["kind"] == "bmc" \
                else "a virtual display adapter, not an AI accelerator"
        elif driver is None:
            gpu.status = "no_driver"
            gpu.status_reason = f"{row['vendor'].upper()} GPU present, but no kernel driver is bound"
        elif driver == "vfio-pci":
            gpu.status, gpu.status_reason = "no_driver", "bound to vfio-pci (reserved for a virtual machine)"
        elif row["drivers"] and driver not in row["drivers"]:
            gpu.status = "driver_not_loaded"
            gpu.status_reason = (f"{row['vendor'].upper()} GPU present, proprietary driver not loaded "
                                 f"({driver} is bound instead of {' or '.join(row['drivers'])})")
        if gpu.status == "ok" and (dev["power"].text or "").strip() == "suspended":
            gpu.status_reason = "asleep (runtime power management); it wakes when used"
        gpus.append(gpu)
    reason = None if gpus else "no display or accelerator devices on the PCI bus"
    return Result({"gpus": gpus}, "ok", reason)
