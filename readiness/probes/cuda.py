"""CUDA toolkits: the nvcc on PATH, /usr/local/cuda*, CUDA_HOME, CUDA_PATH and conda's."""

from __future__ import annotations

import json
import re

from dataclasses import replace

from readiness.facts import CudaStack, CudaToolkit, Draft
from readiness.probes.base import Result
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


_HEADERS = {
    "cudnn": ["cudnn_version.h", "cudnn.h"],
    "nccl": ["nccl.h"],
    "tensorrt": ["NvInferVersion.h"],
}
_INCLUDE_DIRS = ["/usr/include", "/usr/include/x86_64-linux-gnu", "/usr/include/aarch64-linux-gnu",
                 "/usr/local/include"]


def _libraries(host) -> dict:
    """The dynamic loader's view (ldconfig -p), and where each versioned library link points."""
    raw: dict = {"ldconfig": host.run(["ldconfig", "-p"])}
    if not raw["ldconfig"].ok:
        raw["ldconfig"] = host.run(["/sbin/ldconfig", "-p"])
    links = {}
    for name, path in parse_ldconfig(raw["ldconfig"].text or ""):
        if name.startswith(("libcuda.so", "libcudnn.so", "libnccl.so", "libnvinfer.so", "libcudart.so")):
            links[path] = host.read_link(path)
    raw["links"] = links
    return raw


def collect(host) -> dict:
    raw: dict = {"nvcc_path": host.call("which", "nvcc"), "nvcc": host.run(["nvcc", "--version"]), "roots": []}
    if raw["nvcc_path"].ok:
        raw["nvcc_real"] = host.call("realpath", raw["nvcc_path"].value)
    seen = set()
    for root, found_by in _roots(host):
        if root in seen:
            continue
        seen.add(root)
        entry = {"path": root, "found_by": found_by, "real": host.call("realpath", root),
                 "version.json": host.read_file(f"{root}/version.json"),
                 "version.txt": host.read_file(f"{root}/version.txt")}
        if not entry["version.json"].ok and not entry["version.txt"].ok:
            entry["dist-info"] = host.list_dir(f"{root}/dist-info")
            # conda's toolkit packages record themselves in conda-meta
            if found_by == "conda":
                entry["conda-meta"] = host.list_dir(f"{root}/conda-meta")
            if not entry["dist-info"].ok and not entry.get("conda-meta", entry["dist-info"]).ok:
                # No version file (pip- or container-assembled toolkits): ask its own nvcc.
                entry["nvcc"] = host.run([f"{root}/bin/nvcc", "--version"])
        raw["roots"].append(entry)
    if host.system in ("linux", None):
        raw["libraries"] = _libraries(host)
        include_dirs = _INCLUDE_DIRS + [f"{r}/include" for r, _ in _roots(host)]
        raw["headers"] = {}
        for lib, names in _HEADERS.items():
            for d in include_dirs:
                for n in names:
                    answer = host.read_file(f"{d}/{n}")
                    if answer.ok:
                        raw["headers"][lib] = answer
                        break
                if lib in raw["headers"]:
                    break
    return raw


def parse_ldconfig(text: str) -> list[tuple[str, str]]:
    """``ldconfig -p`` lines → (soname, path)."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^\s+(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)", line)
        if m:
            out.append((m.group(1), m.group(3)))
    return out


def header_version(text: str, prefix: str) -> str | None:
    """``#define CUDNN_MAJOR 9`` style headers → "9.1.0"."""
    parts = []
    for name in ("MAJOR", "MINOR", ("PATCHLEVEL", "PATCH")):
        names = name if isinstance(name, tuple) else (name,)
        m = None
        for n in names:
            m = re.search(rf"#define\s+{prefix}{n}\s+(\d+)", text)
            if m:
                break
        if not m:
            break
        parts.append(m.group(1))
    return ".".join(parts) if len(parts) >= 2 else None


def _lib_version(raw: dict, stem: str) -> str | None:
    """The full version from where a library's soname link points: libcudnn.so.9 -> libcudnn.so.9.1.0."""
    libs = raw.get("libraries") or {}
    for name, path in parse_ldconfig(libs["ldconfig"].text or "") if libs else []:
        if name.startswith(stem + ".so."):
            link = libs["links"].get(path)
            target = link.value if link is not None and link.ok else name
            m = re.search(r"\.so\.(\d+(?:\.\d+)*)$", target)
            if m:
                return m.group(1)
    return None


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
    nvcc = entry.get("nvcc")
    if version is None and nvcc is not None and nvcc.text:
        _, version = parse_nvcc(nvcc.text)
        source = "nvcc" if version else None
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
    if version is None:
        return None
    return CudaToolkit(release=_release(version), version=version, path=entry["path"], source=source,
                       found_by=entry["found_by"])


def parse(raw: dict) -> Result:
    stack = Draft(CudaStack)
    toolkits: list[CudaToolkit] = []
    real_roots = {e["path"]: e["real"].value for e in raw["roots"] if e["real"].ok}
    for entry in raw["roots"]:
        # /usr/local/cuda -> /etc/alternatives/cuda -> /usr/local/cuda-12.4: list the real folder once.
        real = real_roots.get(entry["path"], entry["path"])
        if any(t.path == real for t in toolkits):
            continue
        entry = {**entry, "path": real}
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
        real = raw.get("nvcc_real")
        target = real.value if real is not None and real.ok else stack.nvcc_path
        for i, tk in enumerate(toolkits):
            if target and tk.path and target.startswith(tk.path.rstrip("/") + "/"):
                stack.toolkit_path = tk.path
                if tk.source == "folder-name" and full:  # its own nvcc knows better than a folder name
                    toolkits[i] = replace(tk, version=full, release=stack.toolkit_version, source="nvcc")
        if stack.toolkit_path is None:
            same = [tk for tk in toolkits if tk.version == full]
            if len(same) == 1:
                stack.toolkit_path = same[0].path
        if stack.toolkit_path is None and full and not any(tk.version == full for tk in toolkits):
            toolkits.insert(0, CudaToolkit(release=stack.toolkit_version, version=full, path=None,
                                           source="nvcc", found_by="PATH"))
    stack.toolkits = toolkits
    headers = raw.get("headers", {})
    for attr, lib, prefix, stem in (("cudnn_version", "cudnn", "CUDNN_", "libcudnn"),
                                    ("nccl_version", "nccl", "NCCL_", "libnccl"),
                                    ("tensorrt_version", "tensorrt", "NV_TENSORRT_", "libnvinfer")):
        version = header_version(headers[lib].text, prefix) if lib in headers and headers[lib].text else None
        setattr(stack, attr, version or _lib_version(raw, stem))
    libs = raw.get("libraries")
    if libs and libs["ldconfig"].text:
        pairs = parse_ldconfig(libs["ldconfig"].text)
        stack.libcuda_path = next((p for n, p in pairs if n == "libcuda.so.1"), None)
        stack.libcudart_paths = sorted({p for n, p in pairs if n.startswith("libcudart.so")})
    late = timed_out({"nvcc": nvcc})
    if late:
        return Result({"stack": {"cuda": stack.build()}}, "timeout", "; ".join(late))
    if not toolkits and not stack.toolkit_version:
        why = nvcc.reason or "nvcc gave no version"
        return Result({"stack": {"cuda": stack.build()}}, "absent", f"no CUDA toolkit found ({why}; no /usr/local/cuda*)")
    return Result({"stack": {"cuda": stack.build()}})
