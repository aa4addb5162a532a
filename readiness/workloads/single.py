"""One workload on one machine: place it, estimate its speed, word the verdict (engine.py
dispatches, adds alternatives and judges many; alternatives.py asks this module "what if")."""

from __future__ import annotations

from typing import Any

from readiness.workloads import catalogue, images, llm, speed, training
from readiness.workloads.hardware import Hardware

MIB = 2**20
VERDICTS = ("runs well", "runs slowly", "runs with offload", "does not fit", "unknown")
# How far off a non-LLM estimate can be: no held-out measurements size it yet (docs/workloads.md).
RANGE = {"other": 0.5}


def gib(mib: float | None) -> str:
    return "?" if mib is None else f"{mib / 1024:.1f} GiB"


def _machine_memory(hw: Hardware) -> str:
    parts = []
    if hw.gpus:
        kind = "unified memory for the GPU" if hw.gpus[0].unified else "VRAM"
        parts.append(f"{gib(sum(g.memory_mib for g in hw.gpus))} {kind}"
                     + (f" on {len(hw.gpus)} GPUs" if len(hw.gpus) > 1 else ""))
    if hw.ram_available_mib is not None and not (hw.gpus and hw.gpus[0].unified):
        parts.append(f"{gib(hw.ram_available_mib)} free RAM")
    return " + ".join(parts) if parts else "no usable memory information"


def _round(value: float) -> float:
    """Two decimals, or three significant figures below 1: a CPU's SDXL at 0.0096 images/min was
    shown as 0.01 (100 minutes an image, not 104) and FLUX's 0.0031 as 0.0."""
    return round(value, 2) if abs(value) >= 1 else float(f"{value:.3g}")


def _range(value: float | None, key: str) -> list[float] | None:
    if value is None:
        return None
    r = RANGE[key]
    return [_round(value * (1 - r)), _round(value * (1 + r))]


def _llm_range(value: float | None, phase: str, group: dict | None, notes: list[str]) -> list[float] | None:
    """The range that held ~80% of held-out measurements of this estimate's group (efficiency.toml)."""
    if value is None or group is None:
        return None
    f = speed.range_factors(phase, group["backend"], group["generation"], group["moe"])
    kind = "MoE" if group["moe"] else "dense"
    if f["thin"]:
        notes.append(f"{phase} range: few measurements of {group['backend']} × {group['generation']} × {kind}; "
                     f"the range of the wider group '{f['group']}' ({f['rows']} held-out rows) is used")
    else:
        notes.append(f"{phase} range: covers ~80% of {f['rows']} held-out measurements of {f['group']}")
    return [round(value * f["low"], 2), round(value * f["high"], 2)]


