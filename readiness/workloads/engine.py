"""Judge workloads on a machine: each verdict from single.py, what would fit or run faster from
alternatives.py, and unknown kept unknown."""

from __future__ import annotations

from typing import Any

from readiness.workloads import alternatives, catalogue
from readiness.workloads.hardware import Hardware
from readiness.workloads.single import VERDICTS, evaluate_compute, evaluate_llm, gib  # noqa: F401 - the engine's API


def evaluate(workload: dict, hw: Hardware, alternatives_too: bool = False, lean: bool = False) -> dict[str, Any]:
    """One workload on one machine; ``alternatives_too`` adds what would fit or run faster
    (alternatives.py) when it does not run well. ``lean``: an LLM's verdict, placement, memory and
    decode speed only (the cost engine weighs hundreds of options and reads nothing else)."""
    if workload["kind"] == "llm-inference":
        model = workload.get("_model") or catalogue.find_model(workload["model"])
        # A model read from its own files brings its measured quantization (readiness/models).
        quant = workload.get("_quant") or catalogue.find_quant(str(workload.get("quant") or catalogue.default_quant(model)))
        result = evaluate_llm(workload, model, quant, hw, lean=lean and not alternatives_too)
        if alternatives_too and result["verdict"] != "runs well":
            result["alternatives"] = alternatives.for_llm(workload, model, quant, hw, result)
    else:
        result = evaluate_compute(workload, hw)
        if alternatives_too and result["verdict"] != "runs well":
            result["alternatives"] = alternatives.for_compute(workload, hw, result)
    return {"id": workload["id"], "name": workload["name"], **_unknown_stays_unknown(result, hw)}


def _unknown_stays_unknown(result: dict, hw: Hardware) -> dict:
    """A verdict that depends on a fact that could not be read is "unknown", with what was missing;
    never "does not fit". RAM matters only to work that did not fit on the GPUs."""
    if result["verdict"] in ("runs well", "unknown") or not hw.unknown:
        return result
    needed = [u for u in hw.unknown if not u.startswith("RAM") or result["placement"] not in ("gpu", "multi-gpu")]
    if not needed:
        return result
    return {**result, "verdict": "unknown", "placement": "unknown",
            "why": f"could not judge: {'; '.join(needed)}. With what could be read: {result['verdict']} "
                   f"({result['why']})",
            "unknown": needed}


def verdicts(facts: dict, workloads: list[dict], headline_only: bool = True, measured: dict | None = None,
             backend: str | None = None) -> list[dict]:
    """``backend``: the runtime to judge for (cuda, rocm, vulkan, sycl, metal, cpu); None = each vendor's usual.
    ``measured``: this machine's `readiness bench` figures."""
    from readiness.workloads import hardware

    hw = hardware.from_facts(facts, measured, backend=backend)
    return [evaluate(w, hw, alternatives_too=True) for w in chosen(workloads, headline_only)]


def chosen(workloads: list[dict], headline_only: bool = True) -> list[dict]:
    """The workloads ``verdicts`` judges, in its order: known before any fact is."""
    return [w for w in workloads if w.get("headline") or not headline_only]
