"""OS, kernel, architecture, WSL and container detection."""

from __future__ import annotations

import re

from readiness.facts import Draft, HostFacts
from readiness.probes.base import Result
from readiness.probes.util import is_arch, normalise_arch

NAME = "os"


def _is_uname_a(text: str) -> bool:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    if len(lines) != 1:
        return False
    tokens = lines[0].split()
    return len(tokens) >= 4 and tokens[0] in ("Linux", "Darwin") and any(is_arch(t) for t in tokens[-4:])


def _is_os_release(text: str) -> bool:
    keys = {l.split("=", 1)[0] for l in text.splitlines() if re.match(r"^[A-Z_]+=", l)}
    return "ID" in keys and ("NAME" in keys or "PRETTY_NAME" in keys)


# `uname -r` alone on a line, as a paste shows it without its command (#14 b11): a Linux release with a
# distribution's kernel flavour or build tag ("7.0.0-28-generic", "6.1.0-18-amd64", "5.14.0-362.8.1.el9_3.x86_64",
# "6.6.10-arch1-1", "5.15.153.1-microsoft-standard-WSL2"); a bare version number ("2.0.0-1") is not taken
_KERNEL_RELEASE = re.compile(
    r"[2-9]\.\d{1,3}(?:\.\d{1,4}){0,2}-[\w.+~-]{0,60}?(?:generic|lowlatency|amd64|arm64|aws|azure|gcp|gke|oracle|"
    r"kvm|intel|raspi|nvidia|oem|realtime|rt\d{0,3}|el\d{1,2}[\w.]{0,20}|fc\d{2}[\w.]{0,20}|arch\d{1,2}|zen\d{0,2}|lts|"
    r"microsoft-standard(?:-WSL2)?|MANJARO|cloud-amd64|pve|default|64k|xen)(?:[-.][\w.-]{0,40})?")


def _is_uname_r(text: str) -> bool:
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return len(lines) == 1 and bool(_KERNEL_RELEASE.fullmatch(lines[0].strip()))


