"""CPU model, cores, frequency and the instruction sets that matter for AI (AVX-512, AMX, NEON, SVE...)."""

from __future__ import annotations

import json
import re

from readiness import data
from readiness.facts import CpuFacts, Draft
from readiness.host.base import cmd_key
from readiness.probes.base import Result
from readiness.probes.util import PS, json_in, key_values, normalise_arch, timed_out, to_count, to_float, to_int
from readiness.host.base import slow_timeout

NAME = "cpu"
UNAME_M = ["uname", "-m"]  # asked of raw files only: torch.UNAME_M_KEY, from a collect_env paste
CIM_CPU = PS + ["Get-CimInstance Win32_Processor | Select-Object Name,Manufacturer,NumberOfCores,"
                "NumberOfLogicalProcessors,MaxClockSpeed | ConvertTo-Json"]



# /proc/cpuinfo's own lower-case keys (lscpu capitalises its own): three of them with `model name` make a
# fragment cut above its `processor` line (#14 b12, seven lines from `cpu family` on)
_CPUINFO_KEY = re.compile(r"^(cpu family|model name|stepping|microcode|cpu MHz|cache size|vendor_id|"
                          r"physical id|siblings|core id|cpu cores|bogomips|flags)[ \t]*:", re.M)


_ARM_CODE_KEY = re.compile(r"^CPU (implementer|architecture|variant|part|revision)[ \t]*:[ \t]*\S", re.M)


# Under a command line that names /proc/cpuinfo (`$ cat /proc/cpuinfo | grep proces`, `$ grep -m2 MHz
# /proc/cpuinfo`: the paste reader gives such a segment with its command line), the lines grep kept are the
# file's: each a cpuinfo "key<tab>: value" line (#14 b15, one `processor : 0` line). Without it, never.
_CPUINFO_COMMAND = re.compile(r"[ \t]{0,8}\$ [^\n]{0,300}?(?<![\w/.-])/proc/cpuinfo(?![\w/.-])[^\n]{0,300}")
_CPUINFO_LINE = re.compile(r"[a-zA-Z][a-zA-Z0-9 _]{0,30}?[ \t]{0,20}:(?:[ \t][^\n]{0,5000})?")


def _is_cpuinfo_under_command(text: str) -> bool:
    lines = [ln for ln in text[:200_000].split("\n") if ln.strip()]
    return len(lines) >= 2 and bool(_CPUINFO_COMMAND.fullmatch(lines[0])) and \
        all(_CPUINFO_LINE.fullmatch(ln.rstrip()) for ln in lines[1:])


def _is_cpuinfo(text: str) -> bool:
    if _is_cpuinfo_under_command(text):
        return True
    if re.search(r"^processor[ \t]*:[ \t]*\d+", text, re.M) and \
            re.search(r"^(flags|Features|model name|CPU implementer)[ \t]*:", text, re.M):
        return True
    # an ARM core's code lines alone (`CPU implementer : 0x70`, ... `CPU revision : 0`; #14 b14)
    if len(set(_ARM_CODE_KEY.findall(text[:200_000]))) >= 3:
        return True
    keys = {m.group(1) for m in _CPUINFO_KEY.finditer(text[:200_000])}
    # `grep -m1 "model name" /proc/cpuinfo`: one line, its colon at cpuinfo's tab stop (column 16, a tab or
    # the six spaces a paste makes of it; #14 b13, LocalAI's entrypoint log)
    return (len(keys) >= 3 and "model name" in keys) or bool(re.search(r"^model name(?:\t| {6}): \S", text, re.M))


# Field names lscpu prints (flat, tree and `| grep` forms); two of them, one a name or count,
# make a paste lscpu's even when it is only a few lines of it.
_LSCPU_KEY = re.compile(r"^[ \t]{0,8}(Architecture|CPU\(s\)|Model name|Vendor ID|Thread\(s\) per core|"
                        r"Core\(s\) per (?:socket|cluster)|Socket\(s\)|CPU family|CPU max MHz|"
                        r"On-line CPU\(s\) list|BogoMIPS):[ \t]+\S", re.M)


def _is_lscpu(text: str) -> bool:
    keys = {m.group(1) for m in _LSCPU_KEY.finditer(text[:200_000])}
    return len(keys) >= 2 and bool(keys & {"Model name", "CPU(s)", "Architecture"})


def _is_lscpu_fragment(text: str) -> bool:
    """Under a `$ lscpu` prompt, one field line kept of the output is enough."""
    return bool(_LSCPU_KEY.search(text[:200_000]))


