"""`clinfo` listings pasted in OpenCL bug reports (moved out of gfxinfo.py, which neared 500 lines): the
clinfo project's layout, AMD APP SDK's older "Key:" layout, `clinfo -l`'s tree, and the fragments and
`clinfo | grep` lines issue threads keep. Its GPUs are merged with richer sources by name and PCI ids
(collect.merge_gpus).

Pure: text in, facts out. Every pattern works on one line at a time, with bounded repetition."""

from __future__ import annotations

import re

from readiness.facts import CpuFacts, Gpu
from readiness.host.base import cmd_key
from readiness.probes.gfxinfo import _SOFTWARE, _driver, _gpu_vendor_ids, _hex_id, renderer_name, vendor_of
from readiness.probes.util import bus_id, every_line

CLINFO = ["clinfo"]

_CL_FIELD = re.compile(r"  (Device Name|Device Type|Device Vendor ID|Driver Version|Global memory size|"
                       r"Device Topology \((?:NV|AMD)\)|Device Board Name \(AMD\)|Device PCI-e ID \(AMD\)|Device PCI bus info \(KHR\)|"
                       r"Compute Capability \(NV\))"
                       r"[ \t]{2,60}(.{0,500})")


# The older layout of AMD APP SDK's clinfo (before the clinfo project's, still shipped with
# AMD APP 1800-era drivers): "Key:" then tabs, each device opened by its Device Type line, the
# vendor as "1002h", the address as "PCI[ B#1, D#0, F#0 ]" (decimal numbers).
_CL_OLD = re.compile(r" {0,2}(Device Type|Vendor ID|Board name|Device Topology|Global memory size|Name|Driver version):"
                     r"[ \t]{1,60}(.{0,500})")
_CL_OLD_KEYS = {"Device Type": "Device Type", "Vendor ID": "Device Vendor ID", "Board name": "Device Board Name (AMD)",
                "Device Topology": "Device Topology (AMD)", "Global memory size": "Global memory size",
                "Name": "Device Name", "Driver version": "Driver Version"}
_CL_OLD_PCI = re.compile(r"PCI\[ ?B#(\d{1,3}), ?D#(\d{1,2}), ?F#(\d) ?\]")
# that layout cut to a fragment (no `Number of platforms` header; ROCm's clinfo, `  ...` lines where the
# paster cut, #14 b15): told by its `Device Type: CL_DEVICE_TYPE_*` line and two more of its keys (the
# paste reader takes the indent off a fragment indented as a whole: its keys are read at 0 to 2 blanks)
_CL_OLD_TYPE = re.compile(r"^ {0,2}Device Type:[ \t]{1,60}CL_DEVICE_TYPE_", re.M)


# `clinfo -l`: the platform/device tree, names only ("Platform #0: NVIDIA CUDA", " `-- Device #0: ...",
# " +-- Device #1: ..." when more follow) (#14, b8)
_CL_LIST_PLATFORM = re.compile(r"^Platform #\d{1,3}: (.{1,200})$", re.M)
_CL_LIST_DEVICE = re.compile(r"^ [`+]-- Device #\d{1,3}: (.{1,300})$", re.M)
# It prints no device type: a device whose name is a processor's, or an emulator's, is no GPU.
_CL_NOT_GPU = re.compile(r"\bCPU\b|Processor|Core\(TM\)|Ryzen|Xeon|EPYC|Threadripper|Cortex|pthread|^cpu-|FPGA|"
                         r"Emulation", re.I)


# A device's block cut above clinfo's `Number of platforms` header (#14 b12: from `Platform Name` on, or
# after a `...` line): its name and type lines and two more of clinfo's own device keys
_CL_FRAGMENT_KEYS = re.compile(r"^  (Device Vendor ID|Device Version|Driver Version|Device OpenCL C Version|"
                               r"Device Profile|Device UUID|Driver UUID|Device Numeric Version|Max compute units)"
                               r"[ \t]{2,60}\S", re.M)


def is_cl_grep_lines(text: str) -> bool:
    """Under `clinfo | grep ...` (the command line says so): every line one of clinfo's device lines, a
    board or device name among them (#14 b14: `rocm-clinfo | grep -P 'Board|gfx'`)."""
    fields = every_line(text, lambda line: _CL_FIELD.fullmatch(line) or _CL_OLD.fullmatch(line))
    return fields is not None and any(f.group(1) in ("Board name", "Device Name", "Name") for f in fields)


# clinfo's last section, `NULL platform behavior`, pasted alone: the device a GPU context was made on
_CL_NULL_GPU = re.compile(r"clCreateContextFromType\(NULL, CL_DEVICE_TYPE_GPU\)[ \t]+Success")


