"""NVIDIA GPUs exactly as the driver sees them: NVML first, nvidia-smi when NVML can't be used.

Also the signs of a GPU the driver can't see: the kernel module's own version file,
the device nodes a container needs, and WSL's driver library.
"""

from __future__ import annotations

from dataclasses import replace

from readiness.facts import Draft, Gpu, GpuProcess, MigDevice
from readiness.host.base import cmd_key
from readiness.probes.base import Result
from readiness.probes import nvidia_smi
from readiness.probes.util import bus_id, timed_out

NAME = "nvidia"

# nvidia-smi invocations, richest first. --from maps any recognised output onto these keys.
SMI_COMMANDS = {
    "xml": ["nvidia-smi", "-q", "-x"],
    "query": ["nvidia-smi", "-q"],
    "csv": ["nvidia-smi", f"--query-gpu={','.join(nvidia_smi.QUERY_FIELDS)}", "--format=csv"],
    "table": ["nvidia-smi"],
    "list": ["nvidia-smi", "-L"],
}
WSL_SMI = "/usr/lib/wsl/lib/nvidia-smi"


def _detector(fmt: str):
    return lambda text: nvidia_smi.detect(text) == fmt


FORMATS = [(cmd_key(argv), _detector(fmt)) for fmt, argv in SMI_COMMANDS.items()]


def split_list_and_csv(text: str) -> dict[str, str] | None:
    """``nvidia-smi -L`` and a ``--query-gpu`` CSV pasted together without prompts: the -L lines
    would make the whole paste a listing and lose the CSV's columns (memory), so each part answers
    its own question; the two are joined by GPU index when read."""
    lines = text.split("\n")
    listed = [i for i, ln in enumerate(lines) if nvidia_smi.listing._LIST_GPU_RE.match(ln)]
    head = next((i for i, ln in enumerate(lines) if nvidia_smi.csv._csv_header_fields(ln) is not None), None)
    if not listed or head is None or head < listed[-1]:
        return None
    csv_part, list_part = "\n".join(lines[head:]), "\n".join(lines[:head])
    if nvidia_smi.detect(csv_part) != "csv" or nvidia_smi.detect(list_part) != "list":
        return None
    return {cmd_key(SMI_COMMANDS["list"]): list_part, cmd_key(SMI_COMMANDS["csv"]): csv_part}


SPLITTERS = [split_list_and_csv]


def collect(host) -> dict:
    raw: dict = {"system": host.system, "nvml": host.call("nvml")}
    if host.system in ("linux", None):
        raw["proc_version"] = host.read_file("/proc/driver/nvidia/version")
        raw["dev"] = host.list_dir("/dev")
        raw["wsl_dir"] = host.list_dir("/usr/lib/wsl/lib")
    if raw["nvml"].ok and raw["nvml"].value.get("status") == "ok":
        if host.options.get("processes"):
            pids = {p["pid"] for d in raw["nvml"].value.get("devices", [])
                    for kind in ("compute_processes", "graphics_processes")
                    for p in (d.get(kind) or {}).get("v", {}).get("list", [])}
            raw["process_info"] = {pid: host.call("process", pid) for pid in sorted(pids)}
        return raw
    # NVML could not be used: nvidia-smi may still answer (it has its own copy of the logic on
    # Windows, and on WSL it lives outside PATH), and --from files arrive this way.
    for fmt, argv in SMI_COMMANDS.items():
        answer = host.run(argv)
        if not answer.ok and raw.get("wsl_dir") is not None and raw["wsl_dir"].ok \
                and "nvidia-smi" in raw["wsl_dir"].value and fmt == "xml":
            answer = host.run([WSL_SMI, *argv[1:]])
        if fmt == "csv" and answer.status == "error":
            # Drivers before about r510 reject compute_cap and fail the whole query
            # (huggingface/candle#733, driver 470): ask again without it.
            fields = [f for f in nvidia_smi.QUERY_FIELDS if f != "compute_cap"]
            answer = host.run(["nvidia-smi", f"--query-gpu={','.join(fields)}", "--format=csv"])
        raw["smi"] = (fmt, answer)
        if answer.ok:
            if fmt in ("table", "csv"):
                # a table cut short, or a CSV without uuids: -L lists every GPU with its uuid
                raw["smi_list"] = host.run(SMI_COMMANDS["list"])
            break
        if answer.status == "absent" and "not found on PATH" in (answer.reason or ""):
            break  # no nvidia-smi at all: the other invocations can't work either
    return raw


