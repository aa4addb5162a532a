"""``nvidia-smi -L``: one line a GPU, MIG devices indented under it."""

from __future__ import annotations

import re
from typing import Any

from readiness.probes.nvidia_smi.values import _clean, _mig_device, _new_gpu, _normalise_text, _result

# The closing parenthesis is optional: pasted lines lose it (CPU-X#115). A line shortened by hand
# may lose the whole "(UUID: ...)": that bare "GPU 0: <name>" only counts with a MIG line under it.
_LIST_GPU_RE = re.compile(r"^\s*GPU (\d+): (.+?) \(UUID: ([^)\s]*)\)?\s*$")
_BARE_GPU_RE = re.compile(r"^\s*GPU (\d+): (\S.{0,200}?)\s*$")
_LIST_MIG_RE = re.compile(r"^\s+MIG\s+(\S+)\s+Device\s+(\d+):\s*\(UUID:\s*([^)]*)\)\s*$")

_OLD_MIG_UUID_RE = re.compile(r"^MIG-GPU-[0-9a-fA-F-]+/(\d+)/(\d+)$")
# ... or under its own command line: the paste reader gives a segment's text after its `$ <command>` line
# when the command is what says what the output is (#14 b15: `$ nvidia-smi -L`, then "GPU 0: Tesla V100-PCIE-32GB")
_LIST_COMMAND_RE = re.compile(r"[ \t]{0,8}\$ (?:sudo[ \t]{1,8})?(?:/\S{1,200}/)?nvidia-smi[ \t]{1,8}(?:-L|--list-gpus)[ \t]{0,40}")


def has_mig_below(lines: list[str], i: int) -> bool:
    return i + 1 < len(lines) and bool(_LIST_MIG_RE.match(lines[i + 1]))


def _under_list_command(lines: list[str]) -> bool:
    first = next((ln for ln in lines if ln.strip()), "")
    return bool(_LIST_COMMAND_RE.fullmatch(first))


def listed_bare(lines: list[str]) -> bool:
    """Bare "GPU n: <name>" lines, each of the output's lines one, under an `nvidia-smi -L` command line."""
    body = [ln for ln in lines if ln.strip()][1:]
    return _under_list_command(lines) and bool(body) and all(_BARE_GPU_RE.match(ln) for ln in body)


def is_list_line(lines: list[str], i: int) -> bool:
    return bool(_LIST_GPU_RE.match(lines[i]) or (_BARE_GPU_RE.match(lines[i]) and has_mig_below(lines, i)))


def parse_list(text: str) -> dict[str, Any]:
    """Parse ``nvidia-smi -L``."""
    text = _normalise_text(text)
    gpus: list[dict[str, Any]] = []
    lines = text.split("\n")
    bare = listed_bare(lines)
    for i, ln in enumerate(lines):
        m = _LIST_GPU_RE.match(ln) or (_BARE_GPU_RE.match(ln) if bare or has_mig_below(lines, i) else None)
        if m:
            g = _new_gpu(int(m.group(1)))
            g["name"] = _clean(m.group(2))
            uuid = _clean(m.group(3).strip()) if m.re is _LIST_GPU_RE else None
            g["uuid"] = uuid if uuid and uuid.startswith("GPU-") else None
            gpus.append(g)
            continue
        mm = _LIST_MIG_RE.match(ln)
        if mm and gpus:
            gi = ci = None
            om = _OLD_MIG_UUID_RE.match(mm.group(3).strip())
            if om:  # r450/r460 style: MIG-GPU-<uuid>/<gi>/<ci>
                gi, ci = int(om.group(1)), int(om.group(2))
            gpus[-1]["mig_devices"].append(_mig_device(name=mm.group(1), gpu_instance_id=gi,
                                                       compute_instance_id=ci))
            gpus[-1]["mig_mode"] = True
    return _result("list", None, None, gpus)

