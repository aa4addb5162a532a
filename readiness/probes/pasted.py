"""GPU and CPU facts from tool outputs that readiness reads only when they are handed to it with
--from (or replayed from a capture): rocminfo, vulkaninfo --summary, glxinfo -B, clinfo, sycl-ls,
inxi and PowerShell's Win32_Processor table. On a live machine these tools are not run: the
vendor probes read the same devices more richly and faster."""

from __future__ import annotations

import functools

from readiness.host.base import cmd_key
from readiness.probes.base import Result

NAME = "pasted"
LIST_WHEN_ABSENT = False  # these tools are never run live: "none given" would be noise in every report
NONE_GIVEN = "no rocminfo, vulkaninfo, glxinfo, clinfo, sycl-ls, inxi or CIM table output given (read from --from only)"


@functools.cache
def _tables() -> dict:
    """The readers, imported on first use: a live check never reads these outputs, and importing
    the five parser modules was a tenth of its start-up (issue 18)."""
    from readiness.probes import clinfo, gfxinfo, inxi, rocminfo, sycl

    return {
        "FORMATS": [(rocminfo.KEY, rocminfo.detect), *gfxinfo.FORMATS, *clinfo.FORMATS, *sycl.FORMATS, *inxi.FORMATS],
        "FRAGMENTS": [("rocminfo", rocminfo.KEY, rocminfo.detect_fragment),
                      # under `tool | grep ...` (the program named with " | grep"): only the lines grep kept (#14 b12)
                      ("rocminfo | grep", rocminfo.KEY, rocminfo.detect_grep),
                      ("vulkaninfo | grep", gfxinfo.VULKANINFO_KEY, gfxinfo.is_vk_grep_lines),
                      ("glxinfo | grep", cmd_key(gfxinfo.GLXINFO), gfxinfo.is_glx_grep_lines),
                      ("clinfo | grep", cmd_key(clinfo.CLINFO), clinfo.is_cl_grep_lines),
                      ("rocm-clinfo | grep", cmd_key(clinfo.CLINFO), clinfo.is_cl_grep_lines)],
        "gpu": {rocminfo.KEY: rocminfo.gpus, **gfxinfo.PARSERS, **clinfo.PARSERS, **sycl.PARSERS, cmd_key(inxi.INXI): inxi.inxi_gpus,
                cmd_key(inxi.CIM_GPU_TABLE): inxi.cim_gpus},
        "cpu": {rocminfo.KEY: rocminfo.cpu, cmd_key(sycl.SYCL_LS): sycl.sycl_cpu, cmd_key(clinfo.CLINFO): clinfo.cl_cpu,
                cmd_key(inxi.INXI): inxi.inxi_cpu, cmd_key(inxi.CIM_CPU_TABLE): inxi.cim_cpu},
        "host": {cmd_key(inxi.INXI): inxi.inxi_host, rocminfo.KEY: rocminfo.host},
        "argvs": [rocminfo.ARGV, gfxinfo.VULKANINFO, gfxinfo.GLXINFO, clinfo.CLINFO, sycl.SYCL_LS, inxi.INXI,
                  inxi.CIM_CPU_TABLE, inxi.CIM_GPU_TABLE],
    }


def __getattr__(name: str):
    """FORMATS and FRAGMENTS, read by `--from`'s detectors (probes/registry.py), built when first asked (PEP 562)."""
    if name in ("FORMATS", "FRAGMENTS"):
        return _tables()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def collect(host) -> dict:
    if not getattr(host, "replayed", False):
        return {}
    return {cmd_key(argv): host.run(argv) for argv in _tables()["argvs"]}


def parse(raw: dict) -> Result:
    texts = {key: answer.text for key, answer in raw.items() if answer is not None and answer.text}
    if not texts:
        return Result({}, "absent", NONE_GIVEN)
    facts: dict = {}
    tables = _tables()
    gpu_lists = [parser(texts[key]) for key, parser in tables["gpu"].items() if key in texts]
    gpus = [gpu for gpus in gpu_lists for gpu in gpus]
    if gpus:
        facts["gpu_lists"] = gpu_lists
    cpus = [parser(texts[key]) for key, parser in tables["cpu"].items() if key in texts]
    cpus = [c for c in cpus if c is not None]
    if cpus:
        facts["cpu_fill"] = cpus
    hosts = [reader(texts[key]) for key, reader in tables["host"].items() if key in texts]
    if any(h is not None for h in hosts):
        facts["host_fill"] = [h for h in hosts if h is not None]
    return Result(facts, "ok", None)