def _is_lscpu_json(text: str) -> bool:
    doc = json.loads(text)
    return isinstance(doc, dict) and isinstance(doc.get("lscpu"), list)


def _cim_cpus(text: str) -> list[dict]:
    """Win32_Processor, one dict a socket: ConvertTo-Json (object or list) or a Format-List /
    Get-WmiObject list."""
    doc = json_in(text)
    if doc is not None:
        items = doc if isinstance(doc, list) else [doc]
    else:
        # Format-List / Get-WmiObject ("Name : x"), or wmic's /format:list and `wmic cpu list full` ("Name=x")
        items = [key_values(b, "=" if re.search(r"^Name=", b, re.M) else ":") for b in re.split(r"\n\s*\n", text)]
    # a list cut above its Name is still Win32_Processor's when its DeviceID is `CPU0` (#14 b14)
    return [i for i in items if isinstance(i, dict) and "AdapterRAM" not in i
            and (i.get("Name") or re.fullmatch(r"CPU\d{1,3}", str(i.get("DeviceID", "")).strip()))
            and ("NumberOfCores" in i or "MaxClockSpeed" in i or i.get("Manufacturer") in _X86_VENDORS)]


def _is_cim_cpu(text: str) -> bool:
    return bool(_cim_cpus(text))


FORMATS = [
    (cmd_key(CIM_CPU), _is_cim_cpu),
    ("cmd:lscpu -J", _is_lscpu_json),
    ("cmd:lscpu", _is_lscpu),
    ("file:/proc/cpuinfo", _is_cpuinfo),
]
FRAGMENTS = [("lscpu", "cmd:lscpu", _is_lscpu_fragment)]


def collect(host) -> dict:
    raw = {"uname": host.call("platform.uname"), "count": host.call("psutil.cpu_count"),
           "freq": host.call("psutil.cpu_freq")}
    if host.system in ("linux", None):
        raw["cpuinfo"] = host.read_file("/proc/cpuinfo")
        raw["lscpu_json"] = host.run(["lscpu", "-J"])
        if not raw["lscpu_json"].ok:
            raw["lscpu"] = host.run(["lscpu"])
        raw["max_freq_khz"] = host.read_file("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq")
    elif host.system == "darwin":
        from readiness.probes.apple import SYSCTL

        raw["sysctl"] = host.run(SYSCTL)
    if host.system is None:  # raw files: a sysctl paste may be among them
        from readiness.probes.apple import SYSCTL

        raw["sysctl"] = host.run(SYSCTL)
        raw["uname_m"] = host.run(UNAME_M)  # a collect_env paste's machine, when it has no CPU section
    if host.system in ("darwin", None):
        from readiness.probes.apple import HARDWARE_JSON, HARDWARE_TEXT

        raw["hardware"] = host.run(HARDWARE_JSON, timeout=max(host.timeout, 30.0))
        if not raw["hardware"].ok:
            raw["hardware_text"] = host.run(HARDWARE_TEXT, timeout=max(host.timeout, 30.0))
    if host.system is None:  # a pasted dxdiag names the CPU in its System Information
        from readiness.probes.windows import DXDIAG

        raw["dxdiag"] = host.run(DXDIAG)
    if host.system in ("windows", None):
        raw["cim"] = host.run(CIM_CPU, timeout=slow_timeout(host, 30.0))
    if host.system == "windows" and not raw["cim"].ok:
        # PowerShell may be missing or blocked by policy; the registry still names the CPU.
        raw["windows_cpu"] = host.call("windows.cpu")
    return raw


# -- pure parsing -------------------------------------------------------------

def parse_cpuinfo(text: str) -> dict:
    """The first processor block's fields plus counts; ARM boards put some fields after the blocks."""
    blocks = [b for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]
    first: dict[str, str] = {}
    cores: set[tuple[str, str]] = set()
    packages: set[str] = set()
    processors = 0
    tail: dict[str, str] = {}
    for block in blocks:
        kv = key_values(block)
        if "processor" in kv and to_int(kv["processor"]) is not None:
            processors += 1
            if not first:
                first = kv
            if "physical id" in kv:
                packages.add(kv["physical id"])
                if "core id" in kv:
                    cores.add((kv["physical id"], kv["core id"]))
        else:
            tail.update(kv)
    merged = {**tail, **first}
    # lines grep kept have no blank lines between them (`grep processor /proc/cpuinfo`, #14 b15): one
    # block, a processor line per CPU
    ids = set(re.findall(r"^processor[ \t]{0,20}:[ \t]{0,20}(\d{1,6})[ \t]{0,20}$", text, re.M))
    processors = max(processors, len(ids))
    merged["_processors"] = str(processors)
    # "cpu cores" and "siblings" count per package, so they stay right for a file cut short
    # after a few blocks; counting blocks is the fallback.
    per_package_cores, per_package_threads = to_count(first.get("cpu cores")), to_count(first.get("siblings"))
    n_packages = len(packages) or None
    if per_package_cores and n_packages:
        merged["_cores"] = str(per_package_cores * n_packages)
    elif cores:
        merged["_cores"] = str(len(cores))
    if per_package_threads and n_packages:
        merged["_processors"] = str(max(processors, per_package_threads * n_packages))
    return merged


