"""PyTorch, probed in a child Python with a timeout: a slow or crashing CUDA start-up can
neither hang nor kill readiness. Also reads `python -m torch.utils.collect_env` outputs
(what users paste into bug reports) given with --from."""

from __future__ import annotations

import json
import re

from readiness.host.base import slow_timeout
from readiness.probes import pystack
from readiness.probes.base import Result

NAME = "torch"
# Importing torch and starting CUDA can take tens of seconds on a cold machine.
MIN_TIMEOUT_S = 60.0

SCRIPT = r"""
import json, sys, warnings
out = {"installed": False}
try:
    import torch
except Exception as e:
    out["import_error"] = type(e).__name__ + ": " + str(e)
    print(json.dumps(out))
    sys.exit(0)
out.update(installed=True, version=torch.__version__, cuda=getattr(torch.version, "cuda", None),
           hip=getattr(torch.version, "hip", None), devices=[])
problems = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        available = bool(torch.cuda.is_available())
    except Exception as e:
        available = False
        problems.append(type(e).__name__ + ": " + str(e))
    problems += [str(w.message) for w in caught]
out["cuda_available"] = available
if not available and (out["cuda"] or out["hip"]):
    try:
        torch.cuda.init()
    except Exception as e:
        problems.append(type(e).__name__ + ": " + str(e))
out["cuda_error"] = "; ".join(dict.fromkeys(p.strip() for p in problems if p.strip())) or None
try:
    out["arch_list"] = list(torch._C._cuda_getArchFlags().split()) if (out["cuda"] or out["hip"]) else []
except Exception:
    out["arch_list"] = None
if available:
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        out["devices"].append({"name": p.name, "compute_capability": "%d.%d" % (p.major, p.minor),
                               "memory_total_mib": int(p.total_memory // 2**20)})
try:
    out["cudnn_version"] = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
except Exception:
    out["cudnn_version"] = None
mps = getattr(torch.backends, "mps", None)
out["mps_built"] = bool(mps and mps.is_built())
out["mps_available"] = bool(mps and mps.is_available())
xpu = getattr(torch, "xpu", None)
try:
    out["xpu_available"] = bool(xpu and xpu.is_available())
except Exception:
    out["xpu_available"] = False
print(json.dumps(out))
"""

COLLECT_ENV_KEY = "cmd:python -m torch.utils.collect_env"
UNAME_M_KEY = "cmd:uname -m"  # the CPU probe's `uname -m` (cpu.UNAME_M)


# collect_env's banner; a paste can glue the next line to it after a terminal's worth of padding
# ("Collecting environment information...      PyTorch version: 2.7.0", #14, b8)
_BANNER = re.compile(r"^[ \t]*Collecting environment information\.{0,3}[ \t]+(?=\S)", re.M)


def _unglue(text: str) -> str:
    return _BANNER.sub("", text) if "Collecting environment" in text else text


# Keys only collect_env prints, with vLLM's 2025 layout's padding before the colon (#14 b12)
_FRAGMENT_KEYS = re.compile(r"^[ \t]*(Is CUDA available|CUDA runtime version|CUDA_MODULE_LOADING set to|"
                            r"GPU models and configuration|Nvidia driver version|cuDNN version|Is XPU available|"
                            r"XPU used to build PyTorch|CUDA used to build PyTorch|ROCM used to build PyTorch|"
                            r"HIP runtime version|MIOpen runtime version)[ \t]*:", re.M)


def _is_collect_env(text: str) -> bool:
    text = _unglue(text)
    # IPEX's collect_env (intel-extension-for-pytorch) asks "Is XPU available" and not CUDA's question (#14 b15)
    if re.search(r"^[ \t]*PyTorch version[ \t]*:", text, re.M) and \
            re.search(r"^[ \t]*(?:Is CUDA available|Is XPU available|CUDA used to build PyTorch)[ \t]*:", text, re.M):
        return True
    # a fragment cut above its "PyTorch version:" line still holds several of collect_env's own keys
    # (#14 b12: an XPU report pasted from "Python version:" on)
    return len(set(_FRAGMENT_KEYS.findall(text))) >= 4


