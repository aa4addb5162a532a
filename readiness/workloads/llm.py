"""LLM inference: memory from the architecture, speed from bandwidth (decode) and compute (prompt).

Formulas, with their sources and limits, are in docs/workloads.md.
"""

from __future__ import annotations

import math

from readiness.workloads import catalogue
from readiness.workloads.hardware import Hardware

MIB = 2**20
KV_BYTES = 2  # f16 KV cache, llama.cpp's and vLLM's default
UBATCH = 512  # llama.cpp's default micro-batch: sizes the compute buffer
PCIE_GBPS = 25.0  # PCIe 4.0 x16 in practice (32 GB/s peak); used to stream offloaded layers


def _layer_split(model: dict) -> tuple[int, int]:
    """(full-attention layers, sliding-window layers)."""
    layers = int(model["layers"])
    if not model.get("sliding_window"):
        return layers, 0
    pattern = str(model.get("sliding_window_layers", "all"))
    if pattern == "all":
        return 0, layers
    if pattern == "alternate":
        return layers - layers // 2, layers // 2
    if ":" in pattern:
        local, glob = (int(x) for x in pattern.split(":"))
        sliding = layers * local // (local + glob)
        return layers - sliding, sliding
    return layers, 0


def weights_bytes(model: dict, quant: dict) -> float:
    params = float(model["params_b"]) * 1e9
    bits = float(quant["bits"])
    emb_bits = quant.get("embeddings_bits")
    if emb_bits is None:
        return params * bits / 8
    emb = float(model["vocab_size"]) * float(model["hidden_size"]) * (1 if model.get("tie_embeddings") else 2)
    emb = min(emb, params)
    return (params - emb) * bits / 8 + emb * float(emb_bits) / 8


def kv_bytes(model: dict, context: int, batch: int = 1, kv_bits: float = KV_BYTES * 8) -> float:
    full, sliding = _layer_split(model)
    per_token_layer = 2 * int(model["kv_heads"]) * int(model["head_dim"]) * kv_bits / 8
    window = int(model.get("sliding_window") or context)
    return per_token_layer * (full * context + sliding * min(context, window)) * batch


def activation_bytes(model: dict, context: int) -> float:
    """The compute buffer: one micro-batch of hidden states and the logits (f32)."""
    tokens = min(context, UBATCH)
    return tokens * (4 * int(model["hidden_size"]) + int(model["vocab_size"])) * 4


def memory(model: dict, quant: dict, context: int, backend: dict, kv_bits: float = KV_BYTES * 8) -> dict[str, float]:
    """MiB by part."""
    return {
        "weights": weights_bytes(model, quant) / MIB,
        "kv_cache": kv_bytes(model, context, kv_bits=kv_bits) / MIB,
        "activations": activation_bytes(model, context) / MIB,
        "overhead": float(backend["overhead_mib"]),
    }


def active_fraction(model: dict) -> float:
    return float(model.get("active_params_b") or model["params_b"]) / float(model["params_b"])