def parse_lscpu_json(text: str) -> dict[str, str]:
    """lscpu -J's fields; {} when the text is not lscpu's JSON (so /proc/cpuinfo's facts stand)."""
    out: dict[str, str] = {}
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return out
    stack = [doc.get("lscpu")] if isinstance(doc, dict) else []
    while stack:  # iterative: a deeply nested "children" can't exhaust the stack
        items = stack.pop()
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, dict):
                continue
            field = str(item.get("field", ""))[:200].rstrip(":").strip()
            data = item.get("data")
            if field and isinstance(data, (str, int, float)) and not isinstance(data, bool):
                out.setdefault(field, str(data))
            stack.append(item.get("children"))
    return out


_LSCPU_LINE = re.compile(r"^([ \t]*)([A-Z][^:\n]*):([ \t]*)(.*)$")


def parse_lscpu(text: str) -> dict[str, str]:
    """Plain ``lscpu``, flat or the tree layout of util-linux >= 2.37 (sub-fields indented under
    ``Vendor ID:`` and ``Model name:``). In a terminal, lscpu wraps long values (Flags) at the
    screen width, mid-word, continuing at the value's column: a line that starts at or past that
    column is a slice of the value above, any other ``Key:`` line a field of its own. A hybrid
    CPU has one ``Model name:`` section per core type; its cores are summed over the sections
    into ``_cores`` (left out when a section does not say)."""
    out: dict[str, str] = {}
    sections: list[dict[str, str]] = []
    key, col = None, 0
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" \t"))
        if key and line.strip() and indent >= col > 0:
            out[key] += line[col:].rstrip()
            continue
        m = _LSCPU_LINE.match(line)
        if not m or not (m.group(3) or not m.group(4)):
            key = None
            continue
        key, col = m.group(2).strip(), m.end(3) if m.group(4) else 0
        value = m.group(4).rstrip()
        if key == "Model name":
            sections.append({})
        if sections:
            sections[-1].setdefault(key, value)
        out.setdefault(key, value)
    if len(sections) > 1:
        total = 0
        for sec in sections:
            per = to_count(sec.get("Core(s) per socket") or sec.get("Core(s) per cluster"))
            n = (to_count(sec.get("Cluster(s)")) if "Core(s) per socket" not in sec else None) \
                or to_count(sec.get("Socket(s)")) or (1 if per else None)
            if not per or not n:
                total = 0
                break
            total += per * n
        if total:
            out["_cores"] = str(total)
        else:
            out["_cores"] = ""
    return out


_FLAG = re.compile(r"[a-z0-9_.]+")


def normalise_flags(flags: list[str]) -> list[str]:
    aliases = {row["name"]: row["flag"] for row in data.rows("cpu_flag_aliases", "alias")}
    out = set()
    for f in flags:
        f = f.strip().lower()
        if f.startswith("hw.optional."):  # macOS: hw.optional.arm.FEAT_DotProd → dotprod
            f = f.rsplit(".", 1)[-1]
            f = f[5:] if f.startswith("feat_") else f
        f = aliases.get(f, f)
        # A flag is a short lower-case word; anything else (quotes, brackets, dashes, a pasted
        # log line) is not a flag and is dropped rather than published.
        if f and len(f) <= 64 and _FLAG.fullmatch(f):
            out.add(f)
    return sorted(out)


def arm_names(implementer: str | None, part: str | None) -> tuple[str | None, str | None]:
    """Implementer and part codes from /proc/cpuinfo ("0x41", "0xd0c") to names (ARM, Neoverse-N1)."""
    imp, prt = to_hex_int(implementer), to_hex_int(part)
    vendor = model = None
    for row in data.rows("arm_cpu_parts", "implementer"):
        if row["id"] == imp:
            vendor = row["name"]
    for row in data.rows("arm_cpu_parts", "part"):
        if row["implementer"] == imp and row["id"] == prt:
            model = row["name"]
    return vendor, model


