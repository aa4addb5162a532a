"""Graphics and compute API listings pasted in Vulkan, OpenCL and oneAPI bug reports:
`vulkaninfo --summary`, `glxinfo -B` and `clinfo` (`sycl-ls`: sycl.py). None of them prints a PCI address
(clinfo's NVIDIA/AMD topology line aside), so their GPUs are merged with richer sources by name
and PCI ids (collect.merge_gpus). A software renderer (llvmpipe, lavapipe, softpipe, SwiftShader)
is a CPU, never a GPU.

Pure: text in, facts out. Every pattern works on one line at a time, with bounded repetition."""

from __future__ import annotations

import functools
import re

from readiness.facts import CpuFacts, Gpu
from readiness.host.base import cmd_key
from readiness.probes.util import bus_id, every_line

VULKANINFO = ["vulkaninfo", "--summary"]
VULKANINFO_KEY = cmd_key(VULKANINFO)
GLXINFO = ["glxinfo", "-B"]
CLINFO = ["clinfo"]

_PCI_VENDORS = {"0x10de": "nvidia", "0x1002": "amd", "0x1022": "amd", "0x8086": "intel", "0x106b": "apple"}
_SOFTWARE = re.compile(r"llvmpipe|lavapipe|softpipe|swiftshader|swrast|Microsoft Basic Render", re.I)


def vendor_of(name: str | None, vendor_id: str | None = None) -> str:
    if vendor_id and vendor_id.lower() in _PCI_VENDORS:
        return _PCI_VENDORS[vendor_id.lower()]
    n = (name or "").lower()
    if any(w in n for w in ("nvidia", "geforce", "quadro", "tesla", "rtx ")):
        return "nvidia"
    if any(w in n for w in ("amd", "radeon", "instinct", "ati ")) or re.match(r"gfx\d", n):
        return "amd"
    if "intel" in n or re.search(r"\barc\b", n):
        return "intel"
    if re.match(r"apple m\d", n):  # Asahi's Mesa renderer "Apple M1 Pro (G13S C0)", XQuartz's "Apple M1" (#14 b13)
        return "apple"
    return "other"


_NVIDIA_DRIVER = re.compile(r"\d{3}\.\d{1,3}(?:\.\d{1,3})?")


def _driver(vendor: str, version: str | None) -> str | None:
    """A driver version as the API reports it. For NVIDIA only the NVIDIA driver's own number
    counts (the CUDA tables read it); Mesa's nouveau/NVK or WSL's d3d12 version is not that."""
    version = (version or "").strip() or None
    if vendor == "nvidia" and version and not _NVIDIA_DRIVER.fullmatch(version):
        return None
    return version


def _hex_id(value: str | None) -> str | None:
    m = re.fullmatch(r"0x([0-9a-f]{1,4})", (value or "").strip(), re.I)
    return "0x" + m.group(1).lower().rjust(4, "0") if m else None


# -- vulkaninfo --summary ------------------------------------------------------------------------

_VK_GPU = re.compile(r"GPU\d{1,3}:?")
_VK_FIELD = re.compile(r"[ \t]{0,16}(\w{1,40})[ \t]{0,40}= ?(.{0,500})")
# --summary and current full output say PHYSICAL_DEVICE_TYPE_DISCRETE_GPU; vulkaninfo of 2018 (SDK 1.1)
# printed the bare enum name (deviceType = INTEGRATED_GPU) and a hex apiVersion.
_VK_TYPE = re.compile(r"^[ \t]{0,16}deviceType[ \t]{0,40}= (?:PHYSICAL_DEVICE_TYPE_)?"
                      r"(?:INTEGRATED_GPU|DISCRETE_GPU|VIRTUAL_GPU|CPU|OTHER)\b", re.M)
_VERSION = re.compile(r"\d{1,6}\.\d{1,6}")


