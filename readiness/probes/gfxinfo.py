"""Graphics and compute API listings pasted in Vulkan, OpenCL and oneAPI bug reports:
`vulkaninfo --summary` and `glxinfo -B` (`clinfo`: clinfo.py, `sycl-ls`: sycl.py). None of them prints a PCI address
(clinfo's NVIDIA/AMD topology line aside), so their GPUs are merged with richer sources by name
and PCI ids (collect.merge_gpus). A software renderer (llvmpipe, lavapipe, softpipe, SwiftShader)
is a CPU, never a GPU.

Pure: text in, facts out. Every pattern works on one line at a time, with bounded repetition."""

from __future__ import annotations

import functools
import re

from readiness.facts import Gpu
from readiness.host.base import cmd_key
from readiness.probes.util import every_line

VULKANINFO = ["vulkaninfo", "--summary"]
VULKANINFO_KEY = cmd_key(VULKANINFO)
GLXINFO = ["glxinfo", "-B"]

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


# `glxinfo | grep "OpenGL renderer"` keeps the one renderer line (or the OpenGL lines with it): under that
# command every line an "OpenGL ... string:" line, a renderer among them, is glxinfo's (#14 b16)
_GL_STRING = re.compile(r"OpenGL [\w ]{1,40} string: \S[^\n]{0,300}")


def is_glx_grep_lines(text: str) -> bool:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return bool(lines) and all(_GL_STRING.fullmatch(line) for line in lines) and any(
        line.startswith("OpenGL renderer string:") for line in lines)


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
    bare = renderer_name(device)
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


def renderer_name(device: str) -> str:
    """A Mesa or NVIDIA renderer string's GPU name. The chip in parentheses ends the name, "(R)" / "(TM)"
    inside it do not: Mesa's iris renderer string "Mesa Intel(R) UHD Graphics 620 (KBL GT2)" names Mesa first
    (i965: "Mesa DRI") (#14 b10); radeonsi's "Radeon RX Vega (VEGA10, DRM 3.40.0, 5.4.0-54-generic, LLVM 10.0.1)",
    as Mesa's OpenCL (Clover) names its device too (#14 b15); NVIDIA's ends in its bus ("/PCIe/SSE2")."""
    chip = _CHIP_PAREN.search(device)
    bare = re.sub(r"^Mesa (?:DRI )?(?=\S)", "", device[:chip.start()] if chip else device).strip()
    return _GL_BUS_SUFFIX.sub("", bare)


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


FORMATS = [(cmd_key(VULKANINFO), is_vulkaninfo), (cmd_key(GLXINFO), is_glxinfo)]
PARSERS = {cmd_key(VULKANINFO): vulkan_gpus, cmd_key(GLXINFO): glx_gpus}