def split_collect_env(text: str) -> dict[str, str] | None:
    """A collect_env paste answers several questions: itself, and the lscpu output it embeds."""
    if not _is_collect_env(text):
        return None
    text = _unglue(text)
    out = {COLLECT_ENV_KEY: text}
    # vLLM's 2025 layout puts it under a "=====\n CPU Info\n=====" banner (#14 b12)
    m = re.search(r"^[ \t]*(?:CPU:|={10,}\n[ \t]*CPU Info[ \t]*\n={10,})\n(.*?)"
                  r"(?:\n\s*\n|\n={10,}|\n\s*Versions of relevant libraries:|\Z)", text, re.M | re.S)
    block = m.group(1) if m else ""
    # The CPU section is lscpu's output on Linux, wmic's Name/Manufacturer/... block on Windows
    # ("Name: x", or "Name=x" in older collect_env), and the sysctl brand string alone on macOS.
    if re.search(r"^[ \t]*Name[ \t]*[:=][ \t]*\S", block, re.M) and \
            re.search(r"^[ \t]*Manufacturer[ \t]*[:=]", block, re.M):
        from readiness.probes.cpu import CIM_CPU
        from readiness.host.base import cmd_key

        out[cmd_key(CIM_CPU)] = block
    elif re.search(r"^\s*Architecture:\s+\S", block, re.M):
        out["cmd:lscpu"] = block
    elif block.strip() and "\n" not in block.strip() and ":" not in block:
        from readiness.probes.apple import SYSCTL
        from readiness.host.base import cmd_key

        out[cmd_key(SYSCTL)] = f"machdep.cpu.brand_string: {block.strip()}\n"
    if len(out) == 1:
        # no CPU section (cut off, or an old collect_env): on Linux the platform line still names the
        # machine, and a Linux OS line ends with it (#14 b12, b13). Given as the answer `uname -m` would
        # print, not as an lscpu: a real lscpu later in the paste must not be taken for a second one.
        plat = re.search(r"^[ \t]*Python platform[ \t]*:[ \t]*Linux-\S*?-(x86_64|aarch64|ppc64le|s390x|riscv64)-", text, re.M) \
            or re.search(r"^[ \t]*OS[ \t]*:[ \t]*(?!macOS|Microsoft)[^\n]{1,200}\((x86_64|aarch64|ppc64le|s390x|riscv64)\)[ \t]*$",
                         text, re.M)
        if plat:
            out[UNAME_M_KEY] = plat.group(1) + "\n"
    return out


FORMATS = [(COLLECT_ENV_KEY, _is_collect_env)]
SPLITTERS = [split_collect_env]


def collect(host) -> dict:
    if host.options.get("torch") is False:
        return {"skipped": True}
    argv = pystack.python_argv(host)
    raw: dict = {"probe": None}
    if argv:
        raw["probe"] = host.run_cached([*argv, "-c", SCRIPT], timeout=slow_timeout(host, MIN_TIMEOUT_S))
    else:
        # No interpreter to run (raw files given with --from): a pasted collect_env report may answer.
        raw["collect_env"] = host.run(["python", "-m", "torch.utils.collect_env"])
    return raw


# -- pure parsing -------------------------------------------------------------

def _build(t: dict) -> str | None:
    if not t.get("version"):
        return None
    if t.get("hip"):
        return f"rocm {t['hip']}"
    if t.get("cuda"):
        return f"cuda {t['cuda']}"
    if t.get("mps_built"):
        return "mps"
    return "cpu"


def _empty() -> dict:
    return {"installed": False, "version": None, "build": None, "cuda": None, "hip": None, "cuda_available": None,
            "cuda_error": None, "devices": [], "arch_list": None, "cudnn_version": None, "mps_built": None,
            "mps_available": None, "xpu_available": None, "source": None}