def _cl_null_gpu_names(text: str) -> list[str]:
    names: list[str] = []
    inside = False
    for line in text.split("\n"):
        if "clCreateContextFromType(" in line:
            inside = bool(_CL_NULL_GPU.search(line))
            continue
        m = _CL_FIELD.fullmatch("  " + line.strip())  # its lines are indented under the context line
        if inside and m and m.group(1) == "Device Name" and m.group(2).strip() not in names:
            names.append(m.group(2).strip())
    return names


# "OpenCL 3.0 NEO" is the device version of Intel's GPU compute runtime alone (its CPU runtime says
# "(Build N)"): version lines kept without a device name (`clinfo | grep -i version`, #14 b14) name an Intel GPU
_CL_NEO = re.compile(r"^ {1,2}Device Version[ \t]{2,60}OpenCL \d\.\d NEO[ \t]*$", re.M)  # (the reader's dedent may take one blank)
_CL_DRIVER = re.compile(r"^ {1,2}Driver Version[ \t]{2,60}\d", re.M)


def _cl_neo_devices(text: str) -> list[dict]:
    out: list[dict] = []
    for line in text.split("\n"):
        if _CL_NEO.match(line):
            out.append({"Device Type": "GPU", "_neo": True})
        m = _CL_FIELD.fullmatch("  " + line.strip())
        if out and m and m.group(1) == "Driver Version":
            out[-1].setdefault("Driver Version", m.group(2).strip())
    return out


def is_clinfo(text: str) -> bool:
    if _CL_LIST_PLATFORM.search(text) and _CL_LIST_DEVICE.search(text):
        return True
    if _CL_NEO.search(text) and _CL_DRIVER.search(text):
        return True
    if "NULL platform behavior" not in text and _CL_NULL_GPU.search(text) and _cl_null_gpu_names(text):
        return True
    if re.search(r"^  Device Name[ \t]{2,60}\S", text, re.M):
        keys = len(set(_CL_FRAGMENT_KEYS.findall(text[:200_000])))
        typed = re.search(r"^  Device Type[ \t]{2,60}(?:GPU|CPU|Accelerator)\b", text, re.M)
        if keys >= (2 if typed else 3):
            return True
    if _CL_OLD_TYPE.search(text):
        keys = {m.group(1) for line in text[:200_000].split("\n") if (m := _CL_OLD.fullmatch(line))}
        if len(keys - {"Device Type"}) >= 2:
            return True
    return bool(re.search(r"^Number of platforms:?[ \t]{1,60}\d", text, re.M)) and (
        "  Device Name" in text or bool(re.search(r"^  Device Type:[ \t]{1,60}CL_DEVICE_TYPE_", text, re.M)))


# ROCm names its device by its gfx target, with the target's features in `clinfo`'s older layout: "gfx900:xnack-",
# "gfx90a:sramecc+:xnack-" (#14 b15); the features are no part of the target
_CL_GFX = re.compile(r"(gfx[0-9a-f]{2,5})(?::[a-z]{1,12}[+-]){0,4}", re.I)


def cl_list_gpus(text: str) -> list[Gpu]:
    out: list[Gpu] = []
    platform = ""
    for line in text.split("\n"):
        p = _CL_LIST_PLATFORM.match(line)
        if p:
            platform = p.group(1).strip()
            continue
        d = _CL_LIST_DEVICE.match(line)
        if not d:
            continue
        raw = d.group(1).strip()
        if _CL_NOT_GPU.search(raw) or _CL_NOT_GPU.search(platform) or _SOFTWARE.search(raw):
            continue
        gfx = _CL_GFX.fullmatch(raw)  # ROCm's OpenCL names the gfx target
        vendor = vendor_of(raw)
        out.append(Gpu(index=len(out), vendor=vendor if vendor != "other" else vendor_of(platform),
                       name=None if gfx else raw, gfx_target=gfx.group(1).lower() if gfx else None, source="clinfo"))
    return out


def _cl_old_value(key: str, value: str) -> str:
    if key == "Vendor ID":
        m = re.fullmatch(r"([0-9a-f]{1,4})h", value, re.I)
        return "0x" + m.group(1) if m else value
    if key == "Device Topology":
        m = _CL_OLD_PCI.search(value)
        return f"{int(m.group(1)):02x}:{int(m.group(2)):02x}.{m.group(3)}" if m else value
    return value


