"""Display and accelerator devices on the PCI bus, with the kernel driver bound: from Linux
sysfs, or from an `lspci` listing where sysfs can't be read (a --from folder of pasted outputs).

This sees a GPU even when its driver is missing or broken, which is exactly when
a user most needs to be told about it.
"""

from __future__ import annotations

import re

from readiness import data
from readiness.facts import Draft, Gpu
from readiness.host.base import cmd_key
from readiness.probes.base import Result
from readiness.probes.util import bus_id

NAME = "pci"
ROOT = "/sys/bus/pci/devices"
LSPCI = ["lspci", "-Dnnk"]

# PCI class codes: 0x03xxxx display controllers, 0x1200xx processing accelerators.
_CLASSES = ("0x03", "0x12")
# lspci's names for those classes, for listings made without -nn.
_CLASS_NAMES = {"vga compatible controller": "0x0300", "xga compatible controller": "0x0301",
                "3d controller": "0x0302", "display controller": "0x0380", "processing accelerators": "0x1200"}

_SLOT = r"(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]"
_HEAD = re.compile(rf"^(?P<slot>{_SLOT}) (?P<rest>\S.*)$", re.I)
# -vmm / -vm: "Key:<tab>value" blocks (forums turn the tab into spaces).
_SLOT_LINE = re.compile(rf"^(?:Slot|Device):[ \t]+{_SLOT}[ \t]*$", re.I | re.M)
_CLASS_LINE = re.compile(r"^Class:\s", re.I | re.M)


class _Machine:
    """-vmm / -vm: a Slot (or Device) line with a Class line after it. Two searches, not a
    lookahead over the rest of the text at every Slot line (20,000 of them took 75 s)."""

    @staticmethod
    def search(text: str):
        slot = _SLOT_LINE.search(text)
        return slot if slot and _CLASS_LINE.search(text, slot.end()) else None


_MACHINE = _Machine()


# An `lspci -nn` line indented by the script that printed it (`\t0000:01:00.0 VGA compatible controller [0300]:
# NVIDIA ... [10de:25a0] (rev a1)`, #14 b13): the class code and the vendor:device pair say what it is
_INDENTED_NN = re.compile(rf"^[ \t]{{1,8}}({_SLOT} [\w /-]{{1,60}} \[[0-9a-f]{{4}}\]: [^\n]{{0,300}}\[[0-9a-f]{{4}}:[0-9a-f]{{4}}\][^\n]{{0,60}})$",
                          re.I | re.M)


def _is_lspci(text: str) -> bool:
    plain = re.search(rf"^{_SLOT} (?:\w[\w /-]*(?: \[[0-9a-f]{{4}}\])?: |\"|[0-9a-f]{{4}}: [0-9a-f]{{4}}:)",
                      text, re.I | re.M)
    return bool(plain or _MACHINE.search(text) or _INDENTED_NN.search(text))


FORMATS = [(cmd_key(LSPCI), _is_lspci)]
JOINED = [cmd_key(LSPCI)]  # two listings in one paste (`-nn`, then `-v -s`): one device list, merged by slot


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
    raw = {"system": host.system, "listing": listing, "devices": devices}
    if not listing.ok:
        raw["lspci"] = host.run(LSPCI)
    return raw


ASLEEP = "asleep (runtime power management); it wakes when used"
# lspci reads "rev ff" from a device whose config space answers all ones: powered off (an idle
# laptop dGPU in D3cold) or fallen off the bus.
UNREADABLE = "lspci could not read it (rev ff): powered off, as an idle laptop GPU is, or fallen off the bus"

# -- pure parsing -------------------------------------------------------------------------------

def vendor_rows() -> dict[str, dict]:
    """pci_vendors.toml's rows by PCI vendor id ("0x10de")."""
    return {row["id"]: row for row in data.rows("pci_vendors", "vendor")}


def _devices() -> dict[str, dict]:
    return {row["id"]: row for row in data.rows("pci_vendors", "device")}


def _by_name(vendors: dict[str, dict], text: str) -> tuple[dict | None, str]:
    """The vendor row whose lspci name starts ``text``, and that name as printed."""
    for row in vendors.values():
        for name in row.get("lspci", []):
            if text.lower().startswith(name.lower()):
                return row, text[:len(name)]
    return None, ""


def _from_sysfs(devices: dict) -> list[dict]:
    out = []
    for name, dev in sorted(devices.items()):
        out.append({"bus": name.lower(), "class": (dev["class"].text or "").strip().lower()[:6],
                    "vendor": (dev["vendor"].text or "").strip().lower() or None,
                    "device": (dev["device"].text or "").strip().lower() or None,
                    "driver": dev["driver"].value.rsplit("/", 1)[-1] if dev["driver"].ok else None,
                    "driver_known": True,
                    "note": ASLEEP if (dev["power"].text or "").strip() == "suspended" else None})
    return out


def _split_id(text: str) -> tuple[str, str | None]:
    """lspci -nn's "NVIDIA Corporation [10de]" → ("NVIDIA Corporation", "0x10de")."""
    m = re.fullmatch(r"(.*?)\s*\[([0-9a-f]{4})\]", text.strip(), re.I)
    return (m.group(1), "0x" + m.group(2).lower()) if m else (text.strip(), None)


