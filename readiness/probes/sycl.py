"""sycl-ls, as pasted in Intel GPU bug reports: one line per device and backend (2021's layout named
the platform only), or `--verbose`'s Platform / Device blocks. Pure: text in, facts out."""

from __future__ import annotations

import re

from readiness.facts import CpuFacts, Gpu
from readiness.host.base import cmd_key
from readiness.probes.gfxinfo import vendor_of

SYCL_LS = ["sycl-ls"]


# "[opencl:gpu][opencl:1] ..." since oneAPI 2024.2; before it one running index, "[opencl:gpu:2] ..." (#14, b8)
_SYCL = re.compile(r"\[(\w{1,40}):(gpu|cpu|acc|fpga)(?::\d{1,3}\]|\]\[\w{1,40}:\d{1,3}\]) (.{1,400})")
# sycl-ls of 2021 (oneAPI 2021.x) named the platform only: "[opencl:0] CPU : Intel(R) OpenCL 3.0 [2021.12...]",
# "[host:0] HOST: SYCL host platform 1.2 [1.2]" (#14 b12); a GPU line says a GPU is there, not its name
_SYCL_2021 = re.compile(r"\[(\w{1,40}):\d{1,3}\] (GPU|CPU|ACC|HOST) ?: (.{1,400})")
_SYCL_REST = re.compile(r"([^,]{1,200}), (.{1,300}?)(?: OpenCL \d[\d.]{0,8}(?: NEO)?(?: \(Build \d{1,6}\))?| \d{1,3}\.\d{1,3}"
                        r"(?:\.\d{1,6})?) {1,3}\[([^\]]{0,60})\]")


# `sycl-ls --verbose`: "Platform [#3]:" blocks of "Key : value" lines, each "Device [#0]:" with its Type,
# Name and Driver (#14 b13); a paste may start inside a device
_VERBOSE_PLATFORM = re.compile(r"Platform \[#\d{1,3}\]:")
_VERBOSE_DEVICE = re.compile(r"[ \t]{0,16}Device \[#\d{1,3}\]:")
_VERBOSE_FIELD = re.compile(r"[ \t]{1,16}(Type|Name|Driver|Vendor|Version)[ \t]{0,20}: ?(.{0,300})")


def is_sycl_ls(text: str) -> bool:
    lines = text.split("\n")
    if any(_SYCL.fullmatch(line.strip()[:500]) or _SYCL_2021.fullmatch(line.strip()[:500])
           for line in lines if line.startswith("[")):
        return True
    return any(_VERBOSE_PLATFORM.fullmatch(line.rstrip()) for line in lines) and \
        any(_VERBOSE_DEVICE.fullmatch(line.rstrip()) for line in lines) and \
        bool(re.search(r"^[ \t]{1,16}Type[ \t]{0,20}: ?(?:gpu|cpu|acc|fpga)[ \t]*$", text, re.M))


def _verbose(text: str) -> list[tuple[str, str, str, str, str]]:
    """--verbose's devices: (platform number, type, name, platform name, driver)."""
    devices: list[dict[str, str]] = []
    platform, platform_name, device = "?", "", None
    for line in text.split("\n"):
        if _VERBOSE_PLATFORM.fullmatch(line.rstrip()):
            platform, platform_name, device = line.strip(), "", None
        elif _VERBOSE_DEVICE.fullmatch(line.rstrip()):
            device = {"_platform": platform, "_pname": platform_name}
            devices.append(device)
        else:
            field = _VERBOSE_FIELD.fullmatch(line.rstrip())
            if field and device is None and field.group(1) == "Name":
                platform_name = field.group(2).strip()
            elif field and device is not None:
                device.setdefault(field.group(1), field.group(2).strip())
    return [(d["_platform"], d.get("Type", ""), d.get("Name", ""), d["_pname"], d.get("Driver", "")) for d in devices]


def sycl_gpus(text: str) -> list[Gpu]:
    """One device shows once per backend (OpenCL, Level Zero, Unified Runtime): a card is counted
    as often as the backend that lists it most often, its driver from the OpenCL line (the
    compute-runtime version). `--verbose` is counted the same way, by platform."""
    # {backend: [(name, platform, driver or "")]}: the driver kept only where OpenCL lists the card
    per_backend: dict[str, list[tuple[str, str, str]]] = {}
    for line in text.split("\n"):
        m = _SYCL.fullmatch(line.strip()[:500])
        if not m or m.group(2) != "gpu":
            continue
        rest = _SYCL_REST.fullmatch(m.group(3).strip())
        if rest:
            per_backend.setdefault(m.group(1), []).append(
                (rest.group(2).strip(), rest.group(1), rest.group(3) if m.group(1) == "opencl" else ""))
    if not per_backend:
        for platform, kind, name, pname, driver in _verbose(text):
            if kind == "gpu" and name:
                per_backend.setdefault(platform, []).append((name, pname, driver if "OpenCL" in pname else ""))
    counts: dict[str, int] = {}
    drivers: dict[str, str] = {}
    platforms: dict[str, str] = {}
    for devices in per_backend.values():
        for name in dict.fromkeys(d[0] for d in devices):
            counts[name] = max(counts.get(name, 0), sum(1 for d in devices if d[0] == name))
        for name, platform, driver in devices:
            platforms.setdefault(name, platform)
            if driver:
                drivers.setdefault(name, driver)
    out = []
    for name, count in counts.items():
        dev = re.search(r"\[(0x[0-9a-f]{4})\]", name, re.I)
        for _ in range(count):
            out.append(Gpu(index=len(out), vendor=vendor_of(name + " " + platforms[name]), name=name, source="sycl-ls",
                           pci_device_id=dev.group(1).lower() if dev else None, driver_version=drivers.get(name)))
    if not out:  # the 2021 layout: as many GPUs as the backend that lists most, each unnamed
        old: dict[str, list[str]] = {}
        for line in text.split("\n"):
            m = _SYCL_2021.fullmatch(line.strip()[:500])
            if m and m.group(2) == "GPU":
                old.setdefault(m.group(1), []).append(m.group(3))
        platforms_seen = max(old.values(), key=len, default=[])
        out = [Gpu(index=k, vendor=vendor_of(platform), source="sycl-ls") for k, platform in enumerate(platforms_seen)]
    return out


def sycl_cpu(text: str) -> CpuFacts | None:
    """The CPU that an OpenCL CPU runtime lists ([opencl:cpu]): its name is the processor's."""
    for line in text.split("\n"):
        m = _SYCL.fullmatch(line.strip()[:500])
        if m and m.group(2) == "cpu":
            rest = _SYCL_REST.fullmatch(m.group(3).strip())
            if rest and rest.group(2).strip():
                return CpuFacts(model=rest.group(2).strip())
    for _, kind, name, _, _ in _verbose(text):
        if kind == "cpu" and name:
            return CpuFacts(model=name)
    return None


FORMATS = [(cmd_key(SYCL_LS), is_sycl_ls)]
PARSERS = {cmd_key(SYCL_LS): sycl_gpus}