def cl_devices(text: str) -> list[dict]:
    devices: list[dict] = []
    # under `clinfo | grep Board` AMD's older layout keeps no Device Type line: its Board name opens a device
    opener = "Device Type" if "Device Type" in text else "Board name"
    for line in text.split("\n"):
        if line.startswith(("NULL platform behavior", "ICD loader properties")):
            break  # what follows repeats device names from other queries
        m = _CL_FIELD.fullmatch(line)
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key == "Device Name":
                devices.append({})
        else:
            m = _CL_OLD.fullmatch(line)
            if not m:
                continue
            key, value = _CL_OLD_KEYS[m.group(1)], _cl_old_value(m.group(1), m.group(2).strip())
            if m.group(1) == opener:
                devices.append({})
        if devices:
            devices[-1].setdefault(key, value)
    return devices


def _cc(value: str | None) -> str | None:
    """clinfo's "7.5", or None: anything else is not a compute capability (a fuzzed "\\   7.5"
    reached the facts and failed the schema, #19)."""
    m = re.fullmatch(r"\d{1,2}\.\d{1,2}", (value or "").strip())
    return m.group() if m else None


# AMD's driver version names its runtime in parentheses after the number: "3314.0 (HSA1.1,LC)", "1.1 (HSA,LC)",
# "2442.7 (VM)" (#14 b15): the version is the number before them
_CL_DRIVER_RUNTIME = re.compile(r"(\d{1,6}(?:\.\d{1,6}){0,3}) \([^()]{1,60}\)")


def _cl_driver(value: str | None) -> str | None:
    m = _CL_DRIVER_RUNTIME.fullmatch((value or "").strip())
    return m.group(1) if m else value


def cl_gpus(text: str) -> list[Gpu]:
    devices = cl_devices(text)
    if not devices and _CL_LIST_DEVICE.search(text):
        return cl_list_gpus(text)
    if not devices:  # the NULL platform section alone (#14 b14): the GPU context's device names
        devices = [{"Device Name": n, "Device Type": "GPU"} for n in _cl_null_gpu_names(text)]
    if not devices and "Device Name" not in text:
        devices = _cl_neo_devices(text)
    out = []
    for d in devices:
        # a block cut above its Device Type line is told as `clinfo -l`'s are, by its name (#14 b12)
        kind = d.get("Device Type")
        if "GPU" not in (kind or "").upper() and (kind is not None or _CL_NOT_GPU.search(d.get("Device Name", ""))):
            continue
        raw = d.get("Device Name", "")
        gfx = _CL_GFX.fullmatch(raw)  # ROCm's OpenCL names the gfx target
        name = d.get("Device Board Name (AMD)") or (None if gfx else renderer_name(raw)) or None
        memory = re.match(r"(\d{1,20})", d.get("Global memory size", ""))
        topology = d.get("Device Topology (NV)") or d.get("Device Topology (AMD)") or d.get("Device PCI bus info (KHR)")
        bus = re.search(r"(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", topology or "", re.I)
        vendor_id = _hex_id(d.get("Device Vendor ID"))
        known = vendor_id in _gpu_vendor_ids()  # a GPU maker's PCI vendor id (pci_vendors.toml), not a made-up one
        vendor = "intel" if d.get("_neo") else vendor_of(name or raw, vendor_id)
        out.append(Gpu(index=len(out), vendor=vendor, name=name, source="clinfo",
                       gfx_target=gfx.group(1).lower() if gfx else None,
                       compute_capability=_cc(d.get("Compute Capability (NV)")),
                       memory_total_mib=int(memory.group(1)) // 2**20 if memory else None,
                       pci_bus_id=bus_id(bus.group()) if bus else None,
                       pci_vendor_id=vendor_id if known else None,
                       pci_device_id=_hex_id(d.get("Device PCI-e ID (AMD)")) if known else None,
                       driver_version=_driver(vendor, _cl_driver(d.get("Driver Version")))))
    return out


_CL_PROCESSOR = re.compile(r"\bCPU\b|Core\(TM\)|Ryzen|Xeon|EPYC|Threadripper")


def cl_cpu(text: str) -> CpuFacts | None:
    """The processor an OpenCL CPU runtime lists as a device (Intel's CPU Runtime, POCL): its name,
    from a device typed CPU, or untyped (cut above its Device Type line) with a processor's name (#14 b13)."""
    for d in cl_devices(text):
        kind, name = d.get("Device Type"), d.get("Device Name", "").strip()
        typed = kind is not None and "CPU" in kind.upper()
        if name and (typed or (kind is None and _CL_PROCESSOR.search(name) and not re.search(r"FPGA|Emulat", name))):
            return CpuFacts(model=re.sub(r"^(?:pthread-|cpu-[a-z0-9_]{1,30}-)", "", name))  # POCL's prefixes
    return None


FORMATS = [(cmd_key(CLINFO), is_clinfo)]
PARSERS = {cmd_key(CLINFO): cl_gpus}