def evaluate_llm(workload: dict, model: dict, quant: dict, hw: Hardware, lean: bool = False) -> dict[str, Any]:
    context = int(workload.get("context", 4096))
    kv = catalogue.find_kv_cache(str(workload.get("kv_cache", "f16")))
    est = llm.estimate(model, quant, context, hw, kv_bits=float(kv["bits"]), prompt=not lean)
    need = est["memory_required_mib"]
    good = float(workload.get("good_speed", 10))
    placement = est["placement"]
    decode = est["decode_tokens_per_s"]
    if placement == "none":
        verdict = "does not fit"
        why = f"needs {gib(need)}; this machine has {_machine_memory(hw)}"
    elif placement == "offload":
        verdict = "runs with offload"
        why = (f"needs {gib(need)}: {est['gpu_layers']} of {model['layers']} layers fit in "
               f"{gib(sum(g.memory_mib for g in hw.gpus))} of GPU memory, the rest run from RAM"
               + (f" at about {decode:.1f} tokens/s" if decode is not None else ""))
    else:
        where = {"gpu": f"fits on {est['devices'][0]}", "multi-gpu": f"split across {len(est['devices'])} GPUs",
                 "cpu": "runs on the CPU from RAM" + (" (no GPU can hold it)" if hw.gpus else "")}[placement]
        if decode is None:
            verdict = "unknown"
            why = (f"speed unknown: no memory bandwidth figure ({where}: needs {gib(need)} of "
                   f"{_machine_memory(hw)})")
        else:
            verdict = "runs well" if decode >= good else "runs slowly"
            why = f"{where}: needs {gib(need)} of {_machine_memory(hw)}; about {decode:.1f} tokens/s"
            if verdict == "runs slowly":
                why += f", below the {good:g} tokens/s of comfortable reading"
    if lean:  # what the cost engine reads: no ranges, no prompt speed, no assumptions (issue 18)
        return {"kind": "llm-inference", "placement": placement, "verdict": verdict, "why": why,
                "memory_required_mib": need, "decode_tokens_per_s": decode,
                "speed": {"value": decode, "unit": "tokens/s"}}
    assumptions = [
        f"{model['name']}: {model['params_b']:g}B parameters"
        + (f" ({model['active_params_b']:g}B active per token)" if model.get("experts") else "")
        + f", {model['layers']} layers, {model['kv_heads']} KV heads × {model['head_dim']} ({model['source']})",
        f"{quant['id']}: {quant['bits']} bits per weight ({quant['source']})",
        f"context {context} tokens, {kv['id']} KV cache; decode reads the active weights and half the context's KV per token",
        "decode: bytes read per token ÷ (memory bandwidth × efficiency) + a cost per layer; prompt: 2 × active "
        "parameters per token ÷ (INT8 or FP16 peak × efficiency) + the weights each 512-token batch reads; "
        "MoE experts at their per-expert batch, plus routing; factors per backend × generation × quant kind "
        "fitted on measurements (efficiency.toml)",
    ]
    assumptions += [f"warning: {w}" for w in model.get("warnings", [])]
    if placement == "multi-gpu":
        assumptions.append("layers split across GPUs run one after another (llama.cpp's default): more memory, "
                           "not more speed")
    decode_range = _llm_range(decode, "decode", est.get("group"), assumptions)
    prompt_range = _llm_range(est["prompt_tokens_per_s"], "prompt", est.get("group"), assumptions)
    return {
        "kind": "llm-inference", "model": model["id"], "quant": quant["id"], "context": context,
        **({"kv_cache": kv["id"]} if kv["id"] != "f16" else {}),
        "placement": placement, "verdict": verdict, "why": why, "devices": est["devices"], "backend": est["backend"],
        "memory_required_mib": need, "memory_breakdown_mib": est["memory_breakdown_mib"],
        "gpu_layers": est["gpu_layers"],
        "decode_tokens_per_s": decode, "decode_range": decode_range,
        "prompt_tokens_per_s": est["prompt_tokens_per_s"],
        "prompt_range": prompt_range,
        "speed": {"value": decode, "unit": "tokens/s", "range": decode_range, "good": good},
        "assumptions": assumptions + hw.assumptions,
    }


def _place_compute(need_mib: float, hw: Hardware, shard_mib: float = 0.0) -> tuple[str, list, float | None, dict]:
    """Placement for work that can't offload: one GPU, GPUs sharding ``shard_mib``, the CPU, or none.
    Returns (placement, devices, effective TFLOPS for the efficiency key, backend row)."""
    backends = catalogue.backends()
    if hw.gpus:
        backend = backends[hw.gpus[0].backend]
        best = max(hw.gpus, key=lambda d: d.memory_mib)
        need = need_mib + backend["overhead_mib"]
        if need <= best.memory_mib:
            return "gpu", [best], best.fp16_tflops, backend
        n = len(hw.gpus)
        if n > 1 and shard_mib and need - shard_mib + shard_mib / n <= min(d.memory_mib for d in hw.gpus):
            return "multi-gpu", hw.gpus, sum(d.fp16_tflops or 0 for d in hw.gpus) or None, backend
    cpu = backends["cpu"]
    if hw.ram_available_mib is not None and need_mib + cpu["overhead_mib"] <= hw.ram_available_mib:
        return "cpu", [], hw.cpu_tflops, cpu
    return "none", [], None, backends["cpu"]


def _speed_verdict(placement: str, speed: float | None, good: float, higher_is_better: bool = True) -> str:
    if placement == "none":
        return "does not fit"
    if speed is None:
        return "unknown"
    ok = speed >= good if higher_is_better else speed <= good
    return "runs well" if ok else "runs slowly"


