"""Free disk space where models are stored: home, the Hugging Face and Ollama caches, and the current folder."""

from __future__ import annotations

from readiness.facts import Disk, Draft
from readiness.probes.base import Result
from readiness.probes.util import mib

NAME = "disks"

_ENV = ["HF_HOME", "HF_HUB_CACHE", "OLLAMA_MODELS", "XDG_CACHE_HOME"]


def collect(host) -> dict:
    home = host.call("home")
    cwd = host.call("cwd")
    env = {name: host.call("env", name) for name in _ENV}
    candidates = candidate_paths(home.value if home.ok else None, cwd.value if cwd.ok else None,
                                 {k: a.value for k, a in env.items() if a.ok}, host.system)
    usage = {path: host.call("disk_usage", path) for path, _ in candidates}
    return {"candidates": candidates, "usage": usage}


def candidate_paths(home: str | None, cwd: str | None, env: dict[str, str], system: str | None) -> list[tuple[str, str]]:
    """(path, purpose) pairs in order of importance. Pure: only joins strings."""
    sep = "\\" if system == "windows" else "/"

    def join(*parts: str) -> str:
        return sep.join([parts[0].rstrip(sep), *parts[1:]])

    out: list[tuple[str, str]] = []
    if home:
        out.append((home, "home"))
    hf = env.get("HF_HUB_CACHE") or env.get("HF_HOME")
    if hf:
        out.append((hf, "huggingface"))
    cache = env.get("XDG_CACHE_HOME") or (join(home, ".cache") if home else None)
    if cache:
        out.append((join(cache, "huggingface"), "huggingface"))
    if env.get("OLLAMA_MODELS"):
        out.append((env["OLLAMA_MODELS"], "ollama"))
    if home:
        out.append((join(home, ".ollama", "models"), "ollama"))
    if system in ("linux", None):
        out.append(("/usr/share/ollama/.ollama/models", "ollama"))  # the Linux service install
    if cwd:
        out.append((cwd, "cwd"))
    return out


def parse(raw: dict) -> Result:
    disks: list[Disk] = []
    by_device: dict = {}
    for path, purpose in raw["candidates"]:
        answer = raw["usage"].get(path)
        if answer is None or not answer.ok:
            continue  # a cache folder that does not exist is normal
        u = answer.value
        disk = by_device.get(u["device"])
        if disk is None:
            disk = Draft(Disk, path=path, total_mib=mib(u["total"]), free_mib=mib(u["free"]), used_for=[])
            by_device[u["device"]] = disk
            disks.append(disk)
        if purpose not in disk.used_for:
            disk.used_for.append(purpose)
    if not disks:
        return Result({"disks": []}, "absent", "no disk usage could be read for home or the current folder")
    return Result({"disks": [d.build() for d in disks]})