def to_hex_int(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(value.strip(), 0)
    except ValueError:
        return None


_X86_VENDORS = {"GenuineIntel": "Intel", "AuthenticAMD": "AMD", "HygonGenuine": "Hygon",
                "CentaurHauls": "Centaur", "  Shanghai  ": "Zhaoxin"}


# The macOS and Windows readers are imported only when their outputs were collected: a live check
# elsewhere never imports them (issue 18).
def _mac_hardware(raw: dict) -> dict:
    if raw.get("hardware") is None and raw.get("hardware_text") is None:
        return {}
    from readiness.probes.apple import hardware

    return hardware(raw)


def _dxdiag_system(raw: dict) -> dict:
    answer = raw.get("dxdiag")
    if answer is None or not answer.text:
        return {}
    from readiness.probes.windows import dxdiag_system

    return dxdiag_system(answer.text)


def _vendor_of_name(model: str) -> str | None:
    """The vendor a model name states ("Apple M3", "AMD Ryzen 9 ...", "Intel(R) Core(TM) ...")."""
    for word, vendor in (("Apple", "Apple"), ("AMD", "AMD"), ("Intel", "Intel"), ("Hygon", "Hygon")):
        if re.search(rf"\b{word}\b", model):
            return vendor
    return None


def _sysctl(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([\w.]+)\s*[:=]\s*(.*)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def parse(raw: dict) -> Result:
    cpu = Draft(CpuFacts)
    uname = raw["uname"].value if raw["uname"].ok else {}
    lscpu: dict[str, str] = {}
    garbled = None
    if raw.get("lscpu_json") is not None and raw["lscpu_json"].text:
        lscpu = parse_lscpu_json(raw["lscpu_json"].text)
        if not lscpu:
            garbled = "lscpu -J printed something that is not lscpu's JSON; the other sources were used"
    if not lscpu and raw.get("lscpu") is not None and raw["lscpu"].text:
        lscpu = parse_lscpu(raw["lscpu"].text)
    info = parse_cpuinfo(raw["cpuinfo"].text) if raw.get("cpuinfo") is not None and raw["cpuinfo"].text else {}
    sysctl = _sysctl(raw["sysctl"].text) if raw.get("sysctl") is not None and raw["sysctl"].text else {}
    win = raw["windows_cpu"].value if raw.get("windows_cpu") is not None and raw["windows_cpu"].ok else {}
    sockets_cim = _cim_cpus(raw["cim"].text) if raw.get("cim") is not None and raw["cim"].text else []
    if sockets_cim:
        win = {"name": str(sockets_cim[0].get("Name") or "").strip() or None, "vendor": sockets_cim[0].get("Manufacturer"),
               "cores": sum(to_count(c.get("NumberOfCores")) or 0 for c in sockets_cim) or None,
               "logical": sum(to_count(c.get("NumberOfLogicalProcessors")) or 0 for c in sockets_cim) or None,
               "max_mhz": to_float(sockets_cim[0].get("MaxClockSpeed"))}

    # Architecture: lscpu knows it; else uname; else the cpuinfo dialect tells.
    machine = raw.get("uname_m")
    machine = machine.text.strip() if machine is not None and machine.text and len(machine.text) < 40 else None
    cpu.arch = normalise_arch(lscpu.get("Architecture") or uname.get("machine") or machine)
    if cpu.arch is None and info:
        if "CPU implementer" in info:
            cpu.arch = "arm64" if info.get("CPU architecture", "").strip() in ("8", "AArch64") else "arm"
        elif "vendor_id" in info and "lm" in info.get("flags", "").split():
            cpu.arch = "x86_64"

    # Vendor and model.
    vendor_id = lscpu.get("Vendor ID") or info.get("vendor_id")
    cpu.vendor = _X86_VENDORS.get(vendor_id or "", vendor_id)
    if cpu.vendor and cpu.vendor.lower().startswith("0x"):
        # util-linux before 2.32 had no name for some ARM implementers and printed the code (#14, b11)
        cpu.vendor = arm_names(cpu.vendor, None)[0] or cpu.vendor
    cpu.model = lscpu.get("Model name") or info.get("model name")
    if "CPU implementer" in info:
        arm_vendor, arm_model = arm_names(info.get("CPU implementer"), info.get("CPU part"))
        cpu.vendor = arm_vendor or cpu.vendor
        if not cpu.model or cpu.model in ("-", "unknown"):
            cpu.model = arm_model
    if cpu.model in ("-", ""):
        cpu.model = None
    if sysctl:
        cpu.model = sysctl.get("machdep.cpu.brand_string") or cpu.model
        cpu.vendor = sysctl.get("machdep.cpu.vendor") or ("Apple" if (cpu.model or "").startswith("Apple") else cpu.vendor)
        cpu.vendor = _X86_VENDORS.get(cpu.vendor or "", cpu.vendor)
    if win:
        cpu.model = win.get("name") or cpu.model
        cpu.vendor = _X86_VENDORS.get(win.get("vendor") or "", win.get("vendor")) or cpu.vendor
    mac = _mac_hardware(raw)
    dx = _dxdiag_system(raw)
    cpu.model = cpu.model or mac.get("chip") or dx.get("processor")
    if cpu.vendor is None and cpu.model:
        cpu.vendor = _vendor_of_name(cpu.model)

    # Counts: psutil first (it sees cgroup-less totals the same way everywhere), then the tools.
    count = raw["count"].value if raw["count"].ok else {}
    # the FreeBSD port of lscpu prints "Total CPU(s):" where util-linux prints "CPU(s):"
    cpu.logical_cpus = count.get("logical") or to_count(lscpu.get("CPU(s)") or lscpu.get("Total CPU(s)")) \
        or to_count(sysctl.get("hw.logicalcpu")) or (to_count(info.get("_processors")) or None) or win.get("logical")
    per_socket = to_count(lscpu.get("Core(s) per socket") or lscpu.get("Core(s) per cluster"))
    # ARM boards count clusters, not sockets, and print "Socket(s): -"
    sockets = (to_count(lscpu.get("Cluster(s)")) if "Core(s) per socket" not in lscpu else None) \
        or to_count(lscpu.get("Socket(s)")) or (1 if per_socket else None)
    lscpu_cores = per_socket * sockets if per_socket and sockets else None
    if "_cores" in lscpu:  # hybrid: summed over the core types, or unknown when one was cut off
        lscpu_cores = to_count(lscpu["_cores"])
    cpu.physical_cores = count.get("physical") or lscpu_cores \
        or to_count(sysctl.get("hw.physicalcpu")) or to_count(info.get("_cores")) or win.get("cores") or mac.get("cores")
    cpu.logical_cpus = cpu.logical_cpus or to_count(sysctl.get("hw.ncpu")) or dx.get("logical")
    cpu.physical_cores = cpu.physical_cores or to_count(sysctl.get("machdep.cpu.core_count"))
    cpu.logical_cpus = cpu.logical_cpus or to_count(sysctl.get("machdep.cpu.thread_count"))

    # Maximum clock.
    max_mhz = to_float(lscpu.get("CPU max MHz"))
    if not max_mhz and raw.get("max_freq_khz") is not None and raw["max_freq_khz"].text:
        max_mhz = (to_float(raw["max_freq_khz"].text) or 0) / 1000 or None
    if not max_mhz and sysctl.get("hw.cpufrequency_max"):
        max_mhz = (to_float(sysctl["hw.cpufrequency_max"]) or 0) / 1e6 or None
    freq = raw["freq"].value if raw["freq"].ok else None
    if not max_mhz and freq and freq.get("max"):
        max_mhz = float(freq["max"])
    max_mhz = max_mhz or win.get("max_mhz")
    cpu.max_mhz = round(max_mhz, 1) if max_mhz else None

    # Flags: x86 "flags", ARM "Features", lscpu "Flags", macOS sysctl names.
    flags_text = lscpu.get("Flags") or info.get("flags") or info.get("Features")
    if flags_text is not None:
        cpu.flags = normalise_flags(flags_text.split())
    elif sysctl:
        names = (sysctl.get("machdep.cpu.features", "") + " " + sysctl.get("machdep.cpu.leaf7_features", "")).split()
        names += [k for k, v in sysctl.items() if k.startswith("hw.optional.") and v.strip() == "1"]
        cpu.flags = normalise_flags(names)

    if not any([cpu.model, cpu.logical_cpus, cpu.flags]):
        return Result({"cpu": cpu.build()}, "absent", "no CPU information could be read")
    late = timed_out(raw)
    if late:
        return Result({"cpu": cpu.build()}, "timeout", "; ".join(late))
    reason = None if cpu.flags is not None else "instruction-set flags are not available from this source"
    reason = "; ".join(r for r in (garbled, reason) if r) or None
    return Result({"cpu": cpu.build()}, "ok", reason)