def _lspci_class(name: str) -> str | None:
    name, cid = _split_id(name)
    return "0x" + cid[2:] if cid else _CLASS_NAMES.get(name.lower())


# The detail lines lspci -k / -v prints under a device, by their key.
_DETAIL_KEYS = frozenset(("Subsystem", "Kernel driver in use", "Kernel modules", "DeviceName", "Physical Slot", "Flags",
                          "IOMMU group", "NUMA node", "Control", "Status", "Latency", "Interrupt", "Capabilities"))
# lspci -v's resource lines, which have no "Key:" (b9: `Memory at 6052000000 (64-bit, ...) [size=16M]`)
_RESOURCE = ("Memory at ", "I/O ports at ", "Expansion ROM at ", "Region ")


def _lspci_blocks(text: str) -> list[dict]:
    """Each device of an lspci listing, in any of its common forms: plain (-nn, -k, -v, -D),
    -mm (one quoted line per device) and -vmm (Key:value blocks)."""
    text = text.replace("\r", "")
    out: list[dict] = []
    if _MACHINE.search(text):
        for block in re.split(r"\n\s*\n", text):
            kv: dict[str, str] = {}
            for m in re.finditer(r"^(\w+):\s+(.*?)\s*$", block, re.M):
                key, value = m.groups()
                # -vmm names the address Slot; the older -vm called it Device, like the device's name.
                if "Slot" not in kv and key in ("Slot", "Device") and re.fullmatch(_SLOT, value, re.I):
                    key = "Slot"
                kv.setdefault(key, value)
            if "Slot" in kv:
                vendor, vid = _split_id(kv.get("Vendor", ""))
                device, did = _split_id(kv.get("Device", ""))
                out.append({"slot": kv["Slot"], "class": _lspci_class(kv.get("Class", "")), "vendor_name": vendor,
                            "vendor": vid, "device_name": device, "device": did, "rev": kv.get("Rev"),
                            "driver": kv.get("Driver"), "driver_known": "Driver" in kv or "Module" in kv})
        return out
    if not re.search(rf"^{_SLOT} ", text, re.I | re.M) and _INDENTED_NN.search(text):
        text = _INDENTED_NN.sub(r"\1", text)  # no head line at the margin: the indented -nn lines are the heads
    current = None
    adjacent = False  # the line before was the device's head line or one of its detail lines
    seen: dict[str, dict] = {}
    for line in text.splitlines():
        head = _HEAD.match(line)
        if head is None:
            k, _, v = line.strip().partition(":")
            # A paste that lost the indent puts the detail lines at column 0: they still belong to
            # the device right above when nothing else came between (#14, b8)
            resource = line.startswith(_RESOURCE)
            detail = line[:1] in ("\t", " ") or (adjacent and (k in _DETAIL_KEYS or resource))
            if current is not None and detail and ":" in line:
                if k == "Kernel driver in use":
                    current["driver"] = v.strip()
                if k in ("Kernel driver in use", "Kernel modules"):
                    current["driver_known"] = True
            adjacent = adjacent and detail and (":" in line or resource)
            continue
        current = _lspci_line(head.group("slot"), head.group("rest"))
        adjacent = current is not None
        if current is None:
            continue
        first = seen.get(current["slot"].lower())
        if first is None:
            seen[current["slot"].lower()] = current
            out.append(current)
        else:  # printed twice (a report, or `lspci -nn` then `lspci -v -s` in one paste): one device, both halves
            for k, v in current.items():
                if first.get(k) in (None, "", False) and v not in (None, ""):
                    first[k] = v
            current = first  # its detail lines (`Kernel driver in use`) fill the first entry
    return out


def _lspci_line(slot: str, rest: str) -> dict | None:
    base = {"slot": slot, "driver": None, "driver_known": False, "vendor_name": "", "device_name": ""}
    if rest.startswith('"'):  # -mm: "Class [0300]" "Vendor [10de]" "Device [2684]" -ra1 ...
        fields = re.findall(r'"([^"]*)"', rest)
        if len(fields) < 3:
            return None
        vendor, vid = _split_id(fields[1])
        device, did = _split_id(fields[2])
        rev = re.search(r"\s-r(\S+)", rest)
        return {**base, "class": _lspci_class(fields[0]), "vendor_name": vendor, "vendor": vid,
                "device_name": device, "device": did, "rev": rev.group(1) if rev else None}
    numeric = re.match(r"([0-9a-f]{4}): ([0-9a-f]{4}):([0-9a-f]{4})(?: \(rev ([0-9a-f]+)\))?", rest, re.I)
    if numeric:  # -n
        return {**base, "class": "0x" + numeric.group(1).lower(), "vendor": "0x" + numeric.group(2).lower(),
                "device": "0x" + numeric.group(3).lower(), "rev": numeric.group(4)}
    # a paste that lost the space before "(rev a1)" ("[10de:1200](rev a1)") keeps its ids
    m = re.match(r"(?P<cls>[^:]+?): (?P<desc>.*?)(?: \[(?P<vid>[0-9a-f]{4}):(?P<did>[0-9a-f]{4})\])?"
                 r"(?: ?\(rev (?P<rev>[0-9a-f]+)\))?(?: \(prog-if [^)]*\)?\)?)?\s*$", rest, re.I)
    if m is None:
        return None
    # Without a name in lspci's table the ids are the name: "Device 1234:1111" (QEMU's VGA).
    ids = (m.group("vid"), m.group("did")) if m.group("vid") else re.fullmatch(
        r"Device ([0-9a-f]{4}):([0-9a-f]{4})", m.group("desc"), re.I)
    ids = ids.groups() if isinstance(ids, re.Match) else ids or (None, None)
    return {**base, "class": _lspci_class(m.group("cls")), "desc": m.group("desc"), "rev": m.group("rev"),
            "vendor": "0x" + ids[0].lower() if ids[0] else None, "device": "0x" + ids[1].lower() if ids[1] else None}


