"""What would fit, or run faster, when a workload does not run well: the best quantization that fits,
a quantized KV cache, a shorter context, CPU/RAM offload, a second identical card. Each alternative
is judged by the same engine as the verdict, so it carries its own verdict, speed and memory.
The cheapest purchase and rental that run it well come from the cost engine (costs/advisor.py,
``shopping``), which is added beside these by the caller. docs/workloads.md, "Alternatives".
"""

from __future__ import annotations

from dataclasses import replace

from readiness.workloads import catalogue
from readiness.workloads.hardware import Hardware

MIN_BITS = 2.0  # below 2 bits per weight (IQ1_*) output quality collapses; never offered
MIN_CONTEXT = 2048
TYPICAL_RAM_GIB = 64  # a what-if machine with no RAM given: a common desktop with 64 GiB
FITS = ("gpu", "multi-gpu")


def _entry(kind: str, change: str, result: dict, **extra) -> dict:
    speed = result.get("speed") or {}
    return {"kind": kind, "change": change, "verdict": result["verdict"], "placement": result["placement"],
            "memory_required_mib": result["memory_required_mib"],
            "speed": {"value": speed.get("value"), "unit": speed.get("unit")}, **extra}


def _judge(workload: dict, model: dict, quant: dict, hw: Hardware, **changes) -> dict:
    from readiness.workloads import single

    return single.evaluate_llm({**workload, **changes}, model, quant, hw)


def _fits(result: dict, hw: Hardware) -> bool:
    return result["placement"] in (FITS if hw.gpus else ("cpu",))


def _best_quant(workload: dict, model: dict, quant: dict, hw: Hardware) -> dict | None:
    """The highest-bit GGUF quantization below the current one that runs well, else the highest that fits."""
    lower = sorted((q for q in catalogue.quants().values()
                    if q["kind"] == "gguf" and MIN_BITS <= float(q["bits"]) < float(quant["bits"])),
                   key=lambda q: -float(q["bits"]))
    fitting = None
    for q in lower:
        r = _judge(workload, model, q, hw)
        if r["verdict"] == "runs well":
            return _entry("quant", f"{q['id'].upper()} ({q['bits']:g} bits per weight) instead of "
                                   f"{quant['id'].upper()}", r, quant=q["id"])
        if fitting is None and _fits(r, hw):
            fitting = _entry("quant", f"{q['id'].upper()} ({q['bits']:g} bits per weight) instead of "
                                      f"{quant['id'].upper()}", r, quant=q["id"])
    return fitting


def _kv_cache(workload: dict, model: dict, quant: dict, hw: Hardware) -> dict | None:
    current = str(workload.get("kv_cache", "f16"))
    for kv in ("q8_0", "q4_0"):
        if kv == current:
            continue
        r = _judge(workload, model, quant, hw, kv_cache=kv)
        if _fits(r, hw):
            return _entry("kv_cache", f"{kv} KV cache instead of {current} (llama.cpp --cache-type-k/-v {kv})", r,
                          kv_cache=kv)
    return None


def _context(workload: dict, model: dict, quant: dict, hw: Hardware) -> dict | None:
    context = int(workload.get("context", 4096)) // 2
    while context >= MIN_CONTEXT:
        r = _judge(workload, model, quant, hw, context=context)
        if _fits(r, hw):
            return _entry("context", f"a {context:,}-token context instead of {int(workload.get('context', 4096)):,}",
                          r, context=context)
        context //= 2
    return None


def _offload(workload: dict, model: dict, quant: dict, hw: Hardware, base: dict) -> dict | None:
    if not hw.gpus or base["placement"] == "offload" or any(g.unified for g in hw.gpus):
        return None
    machine, said = hw, "this machine's RAM"
    if hw.ram_available_mib is None:
        ram = TYPICAL_RAM_GIB * 1024
        machine = replace(hw, ram_total_mib=ram, ram_available_mib=ram * 0.9)
        said = f"{TYPICAL_RAM_GIB} GiB of RAM (assumed: a typical desktop; the RAM size is not known)"
    r = _judge(workload, model, quant, machine)
    if r["placement"] != "offload":
        return None
    return _entry("offload", f"CPU/RAM offload with {said}: {r['gpu_layers']} of {model['layers']} layers on the GPU",
                  r, ram_gib=round(machine.ram_available_mib / 1024, 1))


def _second_card(workload: dict, model: dict, quant: dict, hw: Hardware) -> dict | None:
    if not hw.gpus or any(g.unified or g.integrated for g in hw.gpus):
        return None
    more = replace(hw, gpus=[*hw.gpus, hw.gpus[0]])
    r = _judge(workload, model, quant, more)
    if not _fits(r, more):
        return None
    return _entry("add_gpu", f"a second {hw.gpus[0].name} ({len(more.gpus)} in all)", r, gpus=len(more.gpus))


def for_llm(workload: dict, model: dict, quant: dict, hw: Hardware, base: dict) -> list[dict]:
    best = _best_quant(workload, model, quant, hw)
    if best and _fits(base, hw) and best["verdict"] != "runs well":
        best = None  # it already fits: a smaller quant is worth naming only if it then runs well
    out = [best]
    if not _fits(base, hw):
        out += [_kv_cache(workload, model, quant, hw), _context(workload, model, quant, hw),
                _offload(workload, model, quant, hw, base)]
        # Only when it does not fit: layers split across cards run one after another (llama.cpp's
        # default), so a second card adds memory, not speed.
        out.append(_second_card(workload, model, quant, hw))
    return [a for a in out if a]


def for_compute(workload: dict, hw: Hardware, base: dict) -> list[dict]:
    """Image, speech, embedding and training work: only more of the same card changes the memory."""
    from readiness.workloads import single

    if base["placement"] != "none" or not hw.gpus or any(g.unified or g.integrated for g in hw.gpus):
        return []
    more = replace(hw, gpus=[*hw.gpus, hw.gpus[0]])
    r = single.evaluate_compute(workload, more)
    if r["placement"] == "none":
        return []
    return [_entry("add_gpu", f"a second {hw.gpus[0].name} ({len(more.gpus)} in all)", r, gpus=len(more.gpus))]