def is_vulkaninfo(text: str) -> bool:
    return ("deviceType" in text and bool(_VK_TYPE.search(text))) or _is_vk_grep(text)


def _is_vk_grep(text: str) -> bool:
    """`vulkaninfo --summary | grep -E "GPU.:|deviceName|driverInfo"`: a `GPU0:` line at the margin,
    then an indented `deviceName = ...` line before any other kind of line (#14 b11). No deviceType."""
    after_gpu = False
    for line in text.split("\n", 2000)[:2000]:
        if _VK_GPU.fullmatch(line.strip()) and not line.startswith((" ", "\t")):
            after_gpu = True
            continue
        field = _VK_FIELD.fullmatch(line) if after_gpu and line.startswith((" ", "\t")) else None
        if field and field.group(1) == "deviceName":
            return True
        after_gpu = bool(field)
    return False


_VK_GREP_FIELDS = ("deviceName", "driverInfo", "driverName", "apiVersion", "vendorID", "deviceID", "driverVersion",
                   "driverID", "conformanceVersion")


def is_vk_grep_lines(text: str) -> bool:
    """Under `vulkaninfo | grep deviceName` (the prompt line says so): only `field = value` lines kept,
    without their GPU lines; each deviceName is one device (#14 b12)."""
    fields = every_line(text, _VK_FIELD.fullmatch)
    return fields is not None and all(f.group(1) in _VK_GREP_FIELDS for f in fields) and \
        any(f.group(1) == "deviceName" for f in fields)


def vulkan_devices(text: str) -> list[dict]:
    devices: list[dict] = []
    in_devices = False
    grep = "deviceType" not in text and _is_vk_grep(text)  # the grep subset: its GPU lines open devices
    if not grep and "deviceType" not in text and is_vk_grep_lines(text):
        return [{f.group(1): f.group(2).strip()} for f in map(_VK_FIELD.fullmatch, text.split("\n"))
                if f and f.group(1) == "deviceName"]
    has_devices_line = "Devices:" in text
    for line in text.split("\n"):
        if line.startswith("Devices:"):
            in_devices = True
        if _VK_GPU.fullmatch(line.strip()) and not line.startswith((" ", "\t")):
            devices.append({})
            # a paste that starts at its first GPU line (no "Devices:" over it) is that section (#14 b12)
            in_devices = in_devices or grep or not has_devices_line
            continue
        field = _VK_FIELD.fullmatch(line)
        if field and not devices and field.group(1) in ("apiVersion", "deviceType"):
            devices.append({})  # the property lines of one device, pasted without their GPU0 line
            in_devices = True
        if devices and field and (in_devices or "deviceType" in devices[-1] or field.group(1) == "apiVersion"):
            devices[-1].setdefault(field.group(1), field.group(2).strip())
    return [d for d in devices if "deviceType" in d or (grep and "deviceName" in d)]


def _vk_driver(d: dict) -> str | None:
    """driverInfo is the driver's own version string (NVIDIA's 560.70, "Mesa 25.0.3"), but AMD's
    proprietary driver puts prose there ("(AMD proprietary shader compiler)"); its version is
    then driverVersion, printed dotted by --summary (a raw integer in old layouts is no version)."""
    info = d.get("driverInfo")
    if info and _VERSION.search(info):
        return info
    version = d.get("driverVersion", "")
    return version if re.fullmatch(r"\d{1,6}(?:\.\d{1,6}){1,3}", version) else None


# Mesa before 21 appended RADV's shader compiler to the device name: "AMD RADV NAVY_FLOUNDER (ACO)",
# "(LLVM 11.0.1)"; the GPU's name is without it (#14 b11)
_RADV_COMPILER = re.compile(r"^(.{1,200}\bRADV\b.{0,100}?) \((?:ACO|LLVM \d{1,3}(?:\.\d{1,3}){0,2})\)$")