# -- pure parsing -------------------------------------------------------------

def cuda_version(number: int | None) -> str | None:
    """NVML's 12040 → "12.4"."""
    if not number:
        return None
    return f"{number // 1000}.{(number % 1000) // 10}"


def bandwidth_gbps(mem_clock_mhz: int | None, bus_width_bits: int | None) -> float | None:
    """Peak memory bandwidth from NVML's maximum memory clock and bus width.

    NVML reports the memory clock at half the data rate for both GDDR and HBM (an RTX 4090
    says 10501 MHz for 21 Gbps GDDR6X; an H100 SXM says 2619 MHz for HBM3), so the
    transfers per second are twice the clock: 10501e6 × 2 × 384 / 8 = 1008 GB/s.
    """
    if not mem_clock_mhz or not bus_width_bits:
        return None
    return round(mem_clock_mhz * 1e6 * 2 * bus_width_bits / 8 / 1e9, 1)


def _v(metric: dict | None):
    return None if not metric or "err" in metric else metric["v"]


def gpu_from_nvml(d: dict, driver: str | None) -> Gpu:
    gpu = Draft(Gpu, index=d["index"], vendor="nvidia", source="nvml", driver_version=driver, kernel_driver=None)
    if d.get("error"):
        gpu.status, gpu.status_reason = "error", d["error"]["reason"]
        return gpu.build()
    unavailable: dict[str, str] = {}

    def take(field: str, metric_name: str, convert=lambda x: x):
        metric = d.get(metric_name)
        if metric is None:
            return None
        if "err" in metric:
            unavailable[field] = metric["reason"]
            return None
        return convert(metric["v"])

    gpu.name = take("name", "name")
    gpu.uuid = take("uuid", "uuid")
    pci = take("pci_bus_id", "pci")
    if pci:
        gpu.pci_bus_id = bus_id(pci["bus_id"])
        gpu.pci_vendor_id = f"0x{pci['pci_device_id'] & 0xFFFF:04x}"
        gpu.pci_device_id = f"0x{pci['pci_device_id'] >> 16:04x}"
    cc = take("compute_capability", "compute_capability")
    if cc:
        gpu.compute_capability = f"{cc[0]}.{cc[1]}"
    mem = take("memory_total_mib", "memory")
    if mem:
        gpu.memory_total_mib = mem["total"] // 2**20
        gpu.memory_free_mib = mem["free"] // 2**20
        gpu.memory_used_mib = mem["used"] // 2**20
    else:
        for f in ("memory_free_mib", "memory_used_mib"):
            unavailable[f] = unavailable["memory_total_mib"]
    gpu.power_limit_w = take("power_limit_w", "power_limit_mw", lambda mw: mw / 1000)
    gpu.power_default_limit_w = take("power_default_limit_w", "power_default_limit_mw", lambda mw: mw / 1000)
    gpu.max_sm_clock_mhz = take("max_sm_clock_mhz", "max_sm_clock_mhz")
    gpu.max_memory_clock_mhz = take("max_memory_clock_mhz", "max_memory_clock_mhz")
    gpu.memory_bus_width_bits = take("memory_bus_width_bits", "memory_bus_width_bits")
    gpu.memory_bandwidth_gbps = bandwidth_gbps(gpu.max_memory_clock_mhz, gpu.memory_bus_width_bits)
    if gpu.memory_bandwidth_gbps is None:
        unavailable["memory_bandwidth_gbps"] = "needs the maximum memory clock and the bus width"
    gpu.pcie_generation = take("pcie_generation", "pcie_generation")
    gpu.pcie_width = take("pcie_width", "pcie_width")
    gpu.pcie_generation_max = take("pcie_generation_max", "pcie_generation_max")
    gpu.pcie_width_max = take("pcie_width_max", "pcie_width_max")
    mig = take("mig_mode", "mig_mode")
    gpu.mig_mode = None if mig is None else bool(mig[0])
    for m in d.get("mig_devices", []):
        mm = _v(m["memory"])
        gpu.mig_devices.append(MigDevice(name=_v(m["name"]), memory_total_mib=mm["total"] // 2**20 if mm else None,
                                         gpu_instance_id=_v(m["gpu_instance_id"]),
                                         compute_instance_id=_v(m["compute_instance_id"])))
    persistence = take("persistence_mode", "persistence_mode")
    gpu.persistence_mode = None if persistence is None else bool(persistence)
    ecc = take("ecc_mode", "ecc_mode")
    gpu.ecc_mode = None if ecc is None else bool(ecc[0])
    gpu.ecc_errors_uncorrected = take("ecc_errors_uncorrected", "ecc_errors_uncorrected") if gpu.ecc_mode else None
    from readiness.host.nvml import DRIVER_MODELS, VIRTUALIZATION_MODES

    virt = take("virtualization_mode", "virtualization_mode")
    gpu.virtualization_mode = None if virt is None else VIRTUALIZATION_MODES.get(virt, str(virt))
    display = take("display_attached", "display_active")
    gpu.display_attached = None if display is None else bool(display)
    model = take("driver_model", "driver_model")
    gpu.driver_model = None if model is None else DRIVER_MODELS.get(model[0], str(model[0]))
    unavailable.pop("driver_model", None)  # a Windows-only notion; not worth a reason on Linux
    compute, graphics = _v(d.get("compute_processes")), _v(d.get("graphics_processes"))
    if compute is not None:  # without the compute list the count would be a guess
        procs = [p for p in (compute, graphics) if p is not None]
        gpu.processes_count = sum(p["count"] for p in procs)
        mems = [p["memory_bytes"] for p in procs]
        gpu.processes_memory_mib = sum(mems) // 2**20 if all(m is not None for m in mems) else None
    else:
        unavailable["processes_count"] = d["compute_processes"]["reason"]
    links = take("nvlink_active_links", "nvlink_states")
    gpu.nvlink_active_links = None if links is None else sum(1 for s in links if s == 1)
    gpu.unavailable = unavailable
    return gpu.build()