def _is_uname_a_fragment(text: str) -> bool:
    """Under a `uname -a` command line, its one line followed by whatever the paste went on with."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return _is_uname_a(first)


FRAGMENTS = [("uname", "cmd:uname -a", _is_uname_a_fragment)]
FORMATS = [("cmd:uname -a", _is_uname_a), ("file:/etc/os-release", _is_os_release), ("cmd:uname -r", _is_uname_r)]

_CONTAINER_FILES = ["/.dockerenv", "/run/.containerenv", "/proc/1/cgroup"]


def collect(host) -> dict:
    raw = {"system": host.system, "uname": host.call("platform.uname")}
    if not raw["uname"].ok:
        raw["uname_a"] = host.run(["uname", "-a"])
        if getattr(host, "replayed", False):  # a paste's bare kernel release line
            raw["uname_r"] = host.run(["uname", "-r"])
    if host.system in ("linux", None):
        raw["os_release"] = host.read_file("/etc/os-release")
        raw["wsl_env"] = host.call("env", "WSL_DISTRO_NAME")
        raw["container_env"] = host.call("env", "container")
        raw["k8s_env"] = host.call("env", "KUBERNETES_SERVICE_HOST")
        for path in _CONTAINER_FILES:
            raw[path] = host.read_file(path)
    if host.system == "darwin":
        raw["sw_vers"] = host.run(["sw_vers"])
    if host.system is None:  # a pasted dxdiag names the Windows edition
        from readiness.probes.windows import DXDIAG

        raw["dxdiag"] = host.run(DXDIAG)
    return raw


def parse_uname_a(text: str) -> dict:
    # its one line: under a `uname -a` command the paste may go on with prose (#14 b13)
    tokens = next((line for line in text.splitlines() if line.strip()), "").split()
    if len(tokens) < 3:  # a capture entry of the wrong shape: nothing read, never an IndexError
        return {"system": None, "node": None, "release": None, "machine": None}
    # GNU uname prints "machine processor platform OS": the first known arch of the tail is the machine.
    machine = next((t for t in tokens[-4:] if is_arch(t)), None)
    return {"system": tokens[0], "node": tokens[1], "release": tokens[2], "machine": machine}


def parse_os_release(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([A-Z_0-9]+)=(.*)$", line.strip())
        if m:
            out[m.group(1)] = m.group(2).strip().strip('"').strip("'")
    return out


def _container(raw: dict) -> str | None:
    env = raw.get("container_env")
    if env is not None and env.ok and env.value:
        return str(env.value)
    if raw.get("k8s_env") is not None and raw["k8s_env"].ok:
        return "kubernetes"
    if raw.get("/.dockerenv") is not None and raw["/.dockerenv"].ok:
        return "docker"
    if raw.get("/run/.containerenv") is not None and raw["/run/.containerenv"].ok:
        return "podman"
    cgroup = raw.get("/proc/1/cgroup")
    if cgroup is not None and cgroup.text:
        for marker, name in (("kubepods", "kubernetes"), ("docker", "docker"), ("libpod", "podman"),
                             ("lxc", "lxc"), ("containerd", "containerd")):
            if marker in cgroup.text:
                return name
    return None


def parse(raw: dict) -> Result:
    uname = raw["uname"].value if raw["uname"].ok else None
    if uname is None and raw.get("uname_a") is not None and raw["uname_a"].text:
        uname = parse_uname_a(raw["uname_a"].text)
    release = raw.get("uname_r")
    if uname is None and release is not None and release.text and _is_uname_r(release.text):
        uname = {"system": "Linux", "release": release.text.strip(), "machine": None, "node": None}
    facts = Draft(HostFacts)
    system = (uname or {}).get("system") or raw.get("system")
    os_release = raw.get("os_release")
    if not system and os_release is not None and os_release.text:
        system = "linux"
    # Only the three systems the schema knows: a garbled `uname -a` must not invent a fourth.
    facts.os = system.lower() if system and system.lower() in ("linux", "darwin", "windows") else None
    if uname:
        facts.kernel = uname.get("release") or None
        facts.arch = normalise_arch(uname.get("machine"))
        facts.hostname = uname.get("node") or None
    if os_release is not None and os_release.text:
        rel = parse_os_release(os_release.text)
        facts.os_release = rel.get("PRETTY_NAME") or " ".join(filter(None, [rel.get("NAME"), rel.get("VERSION")])) or None
    if facts.os == "darwin" and raw.get("sw_vers") is not None and raw["sw_vers"].text:
        kv = {k.strip(): v.strip() for k, v in (l.split(":", 1) for l in raw["sw_vers"].text.splitlines() if ":" in l)}
        facts.os_release = " ".join(filter(None, [kv.get("ProductName"), kv.get("ProductVersion")])) or None
    if facts.os == "windows" and uname:
        facts.os_release = f"Windows {uname.get('release')} ({uname.get('version')})"
    if facts.os == "linux":
        kernel = (facts.kernel or "").lower()
        wsl_env = raw.get("wsl_env")
        if "microsoft" in kernel or "wsl" in kernel or (wsl_env is not None and wsl_env.ok):
            facts.wsl = True
        elif facts.kernel:
            facts.wsl = False  # else unknown: raw files without a kernel release can't tell
        facts.container = _container(raw)
    elif facts.os in ("darwin", "windows"):
        facts.wsl = False
    dxdiag = raw.get("dxdiag")
    if facts.os in (None, "windows") and dxdiag is not None and dxdiag.text:
        from readiness.probes.windows import dxdiag_system

        dx = dxdiag_system(dxdiag.text)
        if facts.os is None and dx.get("os"):
            facts.os, facts.os_release, facts.wsl = "windows", dx["os"], False
        if facts.os == "windows" and not facts.hostname:
            facts.hostname = dx.get("hostname")
    if facts.os is None:
        return Result({"host": facts.build()}, "absent", "no uname or os-release output to read")
    return Result({"host": facts.build()})