@functools.lru_cache(maxsize=1)
def _gpu_vendor_ids() -> frozenset[str]:
    """The PCI vendor ids of GPU makers in pci_vendors.toml (Qualcomm's 0x5143 too, vendor "other")."""
    from readiness.probes.pci import vendor_rows

    return frozenset(_PCI_VENDORS) | {vid for vid, row in vendor_rows().items() if row.get("kind") == "gpu"}


def vulkan_gpus(text: str) -> list[Gpu]:
    out = []
    seen: dict[str, str | None] = {}  # name -> driverInfo
    known = _gpu_vendor_ids()
    for d in vulkan_devices(text):
        kind = d.get("deviceType", "").replace("PHYSICAL_DEVICE_TYPE_", "")
        name = d.get("deviceName")
        radv = _RADV_COMPILER.match(name or "")
        name = radv.group(1) if radv else name
        if kind == "CPU" or _SOFTWARE.search(name or ""):
            continue
        # one GPU seen through two driver installs (two Mesa ICDs): the same name with another
        # driverInfo and no UUID to tell them apart; two like GPUs print the same driverInfo
        if name in seen and "deviceUUID" not in d and seen[name] != d.get("driverInfo"):
            continue
        seen.setdefault(name or "", d.get("driverInfo"))
        vendor_id = _hex_id(d.get("vendorID"))
        out.append(Gpu(index=len(out), vendor=vendor_of(name, vendor_id), name=name, source="vulkaninfo",
                       pci_vendor_id=vendor_id if vendor_id in known else None,
                       pci_device_id=_hex_id(d.get("deviceID")) if vendor_id in known else None,
                       driver_version=_driver(vendor_of(name, vendor_id), _vk_driver(d)),
                       integrated={"INTEGRATED_GPU": True, "DISCRETE_GPU": False}.get(kind),
                       virtual=kind == "VIRTUAL_GPU"))
    return out


# -- glxinfo -B ---------------------------------------------------------------------------------

_GLX_FIELD = re.compile(r"[ \t]{0,8}(Vendor|Device|Version|Video memory|Unified memory|Dedicated video memory):"
                        r"[ \t]{0,8}(.{0,500})")
_CHIP_PAREN = re.compile(r"\((?!R\)|TM\)|tm\))")
_D3D12 = re.compile(r"D3D12 \((.{1,200})\)")
# The "Extended renderer info" block (GLX_MESA_query_renderer) alone, as `glxinfo | grep -i
# 'device|memory'` leaves it: a Device line ending in its PCI id, and a Video memory line.
_GLX_DEVICE = re.compile(r"^[ \t]{0,8}Device: .{1,200} \(0x[0-9a-f]{1,8}\)[ \t]*$", re.M | re.I)
_GLX_MEMORY = re.compile(r"^[ \t]{0,8}Video memory: \d{1,9}MB[ \t]*$", re.M)
_GLX_GFX = re.compile(r"\((gfx[0-9a-f]{2,5})[,)]", re.I)


def is_glxinfo(text: str) -> bool:
    if "OpenGL renderer string:" in text and ("direct rendering:" in text or "OpenGL vendor string:" in text):
        return True
    if "direct rendering:" in text and "Memory info (GL_" in text:
        return True  # -B cut before its renderer lines: the display header and a memory block
    return bool(_GLX_DEVICE.search(text) and _GLX_MEMORY.search(text))


