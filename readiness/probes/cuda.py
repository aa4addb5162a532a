"""CUDA toolkits: the nvcc on PATH, /usr/local/cuda*, CUDA_HOME, CUDA_PATH and conda's."""

from __future__ import annotations

import json
import re

from readiness.facts import CudaStack, CudaToolkit
from readiness.probes import Result
from readiness.probes.util import timed_out

NAME = "cuda"


def _is_nvcc_version(text: str) -> bool:
    return "Cuda compilation tools, release" in text


FORMATS = [("cmd:nvcc --version", _is_nvcc_version)]

_ENV = [("CUDA_HOME", "CUDA_HOME"), ("CUDA_PATH", "CUDA_PATH"), ("CONDA_PREFIX", "conda")]


def _roots(host) -> list[tuple[str, str]]:
    roots: list[tuple[str, str]] = []
    for var, label in _ENV:
        a = host.call("env", var)
        if a.ok and a.value:
            roots.append((a.value.rstrip("/\\"), label))
    if host.system == "windows":
        g = host.call("glob", "C:\\Program Files\\NVIDIA GPU Computing Toolkit\\CUDA\\v*")
        roots += [(p, "Program Files") for p in (g.value if g.ok else [])]
    else:
        for pattern in ("/usr/local/cuda*", "/opt/cuda*"):
            g = host.call("glob", pattern)
            roots += [(p, "/usr/local" if p.startswith("/usr/local") else "/opt") for p in (g.value if g.ok else [])]
    return roots


def collect(host) -> dict:
    raw: dict = {"nvcc_path": host.call("which", "nvcc"), "nvcc": host.run(["nvcc", "--version"]), "roots": []}
    if raw["nvcc_path"].ok:
        raw["nvcc_link"] = host.read_link(raw["nvcc_path"].value)
    seen = set()
    for root, found_by in _roots(host):
        if root in seen:
            continue
        seen.add(root)
        entry = {"path": root, "found_by": found_by, "link": host.read_link(root),
                 "version.json": host.read_file(f"{root}/version.json"),
                 "version.txt": host.read_file(f"{root}/version.txt")}
        if not entry["version.json"].ok and not entry["version.txt"].ok:
            entry["dist-info"] = host.list_dir(f"{root}/dist-info")
            # conda's toolkit packages record themselves in conda-meta
            if found_by == "conda":
                entry["conda-meta"] = host.list_dir(f"{root}/conda-meta")
        raw["roots"].append(entry)
    return raw


def parse_nvcc(text: str) -> tuple[str | None, str | None]:
    """``nvcc --version`` → (release "12.4", full version "12.4.131")."""
    m = re.search(r"release (\d+\.\d+)(?:, V(\d+(?:\.\d+)+))?", text)
    if not m:
        return None, None
    return m.group(1), m.group(2) or m.group(1)


def _release(version: str | None) -> str | None:
    if not version:
        return None
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


def parse_root(entry: dict) -> CudaToolkit | None:
    version = source = None
    vj, vt = entry["version.json"], entry["version.txt"]
    if vj.text:
        try:
            version = json.loads(vj.text)["cuda"]["version"]
            source = "version.json"
        except (ValueError, KeyError, TypeError):
            pass
    if version is None and vt.text:
        m = re.search(r"CUDA Version\s+(\d+(?:\.\d+)+)", vt.text)
        if m:
            version, source = m.group(1), "version.txt"
    for key in ("dist-info", "conda-meta"):
        listing = entry.get(key)
        if version is None and listing is not None and listing.ok:
            for name in listing.value:
                m = re.match(r"(?:nvidia_cuda_nvcc-|cuda-nvcc-)(\d+\.\d+(?:\.\d+)*)", name)
                if m:
                    version, source = m.group(1).rstrip("."), key
                    break
    if version is None:
        m = re.search(r"cuda-?v?(\d+\.\d+)$", entry["path"].replace("\\", "/").rsplit("/", 1)[-1], re.I)
        if m:
            version, source = m.group(1), "folder-name"
    if version is None and entry["found_by"] != "conda":
        return None
    if version is None:
        return None
    return CudaToolkit(release=_release(version), version=version, path=entry["path"], source=source,
                       found_by=entry["found_by"])


def parse(raw: dict) -> Result:
    stack = CudaStack()
    links = {}
    toolkits: list[CudaToolkit] = []
    for entry in raw["roots"]:
        if entry["link"].ok:  # /usr/local/cuda -> cuda-12.4: note it, list the target once
            links[entry["path"]] = entry["link"].value
            continue
        tk = parse_root(entry)
        if tk is not None:
            toolkits.append(tk)
    nvcc = raw["nvcc"]
    if nvcc.text:
        stack.toolkit_version, full = parse_nvcc(nvcc.text)
        if raw["nvcc_path"].ok:
            stack.nvcc_path = raw["nvcc_path"].value
        # Which toolkit does this nvcc belong to? Its own folder if it sits in one, else the one
        # whose full version matches exactly (nvcc on PATH is often a wrapper script or a symlink).
        target = raw["nvcc_link"].value if raw.get("nvcc_link") is not None and raw["nvcc_link"].ok else stack.nvcc_path
        for tk in toolkits:
            if target and tk.path and target.startswith(tk.path.rstrip("/") + "/"):
                stack.toolkit_path = tk.path
        if stack.toolkit_path is None:
            same = [tk for tk in toolkits if tk.version == full]
            if len(same) == 1:
                stack.toolkit_path = same[0].path
        if stack.toolkit_path is None and full and not any(tk.version == full for tk in toolkits):
            toolkits.insert(0, CudaToolkit(release=stack.toolkit_version, version=full, path=None,
                                           source="nvcc", found_by="PATH"))
    stack.toolkits = toolkits
    late = timed_out({"nvcc": nvcc})
    if late:
        return Result({"stack": {"cuda": stack}}, "timeout", "; ".join(late))
    if not toolkits and not stack.toolkit_version:
        why = nvcc.reason or "nvcc gave no version"
        return Result({"stack": {"cuda": stack}}, "absent", f"no CUDA toolkit found ({why}; no /usr/local/cuda*)")
    return Result({"stack": {"cuda": stack}})
