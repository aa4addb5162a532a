"""The Python the user will use: its version and bits, pip or conda, AI packages (from package
metadata, nothing imported), and AI tools on PATH (ollama, llama.cpp, LM Studio's lms)."""

from __future__ import annotations

import json
import re

from readiness.probes.base import Result
from readiness.probes.util import timed_out

NAME = "python"

# Distribution names read with importlib.metadata: reading metadata imports nothing, so it is fast
# and safe even when a package is broken.
PACKAGES = [
    "torch", "torchvision", "torchaudio", "jax", "jaxlib", "jax-cuda12-plugin", "jax-cuda13-plugin", "tensorflow",
    "tensorflow-cpu", "onnxruntime", "onnxruntime-gpu", "onnxruntime-directml", "onnxruntime-openvino",
    "transformers", "diffusers", "accelerate", "peft", "bitsandbytes", "flash-attn", "flash_attn", "xformers", "vllm",
    "llama-cpp-python", "mlx", "mlx-lm", "sentence-transformers", "intel-extension-for-pytorch", "triton",
    "nvidia-cudnn-cu12", "nvidia-cudnn-cu13", "nvidia-nccl-cu12", "nvidia-nccl-cu13",
]

# Runs in the user's interpreter. Prints one JSON object. Standard library only.
SCRIPT = r"""
import json, os, platform, struct, sys
from importlib import metadata
out = {"version": platform.python_version(), "bits": struct.calcsize("P") * 8, "executable": sys.executable,
       "implementation": platform.python_implementation(), "machine": platform.machine(),
       "venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix),
       "conda": os.path.isdir(os.path.join(sys.prefix, "conda-meta")), "packages": {}}
for name in NAMES:
    try:
        out["packages"][name] = metadata.version(name)
    except Exception:
        pass
print(json.dumps(out))
"""

TOOLS = {"ollama": ["ollama", "--version"], "llama-server": ["llama-server", "--version"],
         "llama-cli": ["llama-cli", "--version"], "lms": ["lms", "version"]}


def script() -> str:
    return SCRIPT.replace("NAMES", json.dumps(PACKAGES))


def python_argv(host) -> list[str] | None:
    """The interpreter to probe: --python PATH, else the one running readiness (as the host knows it)."""
    chosen = host.options.get("python")
    if chosen:
        return [chosen]
    exe = host.call("python.executable")
    return [exe.value] if exe.ok and exe.value else None


def collect(host) -> dict:
    argv = python_argv(host)
    raw: dict = {"info": host.run_cached([*argv, "-c", script()]) if argv else None, "tools": {},
                 "system": host.system}
    if host.system == "darwin":
        # Rosetta: an x86_64 Python on Apple Silicon sees no Metal GPU (sysctl.proc_translated).
        raw["arm64"] = host.run(["sysctl", "-n", "hw.optional.arm64"])
    for name, tool_argv in TOOLS.items():
        path = host.call("which", name)
        if path.ok:
            raw["tools"][name] = {"path": path.value, "version": host.run(tool_argv)}
    return raw


def _tool_version(text: str | None) -> str | None:
    if not text:
        return None
    m = re.search(r"(?:version\D{0,20})?(\d+(?:\.\d+)+|b\d{3,})", text, re.I)
    return m.group(1) if m else None


def parse(raw: dict) -> Result:
    python: dict = {"version": None, "bits": None, "executable": None, "implementation": None, "machine": None,
                    "environment": None, "translated": None}
    packages: dict = {}
    info = raw.get("info")
    status, reason = "ok", None
    if info is not None and info.text:
        try:
            doc = json.loads(info.text.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return Result({}, "error", "the Python probe printed no JSON")
        python.update({k: doc.get(k) for k in ("version", "bits", "executable", "implementation", "machine")})
        python["environment"] = "conda" if doc.get("conda") else ("venv" if doc.get("venv") else "system")
        packages = dict(sorted(doc.get("packages", {}).items()))
    else:
        status = "timeout" if info is not None and info.status == "timeout" else "absent"
        reason = (info.reason if info is not None else None) or "no Python interpreter to probe"
    arm64 = raw.get("arm64")
    if arm64 is not None and arm64.text and python["machine"]:
        python["translated"] = arm64.text.strip() == "1" and python["machine"] == "x86_64"
    elif raw.get("system") == "darwin":
        python["translated"] = False if python["machine"] == "arm64" else None
    tools = {name: {"path": t["path"], "version": _tool_version(t["version"].text or "")}
             for name, t in raw.get("tools", {}).items()}
    late = timed_out({"python": info} if info is not None else {})
    if late:
        status, reason = "timeout", "; ".join(late)
    return Result({"stack": {"python": python, "packages": packages, "tools": tools}}, status, reason)
