"""Bench results -> the figures the estimators use for this machine, or the reason they aren't used.

`for_check` picks this machine's last result from the cache and drops the parts that are stale
(another CPU, another torch, another GPU driver); `to_hardware` puts what is left into a
``Hardware`` (readiness.workloads.hardware), with an assumption line for each figure replaced.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from readiness.bench import cache, identity
from readiness.bench.results import median


@dataclass
class Loaded:
    """The bench figures a check uses for this machine, and why others were not used."""

    measured: dict | None = None  # what hardware.from_facts(measured=...) takes
    notes: list[str] = field(default_factory=list)  # why something was not used, in words


def _date(result: dict) -> str:
    return str(result.get("measured_at") or "")[:10] or "an unknown date"


def _torch_changed(result: dict, facts: dict) -> str | None:
    then = (result.get("torch") or {}).get("version")
    now = ((facts.get("stack") or {}).get("torch") or {}).get("version")
    if then and now and then != now:
        return f"torch changed ({then} then, {now} now)"
    return None


def select(result: dict, facts: dict) -> Loaded:
    """The usable parts of one bench result for these facts. Pure."""
    out = Loaded()
    date = _date(result)
    measured: dict = {"date": date, "gpus": {}}
    cpu = result.get("cpu") or {}
    ram = median((cpu.get("ram") or {}).get("read_gbps"))
    model_now = (facts.get("cpu") or {}).get("model")
    uses_torch = bool((cpu.get("matmul") or {}).get("fp32"))
    stale = None
    if cpu.get("model") and model_now and cpu["model"] != model_now:
        stale = f"the CPU changed ({cpu['model']} then, {model_now} now)"
    elif uses_torch:
        stale = _torch_changed(result, facts)
    if stale and (ram or uses_torch):
        out.notes.append(f"bench result of {date} for the CPU not used: {stale}; run `readiness bench` again")
    elif ram:
        measured["ram_bandwidth_gbps"] = ram
        measured["ram_method"] = cpu.get("ram_method")
        measured["cpu_tflops"] = median((cpu.get("matmul") or {}).get("fp32"))
        measured["cpu_threads"] = cpu.get("threads")
    for i, g in enumerate(result.get("gpus") or []):
        if "error" in g:
            continue
        fact = identity.gpu_fact(facts, g.get("name"), i)
        name = (fact or {}).get("name") or g.get("name")
        then, now = g.get("driver_version"), (fact or {}).get("driver_version")
        why = None
        if fact is None:
            why = "that GPU is not seen now"
        elif then and now and then != now:
            why = f"the driver changed ({then} then, {now} now)"
        else:
            why = _torch_changed(result, facts)
        if why:
            out.notes.append(f"bench result of {date} for {name} not used: {why}; run `readiness bench` again")
            continue
        mm = g.get("matmul") or {}
        measured["gpus"][identity.norm_name(name)] = {
            "name": name, "bandwidth_gbps": median((g.get("memory") or {}).get("read_gbps")),
            "fp16_tflops": median(mm.get("fp16")) or median(mm.get("bf16")),
            "h2d_gbps": median((g.get("transfer") or {}).get("h2d_gbps"))}
    if "ram_bandwidth_gbps" in measured or measured["gpus"]:
        out.measured = measured
    return out


def for_check(host, facts: dict) -> Loaded:
    """This machine's bench result from the cache, reduced to what is still valid."""
    store, problem = cache.load()
    if problem:
        return Loaded(notes=[problem])
    machines = store.get("machines") or {}
    if not machines:
        return Loaded()
    me = identity.machine(host, facts)["id"]
    result = machines.get(me)
    if result is None:
        return Loaded(notes=[f"bench results in {cache.path()} are from another machine; not used "
                             "(run `readiness bench` here)"])
    return select(result, facts)


def _cpu_backend() -> dict:
    from readiness.workloads import catalogue

    return catalogue.backends()["cpu"]


def to_hardware(hw, measured: dict) -> None:
    """Replace the catalogue's figures in ``hw`` by the measured ones, saying so in its assumptions.

    RAM: llama.cpp's decode reaches a share of a measured read (``measured_bandwidth_efficiency``
    in backends.toml, fitted by benchmarks/bench_validation.py), not the share of a datasheet peak
    that ``bandwidth_efficiency`` is. The estimators apply the latter, so the measured figure enters
    scaled by the ratio of the two, and the assumption shows both numbers."""
    date = measured.get("date")
    ram = measured.get("ram_bandwidth_gbps")
    if ram and not (hw.gpus and hw.gpus[0].unified):
        backend = _cpu_backend()
        peak_eff = float(backend["bandwidth_efficiency"])
        meas_eff = float(backend.get("measured_bandwidth_efficiency") or peak_eff)
        hw.assumptions[:] = [a for a in hw.assumptions if not a.startswith("RAM bandwidth")]
        hw.cpu_bandwidth_gbps = ram * meas_eff / peak_eff
        hw.assumptions.append(
            f"RAM bandwidth {ram:.1f} GB/s measured here on {date} ({measured.get('ram_method') or 'bench'}); "
            f"llama.cpp reaches about {meas_eff:.0%} of a measured read (benchmarks/bench_validation.py)")
    tflops = measured.get("cpu_tflops")
    if tflops:
        hw.cpu_tflops = tflops
        hw.assumptions.append(f"CPU FP32 matrix throughput {tflops:.2f} TFLOPS measured here on {date} "
                              f"({measured.get('cpu_threads') or '?'} threads)")
    for dev in hw.gpus:
        m = (measured.get("gpus") or {}).get(identity.norm_name(dev.name))
        if not m:
            continue
        if m.get("bandwidth_gbps"):
            dev.bandwidth_gbps = m["bandwidth_gbps"]
            hw.assumptions.append(f"{dev.name}: memory bandwidth {m['bandwidth_gbps']:.0f} GB/s measured here "
                                  f"on {date}")
        if m.get("fp16_tflops"):
            dev.fp16_tflops = m["fp16_tflops"]
            hw.assumptions.append(f"{dev.name}: FP16 matrix throughput {m['fp16_tflops']:.0f} TFLOPS measured here "
                                  f"on {date}")
        if dev.unified and m.get("bandwidth_gbps"):
            hw.cpu_bandwidth_gbps = m["bandwidth_gbps"]