def glx_gpus(text: str) -> list[Gpu]:
    fields: dict[str, str] = {}
    renderer = None
    for line in text.split("\n"):
        m = _GLX_FIELD.fullmatch(line)
        if m:
            fields.setdefault(m.group(1), m.group(2).strip())
        elif line.startswith("OpenGL renderer string:") and renderer is None:
            renderer = line.split(":", 1)[1].strip()
    device = fields.get("Device") or renderer or ""
    # GL_NVX_gpu_memory_info's dedicated size (NVIDIA's driver prints it, Mesa's radeonsi too)
    dedicated = re.fullmatch(r"(\d{1,9}) MB", fields.get("Dedicated video memory", ""))
    if _SOFTWARE.search(device) or not (device or dedicated):
        return []
    ids = re.findall(r"\((0x[0-9a-f]{1,8})\)", fields.get("Vendor", "") + " " + device, re.I)
    vendor_id = _hex_id(ids[0]) if ids else None
    device_id = _hex_id(ids[1]) if len(ids) > 1 else None
    # WSL's Mesa d3d12 driver wraps the Windows GPU: its own name is inside the parentheses, and
    # its "Video memory" adds shared system RAM, so it is no VRAM size. Its "Unified memory" is
    # D3D12's own UMA flag, so that one holds.
    wsl = _D3D12.match(re.sub(r"\s*\(0x[0-9a-f]{1,8}\)$", "", device, flags=re.I))
    # The chip in parentheses ends the name, "(R)" / "(TM)" inside it do not: Mesa's iris renderer
    # string "Mesa Intel(R) UHD Graphics 620 (KBL GT2)" names Mesa first (i965: "Mesa DRI") (#14 b10)
    chip = _CHIP_PAREN.search(device)
    bare = re.sub(r"^Mesa (?:DRI )?(?=\S)", "", device[:chip.start()] if chip else device).strip()
    bare = _GL_BUS_SUFFIX.sub("", bare)
    name = wsl.group(1) if wsl else bare or None
    memory = None
    mem = re.fullmatch(r"(\d{1,9})MB", fields.get("Video memory", ""))
    if mem and not wsl:
        memory = int(mem.group(1))
    elif dedicated and not wsl:
        memory = int(dedicated.group(1))
    unified = {"yes": True, "no": False}.get(fields.get("Unified memory", "").lower())
    vendor = vendor_of(name, vendor_id) if name or vendor_id else "other"
    # radeonsi names the gfx target first in its parentheses: "GFX1100 (gfx1100, LLVM 15.0.7, DRM 3.49, ...)"
    # (Mesa >= 22; older ones print the chip family, POLARIS10, which is no target) (#14, b8)
    gfx = _GLX_GFX.search(device) if vendor == "amd" else None
    return [Gpu(index=0, vendor=vendor, name=name, source="glxinfo", gfx_target=gfx.group(1).lower() if gfx else None,
                pci_vendor_id=vendor_id if vendor_id in _PCI_VENDORS else None,
                pci_device_id=device_id if vendor_id in _PCI_VENDORS else None,
                memory_total_mib=memory, unified_memory=unified,
                driver_version=_driver(vendor_of(name, vendor_id), fields.get("Version") or _mesa_version(text) or _nvidia_version(text)))]


# Without the Extended renderer info block (`glxinfo | grep -i opengl`), Mesa's version is the end
# of the OpenGL version string: "4.6 (Compatibility Profile) Mesa 20.1.3" -- the renderer block's
# "Version:" is that same number.
_GL_MESA = re.compile(r"^OpenGL (?:core profile |ES profile )?version string: [^\n]{0,80}?\bMesa "
                      r"(\d{1,3}\.\d{1,3}(?:\.\d{1,3})?)", re.M)


def _mesa_version(text: str) -> str | None:
    m = _GL_MESA.search(text)
    return m.group(1) if m else None


# NVIDIA's own driver: the renderer string is the GPU's name with its bus and CPU extension
# ("GeForce GTX 750 Ti/PCIe/SSE2", "Quadro FX 1800/PCI/SSE2"), the version string ends in the
# driver's number ("4.5.0 NVIDIA 346.35") (#14 b11)
_GL_BUS_SUFFIX = re.compile(r"(?:/(?:PCIe|PCI|AGP))?/(?:SSE2|SSE|3DNOW!)$")
_GL_NVIDIA = re.compile(r"^OpenGL (?:core profile |ES profile )?version string: [^\n]{0,80}?\bNVIDIA "
                        r"(\d{3}\.\d{1,3}(?:\.\d{1,3})?)[ \t]*$", re.M)