def _from_lspci(text: str, vendors: dict[str, dict]) -> list[dict]:
    out = []
    for dev in _lspci_blocks(text):
        if not (dev["class"] or "").startswith(_CLASSES):
            continue
        name = dev["device_name"]
        if "desc" in dev:  # plain form: "NVIDIA Corporation AD102 [GeForce RTX 4090]", vendor then device
            row, prefix = _by_name(vendors, dev["desc"])
            name = dev["desc"][len(prefix):].strip()
            vendor_id = dev["vendor"] or (row or {}).get("id")
        else:
            vendor_id = dev["vendor"] or (_by_name(vendors, dev["vendor_name"])[0] or {}).get("id")
        # lspci's table predates the device: "Device 1f91", or just "Device" with -nn's ids.
        unnamed = re.fullmatch(r"Device(?: ([0-9a-f]{4}))?", name or "", re.I)
        if unnamed:
            name = ""
            dev["device"] = dev["device"] or ("0x" + unnamed.group(1).lower() if unnamed.group(1) else None)
        out.append({"bus": bus_id(dev["slot"]), "class": dev["class"], "vendor": vendor_id,
                    "device": dev["device"], "driver": dev["driver"], "driver_known": dev["driver_known"],
                    "note": UNREADABLE if (dev.get("rev") or "").lower() == "ff" else None, "name": name or None})
    return out


def parse(raw: dict) -> Result:
    if raw["system"] not in ("linux", None):
        return Result({"gpus": []}, "unsupported", f"sysfs PCI listing is Linux-only (this is {raw['system']})")
    listing, lspci = raw["listing"], raw.get("lspci")
    vendors, known_devices = vendor_rows(), _devices()
    if listing.ok:
        devices, source = _from_sysfs(raw["devices"]), "sysfs"
    elif lspci is not None and lspci.text:
        devices, source = _from_lspci(lspci.text, vendors), "lspci"
    else:
        return Result({"gpus": []}, "absent", listing.reason or "no PCI bus listing")
    gpus = []
    for dev in devices:
        row = vendors.get(dev["vendor"] or "", {"vendor": "other", "kind": "gpu", "drivers": []})
        row = known_devices.get(f"{dev['vendor']}:{dev['device']}", row)
        if not dev["class"].startswith(tuple(row.get("classes", _CLASSES))):
            continue  # e.g. Intel's class-0x12 devices are NPUs, not GPUs (pci_vendors.toml)
        driver = dev["driver"]
        gpu = Draft(Gpu, index=len(gpus), vendor=row["vendor"], name=row.get("name") or dev.get("name"), pci_bus_id=dev["bus"],
                  source=source, pci_vendor_id=dev["vendor"], pci_device_id=dev["device"], kernel_driver=driver,
                  virtual=row["kind"] == "virtual")
        if row.get("reason"):
            gpu.status_reason = row["reason"]
        elif row["kind"] != "gpu":
            gpu.status_reason = "a server management display, not an AI accelerator" if row["kind"] == "bmc" \
                else "a virtual display adapter, not an AI accelerator"
        elif not dev["driver_known"]:
            gpu.status_reason = ("its kernel driver is not known: the lspci listing has no driver lines for it "
                                 "(run without -k, or cut by grep)")
        elif driver is None:
            gpu.status = "no_driver"
            gpu.status_reason = f"{row['vendor'].upper()} GPU present, but no kernel driver is bound"
        elif driver == "vfio-pci":
            gpu.status, gpu.status_reason = "no_driver", "bound to vfio-pci (reserved for a virtual machine)"
        elif row["drivers"] and driver not in row["drivers"]:
            gpu.status = "driver_not_loaded"
            gpu.status_reason = (f"{row['vendor'].upper()} GPU present, proprietary driver not loaded "
                                 f"({driver} is bound instead of {' or '.join(row['drivers'])})")
        if gpu.status == "ok" and dev["note"]:
            gpu.status_reason = dev["note"]
        gpus.append(gpu.build())
    reason = None if gpus else "no display or accelerator devices on the PCI bus"
    return Result({"gpus": gpus}, "ok", reason)