def evaluate_compute(workload: dict, hw: Hardware) -> dict[str, Any]:
    """Image generation, speech, embeddings, fine-tuning and training: memory, then FLOPs-bound time."""
    kind = workload["kind"]
    notes: list[str] = []
    shard = 0.0
    if kind == "fine-tuning":
        model = catalogue.find_model(workload["model"])
        ft = training.finetune(workload, model)
        parts = ft["parts"]
        flops = ft["flops"]
        shard = parts["weights_and_optimizer"] if workload.get("method") == "full" else 0.0
        notes += ft["notes"]
        notes.append(f"{model['name']}: {model['params_b']:g}B parameters ({model['source']})")
    else:
        bits = float(workload.get("bits", 16))
        params = sum(float(workload.get(k, 0)) for k in ("params_b", "denoiser_params_b", "encoders_params_b",
                                                          "vae_params_b"))
        parts = {"weights": params * 1e9 * bits / 8 / MIB, "activations": float(workload.get("activation_mib", 0))}
        if kind == "training":
            parts["weights"] = params * 1e9 * training.ADAM_MIXED_BYTES / MIB
            notes.append("mixed-precision AdamW: 16 bytes per parameter")
        flops = float(workload["flops_per_item"]) if "flops_per_item" in workload else 0.0
    need = sum(parts.values())
    placement, devices, tflops, backend = _place_compute(need, hw, shard)
    perspective = bool(workload.get("perspective"))
    if perspective and placement == "none":
        # For perspective only: the compute time on everything here, ignoring that it can't fit.
        backends = catalogue.backends()
        if hw.gpus:
            tflops, backend = sum(d.fp16_tflops or 0 for d in hw.gpus) or None, backends[hw.gpus[0].backend]
        else:
            tflops, backend = hw.cpu_tflops, backends["cpu"]
    eff_key = {"image-generation": "image_efficiency", "fine-tuning": "train_efficiency",
               "training": "train_efficiency"}.get(kind, "compute_efficiency")
    eff = float(backend[eff_key])
    if kind == "image-generation" and workload.get("tflops_per_eval"):
        fitted = images.efficiency(backend["id"], float(workload["tflops_per_eval"]) * float(
            workload.get("evals_per_step", 1)))
        if fitted:
            eff = fitted
            notes.append(f"image efficiency {eff:.2f} of peak for {float(workload['tflops_per_eval']):g} TFLOPs per "
                         "evaluation, fitted on image measurements (efficiency.toml)")
    effective = (tflops or 0) * 1e12 * eff
    unit = workload.get("speed_unit")
    speed = None
    if (placement != "none" or perspective) and effective > 0:
        if kind in ("fine-tuning", "training"):
            total = flops if kind == "fine-tuning" else float(workload["total_flops"])
            speed = total / effective / 3600  # hours
            unit = "hours"
        elif kind == "speech":
            # Seconds of audio per second of work: the encoder is compute-bound, the decoder reads
            # its weights once per generated token.
            seconds = flops / effective
            bw = (devices[0].bandwidth_gbps if devices else hw.cpu_bandwidth_gbps) or 0
            if bw:
                dec_bytes = float(workload["decoder_params_b"]) * 1e9 * float(workload.get("bits", 16)) / 8
                seconds += float(workload["tokens_per_item"]) * dec_bytes / (bw * 1e9 * float(backend["bandwidth_efficiency"]))
                speed = float(workload["audio_seconds_per_item"]) / seconds
            else:
                speed = None  # no bandwidth figure: the decoder's time is unknown
            unit = "× real time"
        else:
            per_item = flops / effective
            speed = (60 / per_item) if unit == "images/min" else 1 / per_item
    good = float(workload.get("good_speed", 1))
    lower_is_better = unit == "hours"
    verdict = _speed_verdict(placement, speed, good, higher_is_better=not lower_is_better)
    device_names = [d.name for d in devices] or ([hw.cpu_name] if placement == "cpu" else [])
    if placement == "none":
        why = f"needs {gib(need)}; this machine has {_machine_memory(hw)}"
        if perspective and speed is not None:
            why += (f". Its compute alone would take {speed / 24 / 365:,.0f} years here"
                    if speed > 24 * 365 else f". Its compute alone would take {speed:,.0f} hours here")
    else:
        where = {"gpu": f"fits on {device_names[0]}", "multi-gpu": f"sharded across {len(devices)} GPUs",
                 "cpu": "runs on the CPU"}[placement]
        if speed is None:
            speed_txt = "speed unknown (no TFLOPS figure for this device)"
        elif unit == "images/min" and 0 < speed < 1:
            speed_txt = f"{1 / speed:,.0f} minutes per image"
        else:
            speed_txt = f"{speed:,.1f} {unit}" if speed >= 1 or speed == 0 else f"{speed:.2g} {unit}"
        why = f"{where}: needs {gib(need)} of {_machine_memory(hw)}; about {speed_txt}"
        if verdict == "runs slowly" and speed is not None:
            why += f" (good is {'≤' if lower_is_better else '≥'} {good:g} {unit})"
    assumptions = [f"{workload['name']}: {workload['source']}"] + notes + [
        f"speed = FLOPs ÷ (FP16 TFLOPS × {eff_key.replace('_', ' ')} of the backend); backends.toml"] + hw.assumptions
    return {
        "kind": kind, "placement": placement, "verdict": verdict, "why": why, "devices": device_names,
        "backend": backend["id"] if placement != "none" else None,
        "memory_required_mib": round(need), "memory_breakdown_mib": {k: round(v) for k, v in parts.items()},
        "speed": {"value": _round(speed) if speed is not None else None, "unit": unit,
                  "range": _range(speed, "other"), "good": good},
        "assumptions": assumptions,
    }