def _nvidia_version(text: str) -> str | None:
    m = _GL_NVIDIA.search(text)
    return m.group(1) if m else None


# -- clinfo -------------------------------------------------------------------------------------

_CL_FIELD = re.compile(r"  (Device Name|Device Type|Device Vendor ID|Driver Version|Global memory size|"
                       r"Device Topology \((?:NV|AMD)\)|Device Board Name \(AMD\)|Device PCI bus info \(KHR\)|Compute Capability \(NV\))"
                       r"[ \t]{2,60}(.{0,500})")


# The older layout of AMD APP SDK's clinfo (before the clinfo project's, still shipped with
# AMD APP 1800-era drivers): "Key:" then tabs, each device opened by its Device Type line, the
# vendor as "1002h", the address as "PCI[ B#1, D#0, F#0 ]" (decimal numbers).
_CL_OLD = re.compile(r"  (Device Type|Vendor ID|Board name|Device Topology|Global memory size|Name|Driver version):"
                     r"[ \t]{1,60}(.{0,500})")
_CL_OLD_KEYS = {"Device Type": "Device Type", "Vendor ID": "Device Vendor ID", "Board name": "Device Board Name (AMD)",
                "Device Topology": "Device Topology (AMD)", "Global memory size": "Global memory size",
                "Name": "Device Name", "Driver version": "Driver Version"}
_CL_OLD_PCI = re.compile(r"PCI\[ ?B#(\d{1,3}), ?D#(\d{1,2}), ?F#(\d) ?\]")


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
    return bool(re.search(r"^Number of platforms:?[ \t]{1,60}\d", text, re.M)) and (
        "  Device Name" in text or bool(re.search(r"^  Device Type:[ \t]{1,60}CL_DEVICE_TYPE_", text, re.M)))


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
        gfx = re.fullmatch(r"gfx[0-9a-f]{2,5}", raw, re.I)  # ROCm's OpenCL names the gfx target
        vendor = vendor_of(raw)
        out.append(Gpu(index=len(out), vendor=vendor if vendor != "other" else vendor_of(platform),
                       name=None if gfx else raw, gfx_target=raw.lower() if gfx else None, source="clinfo"))
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
        gfx = re.fullmatch(r"gfx[0-9a-f]{2,5}", raw, re.I)  # ROCm's OpenCL names the gfx target
        name = d.get("Device Board Name (AMD)") or (None if gfx else raw) or None
        memory = re.match(r"(\d{1,20})", d.get("Global memory size", ""))
        topology = d.get("Device Topology (NV)") or d.get("Device Topology (AMD)") or d.get("Device PCI bus info (KHR)")
        bus = re.search(r"(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", topology or "", re.I)
        vendor_id = _hex_id(d.get("Device Vendor ID"))
        vendor = "intel" if d.get("_neo") else vendor_of(name or raw, vendor_id)
        out.append(Gpu(index=len(out), vendor=vendor, name=name, source="clinfo",
                       gfx_target=raw.lower() if gfx else None,
                       compute_capability=_cc(d.get("Compute Capability (NV)")),
                       memory_total_mib=int(memory.group(1)) // 2**20 if memory else None,
                       pci_bus_id=bus_id(bus.group()) if bus else None,
                       pci_vendor_id=vendor_id if vendor_id in _PCI_VENDORS else None,
                       driver_version=_driver(vendor, d.get("Driver Version"))))
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


FORMATS = [(cmd_key(VULKANINFO), is_vulkaninfo), (cmd_key(GLXINFO), is_glxinfo), (cmd_key(CLINFO), is_clinfo)]
PARSERS = {cmd_key(VULKANINFO): vulkan_gpus, cmd_key(GLXINFO): glx_gpus, cmd_key(CLINFO): cl_gpus}