def _value(line: str | None) -> str | None:
    if line is None:
        return None
    v = line.strip()
    return None if v in ("", "N/A", "None", "No CUDA", "Could not collect", "N/A (N/A)") else v


def _bullets(text: str, heading: str) -> list[str]:
    """The "* item" lines under a collect_env heading line (XPU builds' Intel GPU sections)."""
    m = re.search(r"^[ \t]*" + re.escape(heading) + r"[ \t]*$", text, re.M)
    out: list[str] = []
    for line in (text[m.end():].splitlines()[1:] if m else []):
        if not line.strip().startswith("* "):
            break
        out.append(line.strip()[2:].strip())
    return out


# XPU builds' "Intel GPU models detected:" lines, torch.xpu.get_device_properties(i) as printed:
# "* [0] _XpuDeviceProperties(name='...', ..., total_memory=49136MB, ...)" (torch's MB are MiB) (#14 b15)
_XPU_DEVICE = re.compile(r"^[ \t]{0,8}\* \[(\d{1,3})\] _XpuDeviceProperties\([^\n]{0,2000}?\btotal_memory=(\d{1,9})MB\b", re.M)


def _xpu_memory(text: str) -> list[int | None]:
    """The detected XPU devices' memory by torch's device index (None where a line does not say)."""
    found = {int(m.group(1)): int(m.group(2)) for m in _XPU_DEVICE.finditer(text)}
    return [found.get(i) for i in range(max(found) + 1)] if found else []