def process_list(device: dict, info: dict) -> list[GpuProcess]:
    out = []
    for kind in ("compute_processes", "graphics_processes"):
        for p in (_v(device.get(kind)) or {}).get("list", []):
            answer = info.get(p["pid"])
            detail = answer.value if answer is not None and answer.ok else {}
            out.append(GpuProcess(pid=p["pid"], name=detail.get("name"),
                                  command=" ".join(detail["cmdline"]) if detail.get("cmdline") else None,
                                  memory_used_mib=p["memory_bytes"] // 2**20 if p["memory_bytes"] is not None else None))
    return out


def gpu_from_smi(g: dict, driver: str | None, fmt: str) -> Gpu:
    gpu = Draft(Gpu, index=g["index"], vendor="nvidia", source="nvidia-smi", driver_version=driver)
    for name in ("name", "uuid", "memory_total_mib", "memory_free_mib", "memory_used_mib", "compute_capability",
                 "power_limit_w", "power_default_limit_w", "max_sm_clock_mhz", "max_memory_clock_mhz",
                 "memory_bus_width_bits", "pcie_generation", "pcie_width", "pcie_generation_max", "pcie_width_max",
                 "mig_mode", "persistence_mode", "ecc_mode", "virtualization_mode", "display_attached",
                 "driver_model", "processes_count", "processes_memory_mib", "architecture", "pci_vendor_id",
                 "pci_device_id"):
        setattr(gpu, name, g.get(name))
    gpu.ecc_errors_uncorrected = g.get("ecc_errors_uncorrected") if gpu.ecc_mode else None
    gpu.pci_bus_id = bus_id(g.get("pci_bus_id"))
    gpu.mig_devices = [MigDevice(**m) for m in g.get("mig_devices") or []]
    gpu.memory_bandwidth_gbps = bandwidth_gbps(gpu.max_memory_clock_mhz, gpu.memory_bus_width_bits)
    if gpu.memory_total_mib is not None and gpu.memory_used_mib is not None and gpu.memory_free_mib is None \
            and gpu.memory_used_mib <= gpu.memory_total_mib:  # more used than there is: unknown, not negative (#19)
        gpu.memory_free_mib = gpu.memory_total_mib - gpu.memory_used_mib
    gpu.unavailable = {f: f"not in the nvidia-smi {fmt} output" for f in ("compute_capability", "memory_bandwidth_gbps")
                       if getattr(gpu, f) is None}
    return gpu.build()


def _add_listed(gpus: list[Gpu], listing, driver: str | None) -> None:
    """``nvidia-smi -L`` next to a table or CSV of the same machine: the same GPUs by index.
    It adds the uuids the table lacks, and the GPUs a table cut short no longer shows."""
    if listing is None or not listing.ok or nvidia_smi.detect(listing.text or "") != "list":
        return
    at = {g.index: i for i, g in enumerate(gpus)}
    for g in nvidia_smi.parse_list(listing.text or "")["gpus"]:
        i = at.get(g["index"])
        known = None if i is None else gpus[i]
        if known is None:
            gpus.append(gpu_from_smi(g, driver, "list"))
        elif known.name is None or known.name.endswith("...") or known.name == g["name"]:
            # the table truncates long names; -L prints them whole
            gpus[i] = replace(known, name=g["name"], uuid=known.uuid or g["uuid"])


def _nvml_failure(raw: dict) -> str:
    nvml = raw["nvml"]
    if not nvml.ok:
        return nvml.reason or "NVML could not be queried"
    init = nvml.value.get("init", {})
    return init.get("reason") or "NVML could not be initialised"


def stack_summary(raw: dict) -> dict:
    """What the NVIDIA user-space stack looks like, for the rules: NVML's state, /dev nodes, WSL's libcuda."""
    nvml = raw["nvml"].value if raw["nvml"].ok else None
    state = "ok" if nvml and nvml.get("status") == "ok" else (
        (nvml or {}).get("init", {}).get("err") or ("absent" if not raw["nvml"].ok else "error"))
    dev = raw.get("dev")
    nodes = sorted(n for n in dev.value if n.startswith("nvidia")) if dev is not None and dev.ok else None
    wsl = raw.get("wsl_dir")
    wsl_libcuda = any(n.startswith("libcuda") for n in wsl.value) if wsl is not None and wsl.ok else None
    return {"nvml": state, "nvml_reason": None if state == "ok" else _nvml_failure(raw), "device_nodes": nodes,
            "wsl_libcuda": wsl_libcuda}


def parse(raw: dict) -> Result:
    result = _parse(raw)
    result.facts["nvidia_stack"] = stack_summary(raw)
    return result


def _parse(raw: dict) -> Result:
    facts: dict = {"gpus": []}
    nvml = raw["nvml"].value if raw["nvml"].ok else None
    if nvml and nvml.get("status") == "ok":
        driver = _v(nvml.get("driver_version"))
        facts["cuda_driver_version"] = cuda_version(_v(nvml.get("cuda_driver_version")))
        facts["gpus"] = [gpu_from_nvml(d, driver) for d in nvml.get("devices", [])]
        if "process_info" in raw:
            facts["gpus"] = [replace(gpu, processes=process_list(d, raw["process_info"]))
                             for gpu, d in zip(facts["gpus"], nvml.get("devices", []))]
        if not facts["gpus"]:
            return Result(facts, "absent", "NVML works, but it sees no NVIDIA device")
        return Result(facts)

    why = _nvml_failure(raw)
    smi = raw.get("smi")
    if smi is not None and smi[1].ok:
        fmt, answer = smi
        try:
            parsed = nvidia_smi.parse(answer.text or "")
        except ValueError as e:
            return Result(facts, "error", f"nvidia-smi output could not be read: {e}")
        facts["cuda_driver_version"] = parsed.get("cuda_driver_version")
        facts["gpus"] = [gpu_from_smi(g, parsed.get("driver_version"), fmt) for g in parsed["gpus"]]
        _add_listed(facts["gpus"], raw.get("smi_list"), parsed.get("driver_version"))
        note = f"from nvidia-smi ({' '.join(SMI_COMMANDS[fmt][1:]) or 'table'}); NVML: {why}"
        return Result(facts, "ok", note)
    late = timed_out({"nvidia-smi": smi[1]} if smi else {})
    if late:
        return Result(facts, "timeout", f"{'; '.join(late)}; NVML: {why}")
    # Nothing answered. Say why in plain words, using what else the machine shows.
    proc_version = raw.get("proc_version")
    if proc_version is not None and proc_version.text and "err" in (nvml or {}).get("init", {}):
        return Result(facts, "error", f"the NVIDIA kernel driver is loaded but NVML failed: {why}")
    if raw.get("wsl_dir") is not None and raw["wsl_dir"].ok and not any(
            n.startswith("libcuda") for n in raw["wsl_dir"].value):
        return Result(facts, "absent", f"WSL without GPU passthrough (no libcuda in /usr/lib/wsl/lib); NVML: {why}")
    return Result(facts, "absent", why)