def decode_seconds(model: dict, quant: dict, context: int, shares: list[tuple[float, float, dict]],
                   kv_bits: float = KV_BYTES * 8) -> float:
    """Seconds per generated token. ``shares``: (fraction of layers, bandwidth GB/s, backend) per place.

    Each token reads the active weights once and the KV cache so far (on average half the context).
    """
    read = weights_bytes(model, quant) * active_fraction(model) + kv_bytes(model, max(context // 2, 1), kv_bits=kv_bits)
    seconds = 0.0
    overhead = 0.0
    for fraction, bandwidth, backend in shares:
        if fraction <= 0:
            continue
        seconds += read * fraction / (bandwidth * 1e9 * float(backend["bandwidth_efficiency"]))
        overhead = max(overhead, float(backend["token_overhead_ms"]) / 1000)
    return seconds + overhead


def prompt_seconds_per_token(model: dict, shares: list[tuple[float, float | None, dict]]) -> float | None:
    """Seconds per prompt token: 2 FLOPs per active parameter, at each place's effective TFLOPS."""
    flops = 2 * float(model.get("active_params_b") or model["params_b"]) * 1e9
    seconds = 0.0
    for fraction, tflops, backend in shares:
        if fraction <= 0:
            continue
        if not tflops:
            return None
        seconds += flops * fraction / (tflops * 1e12 * float(backend["compute_efficiency"]))
    return seconds


def estimate(model: dict, quant: dict, context: int, hw: Hardware, kv_bits: float = KV_BYTES * 8) -> dict:
    """Placement, memory and speed of one model on one machine (see engine.py for the verdict)."""
    backends = catalogue.backends()
    gpus = hw.gpus
    gpu_backend = backends[gpus[0].backend] if gpus else backends["cpu"]
    cpu_backend = backends["cpu"]
    parts = memory(model, quant, context, gpu_backend, kv_bits)
    need = sum(parts.values())
    cpu_parts = memory(model, quant, context, cpu_backend, kv_bits)
    cpu_need = sum(cpu_parts.values())
    layers = int(model["layers"])
    out: dict = {"memory_breakdown_mib": {k: round(v) for k, v in parts.items()},
                 "memory_required_mib": round(need), "gpu_layers": None, "devices": []}

    placement = "none"
    shares_bw: list = []
    shares_fl: list = []
    if gpus:
        best = max(gpus, key=lambda d: d.memory_mib)
        total = sum(d.memory_mib for d in gpus)
        multi_need = need + parts["overhead"] * (len(gpus) - 1)
        if need <= best.memory_mib:
            placement, used = "gpu", [best]
        elif len(gpus) > 1 and multi_need <= total:
            placement, used = "multi-gpu", gpus
            out["memory_required_mib"] = round(multi_need)
        else:
            used = gpus
            pool = total - parts["overhead"] * len(gpus) - parts["activations"]
            per_layer = (parts["weights"] + parts["kv_cache"]) / layers
            gpu_layers = max(0, min(layers, math.floor(pool / per_layer))) if per_layer > 0 else 0
            cpu_share = (layers - gpu_layers) * per_layer
            if 0 < gpu_layers < layers and cpu_share <= hw.offload_ram_mib:
                placement = "offload"
                out["gpu_layers"] = gpu_layers
        if placement in ("gpu", "multi-gpu", "offload"):
            out["devices"] = [d.name for d in used]
            # Layers run one after another (llama.cpp's layer split), so GPUs add memory, not speed.
            gpu_fraction = 1.0 if placement != "offload" else out["gpu_layers"] / layers
            slowest = min(used, key=lambda d: d.bandwidth_gbps or 0)
            shares_bw = [(gpu_fraction, slowest.bandwidth_gbps, gpu_backend)]
            shares_fl = [(gpu_fraction, min((d.fp16_tflops or 0) for d in used) or None, gpu_backend)]
            if placement == "offload":
                shares_bw.append((1 - gpu_fraction, hw.cpu_bandwidth_gbps, cpu_backend))
                # Prompts are processed on the GPU in batches of UBATCH tokens, the RAM-resident layers
                # streamed over PCIe once per batch (llama.cpp does this for batches of 32+ tokens).
                shares_fl = [(1.0, shares_fl[0][1], gpu_backend)]
                out["_stream_bytes_per_token"] = (1 - gpu_fraction) * weights_bytes(model, quant) / UBATCH
    if placement == "none" and hw.ram_available_mib is not None and cpu_need <= hw.ram_available_mib:
        placement = "cpu"
        out["memory_breakdown_mib"] = {k: round(v) for k, v in cpu_parts.items()}
        out["memory_required_mib"] = round(cpu_need)
        out["devices"] = [hw.cpu_name]
        shares_bw = [(1.0, hw.cpu_bandwidth_gbps, cpu_backend)]
        shares_fl = [(1.0, hw.cpu_tflops, cpu_backend)]
    out["placement"] = placement
    if placement != "none" and any(not bw for _, bw, _ in shares_bw):
        out["decode_tokens_per_s"] = None  # a GPU with no bandwidth figure: speed unknown, never guessed
        prompt_s = prompt_seconds_per_token(model, shares_fl)
        out["prompt_tokens_per_s"] = round(1 / prompt_s, 1) if prompt_s else None
    elif placement != "none":
        decode = 1 / decode_seconds(model, quant, context, shares_bw, kv_bits)
        prompt_s = prompt_seconds_per_token(model, shares_fl)
        stream = out.pop("_stream_bytes_per_token", 0)
        if prompt_s is not None and stream:
            prompt_s += stream / (PCIE_GBPS * 1e9)
        out["decode_tokens_per_s"] = round(decode, 1)
        out["prompt_tokens_per_s"] = round(1 / prompt_s, 1) if prompt_s else None
    else:
        out["decode_tokens_per_s"] = None
        out["prompt_tokens_per_s"] = None
    out["backend"] = gpu_backend["id"] if placement in ("gpu", "multi-gpu", "offload") else (
        "cpu" if placement == "cpu" else None)
    return out