def parse_collect_env(text: str) -> dict:
    """collect_env's report → {"torch": ..., "python": ..., "gpus": [...], "driver": ..., "os": ...}."""
    lines = [l.strip() for l in _unglue(text).splitlines()]
    kv: dict[str, str] = {}
    for i, line in enumerate(lines):
        if ":" in line and not line.startswith("["):
            k, v = line.split(":", 1)
            kv.setdefault(k.strip(), v.strip())
    t = _empty()
    avail = kv.get("Is CUDA available")
    # collect_env answers "Is CUDA available" True or False only when torch imported ("N/A" when
    # not), so a paste cut above its version line still says torch is there
    t["installed"] = bool(_value(kv.get("PyTorch version"))) or (avail or "").lower() in ("true", "false")
    t["version"] = _value(kv.get("PyTorch version"))
    t["cuda"] = _value(kv.get("CUDA used to build PyTorch"))
    hip = _value(kv.get("ROCM used to build PyTorch"))
    t["hip"] = hip
    t["cuda_available"] = None if avail is None else avail.lower() in ("true", "yes")
    xpu = kv.get("Is XPU available")
    t["xpu_available"] = None if xpu is None else xpu.lower() in ("true", "yes")
    t["source"] = "collect_env"
    # "None" means a CPU build; "Could not collect" means nobody knows. On macOS collect_env
    # does not say whether MPS was built, so the build stays unknown there.
    raw_cuda = kv.get("CUDA used to build PyTorch", "").strip()
    if t["cuda"]:
        t["build"] = f"cuda {t['cuda']}"
    elif hip:
        t["build"] = f"rocm {hip}"
    elif raw_cuda == "None" and "macOS" not in kv.get("OS", ""):
        t["build"] = "cpu"
    # GPUs: "GPU models and configuration: GPU 0: NVIDIA ..." and following "GPU n:" lines.
    gpus = []
    for line in lines:
        m = re.match(r"^(?:GPU models and configuration[ \t]*:\s*)?GPU (\d+):\s*(.+?)(?:\s*\(UUID:.*\))?$", line)
        if m:
            gpus.append(m.group(2).strip())
    m = re.search(r"^[ \t]*GPU models and configuration[ \t]*:[ \t]*(AMD .+|Radeon .+|[^G\n].+)$", text, re.M)
    if not gpus and m and _value(m.group(1)):
        gpus.append(m.group(1).strip())
    # XPU builds (torch 2.6+) list Intel GPUs apart: "Intel GPU models onboard:" then "* name" lines,
    # and "Intel GPU driver version:" then "* 32.0.101.8826 (...)".
    intel_driver = None
    if not gpus:
        gpus = _bullets(text, "Intel GPU models onboard:")
        drivers = _bullets(text, "Intel GPU driver version:")
        # "* 32.0.101.8826 (...)" on Windows; Linux lists packages ("* libze1:\t1.28.2-2"), no driver
        first = drivers[0].split()[0] if drivers and drivers[0].split() else ""
        intel_driver = first if re.fullmatch(r"\d+(?:\.\d+)+", first) else None
    version = kv.get("Python version", "")
    pv = re.match(r"(\d+\.\d+(?:\.\d+)?)", version)
    bits = re.search(r"\((\d+)-bit runtime\)", version)
    python = {"version": pv.group(1) if pv else None, "bits": int(bits.group(1)) if bits else None,
              "executable": None, "implementation": None, "machine": None, "environment": None, "translated": None}
    plat = kv.get("Python platform", "")
    mach = re.search(r"-(x86_64|arm64|aarch64|AMD64)(?:-|$)", plat)
    if mach:
        python["machine"] = mach.group(1)
    packages = {}
    for line in lines:
        # "\s*(?:==\s*|\s+)" split a run of blanks two ways: quadratic on a long one (#19, fuzz shard 9)
        m = re.match(r"^\[(pip3?|conda)\]\s+([A-Za-z0-9_.\-]+)(?:\s*==\s*|\s+)([0-9][^\s]*)", line)
        if m:
            packages.setdefault(m.group(2).lower(), m.group(3))
    driver = _value(kv.get("Nvidia driver version"))
    # ROCm builds name the GPU with its target: "AMD Radeon RX 7900 XT (gfx1100)".
    targets = [re.search(r"\s*\((gfx[0-9a-f]+)[^)]*\)$", g) for g in gpus]
    gfx = [t_.group(1) if t_ else None for t_ in targets]
    gpus = [g[: t_.start()].strip() if t_ else g for g, t_ in zip(gpus, targets)]
    os_name = _value(kv.get("OS"))
    if os_name:  # "Ubuntu 24.04.2 LTS (x86_64)", "Microsoft Windows 11 Pro (10.0.26200 64-Bit)"
        os_name = re.sub(r"\s*\((?:x86_64|arm64|aarch64|ppc64le|s390x|i[3-6]86|armv7l|riscv64|"
                         r"[\d.]+ \d\d-[Bb]it)\)$", "", os_name) or None
    return {"torch": t, "python": python, "gpus": gpus, "gfx_targets": gfx, "driver": driver, "os": os_name,
            "intel_driver": intel_driver, "gpu_memory_mib": _xpu_memory(text),
            "packages": packages, "platform": plat}


def parse(raw: dict) -> Result:
    t = _empty()
    if raw.get("skipped"):
        return Result({"stack": {"torch": t}}, "absent", "not probed (--no-torch)")
    probe = raw.get("probe")
    if probe is not None and probe.text:
        try:
            doc = json.loads(probe.text.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return Result({"stack": {"torch": t}}, "error", "the torch probe printed no JSON")
        if not doc.get("installed"):
            why = doc.get("import_error") or "torch is not installed"
            t["source"] = "probe"
            return Result({"stack": {"torch": t}}, "absent",
                          "torch is not installed in this Python" if "No module named" in why else why)
        t.update({k: doc.get(k) for k in t if k in doc})
        t["source"] = "probe"
        t["build"] = _build(t)
        return Result({"stack": {"torch": t}})
    ce = raw.get("collect_env")
    if ce is not None and ce.text:
        parsed = parse_collect_env(ce.text)
        torch = parsed["torch"]
        facts = {"stack": {"torch": torch}, "collect_env": parsed}
        return Result(facts, "ok", "from a collect_env report")
    if probe is not None and probe.status == "timeout":
        return Result({"stack": {"torch": t}}, "timeout", probe.reason)
    reason = (probe.reason if probe is not None else None) or "no Python interpreter to probe"
    return Result({"stack": {"torch": t}}, "absent", reason)
