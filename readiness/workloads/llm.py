"""LLM inference: memory from the architecture, speed from bandwidth (decode) and compute (prompt).

Formulas, with their sources and limits, are in docs/workloads.md.
"""

from __future__ import annotations

import math

from readiness import data
from readiness.workloads import catalogue, speed
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
    """``kv_bits``: bits per cached element (16 for f16; a quantized cache, q8_0 or q4_0, is smaller)."""
    full, sliding = _layer_split(model)
    # MLA models cache a latent per layer (kv_dim_per_layer elements), not K and V per head
    per_token_layer = (int(model["kv_dim_per_layer"]) if model.get("kv_dim_per_layer")
                       else 2 * int(model["kv_heads"]) * int(model["head_dim"])) * kv_bits / 8
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


def components(model: dict, quant: dict, context: int, bandwidth_gbps: float | None,
               peak_tflops: float | None, kv_bits: float = KV_BYTES * 8, vector_tflops: float | None = None) -> dict:
    """The per-token work of one model on one place, at 100% of peak: what the fitted factors divide.

    decode_s: the active weights and half the context's KV cache read once per generated token.
    prompt_dense_s / prompt_expert_s: 2 FLOPs per active parameter, for the always-run part and the
    routed experts; prompt_touched_s: the weights each UBATCH-token micro-batch reads (for an MoE,
    every expert that any of its tokens is routed to), spread over its tokens; prompt_vector_s: the same
    FLOPs at the vector (FP32) rate, of which a fitted share is paid on top (dequantization, norms,
    softmax and the other non-matmul work don't run on tensor cores: why data-centre cards, whose tensor
    peak is 15× their FP32 rate, reach a far smaller share of it than consumer cards).
    """
    weights = weights_bytes(model, quant)
    read = weights * active_fraction(model) + kv_bytes(model, max(context // 2, 1), kv_bits=kv_bits)
    split = speed.moe_split(model)
    out: dict = {"layers": int(model["layers"]), "moe_layers": split["moe_layers"] if split else 0,
                 "expert_batch": UBATCH * split["active"] / split["experts"] if split else float(UBATCH)}
    out["decode_s"] = read / (bandwidth_gbps * 1e9) if bandwidth_gbps else None
    if peak_tflops:
        dense_b = split["dense_b"] if split else float(model.get("active_params_b") or model["params_b"])
        out["prompt_dense_s"] = 2 * dense_b * 1e9 / (peak_tflops * 1e12)
        out["prompt_expert_s"] = 2 * split["active_routed_b"] * 1e9 / (peak_tflops * 1e12) if split else 0.0
        active_b = dense_b + (split["active_routed_b"] if split else 0.0)
        out["prompt_vector_s"] = 2 * active_b * 1e9 / (vector_tflops * 1e12) if vector_tflops else 0.0
    else:
        out["prompt_dense_s"] = out["prompt_expert_s"] = None
        out["prompt_vector_s"] = 0.0
    if bandwidth_gbps:
        touched = weights
        if split:
            per_param = weights / (float(model["params_b"]) * 1e9)
            share = speed.touched_share(split["active"], split["experts"], UBATCH)
            touched = per_param * 1e9 * (split["dense_b"] + split["routed_b"] * share)
        out["prompt_touched_s"] = touched / UBATCH / (bandwidth_gbps * 1e9)
    else:
        out["prompt_touched_s"] = None
    return out


def decode_time(c: dict, eff_bw: float, ovh: dict) -> float:
    return c["decode_s"] / eff_bw + (c["layers"] * ovh["per_layer_us"] + c["moe_layers"] * ovh["moe_decode_layer_us"]) / 1e6


def prompt_time(c: dict, eff_fl: float, eff_bw: float, ovh: dict) -> float:
    expert = c["prompt_expert_s"] / speed.saturation(c["expert_batch"], ovh["moe_half_batch"]) if c["moe_layers"] else 0.0
    return ((c["prompt_dense_s"] + expert) / eff_fl + c["prompt_touched_s"] / eff_bw
            + ovh.get("vector_share", 0.0) * c.get("prompt_vector_s", 0.0) + c["moe_layers"] * ovh["moe_route_us"] / 1e6)


def _place_key(place: dict, quant: dict) -> tuple[str, str, str]:
    """Efficiency groups: float weights, integer weights on int8 matmuls ("int8"), or dequantized ("int")."""
    return place["backend"], place["generation"], place.get("kernel") or speed.quant_kind(quant)


def decode_seconds(model: dict, quant: dict, context: int, places: list[dict], tbl: dict | None = None,
                   kv_bits: float = KV_BYTES * 8) -> float:
    """Seconds per generated token over ``places``: dicts of fraction (of layers), bandwidth_gbps, backend
    and generation. Each place reads its share of the bytes; the per-layer costs are paid on every layer."""
    seconds = 0.0
    for place in places:
        if place["fraction"] <= 0:
            continue
        c = components(model, quant, context, place["bandwidth_gbps"], None, kv_bits)
        eff, _ = speed.efficiency("decode", *_place_key(place, quant), tbl)
        ovh = speed.overhead(place["backend"], tbl, place.get("build_date"))
        seconds += place["fraction"] * decode_time(c, eff, ovh)
    return seconds


def prompt_seconds_per_token(model: dict, quant: dict, places: list[dict], tbl: dict | None = None) -> float | None:
    """Seconds per prompt token at each place's peak (``peak_tflops``: INT8 or FP16, see hardware.py)."""
    seconds = 0.0
    for place in places:
        if place["fraction"] <= 0:
            continue
        if not place.get("peak_tflops") or not place.get("bandwidth_gbps"):
            return None
        c = components(model, quant, 512, place["bandwidth_gbps"], place["peak_tflops"],
                       vector_tflops=place.get("vector_tflops"))
        key = _place_key(place, quant)
        eff_fl, _ = speed.efficiency("prompt", *key, tbl)
        eff_fl *= speed.era("prompt", place["backend"], place.get("build_date"), tbl)
        eff_bw, _ = speed.efficiency("decode", *key, tbl)
        ovh = speed.overhead(place["backend"], tbl, place.get("build_date"))
        seconds += place["fraction"] * prompt_time(c, eff_fl, eff_bw, ovh)
    return seconds


def _int8_row(device) -> dict | None:
    """The backends.toml int8_matmul row of this device's backend and architecture: where llama.cpp runs
    matmuls on its tensor cores with int8 MMQ kernels (CUDA: Turing and later)."""
    return next((row for row in data.rows("backends", "int8_matmul")
                 if row["backend"] == device.backend and device.generation in row["architectures"]), None)


def fp16_matmul_tflops(device, quant: dict) -> float | None:
    """The float matmul peak: on CUDA tensor-core parts llama.cpp's cuBLAS path multiplies in FP16 with FP16
    accumulate (CUBLAS_COMPUTE_16F), whose dense rate is half the dense INT8 rate on every NVIDIA part from
    Turing on (whitepapers: RTX 4090 330.3/660.6, RTX 6000 Ada 364.2/728.5, A100 312/624, H100 989/1979);
    the catalogue's FP16 figure is the FP32-accumulate one, which GeForce parts run at half that rate (#15).
    f32 weights and other backends: the catalogue's FP16 figure."""
    if quant["id"] != "f32" and device.int8_tops and device.backend == "cuda" and _int8_row(device):
        return device.int8_tops / 2
    return device.fp16_tflops


def peak_tflops(device, quant: dict, build_date: str | None = None) -> float | None:
    """The matmul peak prompt processing runs at: INT8 tensor cores for integer-quantized weights where
    the runtime has int8 kernels for that architecture (backends.toml int8_matmul; ``build_date``: a
    measurement's date, None for today's builds), else the FP16 matmul peak (fp16_matmul_tflops)."""
    row = _int8_row(device) if speed.quant_kind(quant) == "int" and device.int8_tops else None
    if row and (build_date is None or build_date >= row["since"]):
        return device.int8_tops
    return fp16_matmul_tflops(device, quant)


def _gpu_place(fraction: float, devices: list, quant: dict, build_date: str | None = None,
               tbl: dict | None = None) -> dict:
    slowest = min(devices, key=lambda d: d.bandwidth_gbps or 0)
    peaks = [peak_tflops(d, quant, build_date) or 0 for d in devices]
    int8 = all(p and p == d.int8_tops and p != fp16_matmul_tflops(d, quant) for p, d in zip(peaks, devices))
    if int8 and tbl is not False and not speed.has_int8(devices[0].backend, devices[0].generation, tbl or None):
        # no int8 measurements to size its efficiency: the FP16 peak and its fitted factors instead
        peaks, int8 = [fp16_matmul_tflops(d, quant) or 0 for d in devices], False
    vectors = [d.fp32_tflops for d in devices]
    return {"fraction": fraction, "bandwidth_gbps": slowest.bandwidth_gbps, "peak_tflops": min(peaks) or None,
            "vector_tflops": min(vectors) if all(vectors) else None,
            "backend": devices[0].backend, "generation": devices[0].generation,
            "kernel": "int8" if int8 else speed.quant_kind(quant), "build_date": build_date}


def _cpu_place(fraction: float, hw: Hardware) -> dict:
    return {"fraction": fraction, "bandwidth_gbps": hw.cpu_bandwidth_gbps, "peak_tflops": hw.cpu_tflops,
            "backend": "cpu", "generation": hw.cpu_generation}


def estimate(model: dict, quant: dict, context: int, hw: Hardware, tbl: dict | None = None,
             kv_bits: float = KV_BYTES * 8, prompt: bool = True) -> dict:
    """Placement, memory and speed of one model on one machine (see engine.py for the verdict).
    ``prompt``: False leaves the prompt speed out (None), for callers that only weigh decode.
    ``tbl``: a fitted efficiency table (benchmarks' folds); default readiness/data/efficiency.toml.
    ``kv_bits``: bits per KV-cache element (16: f16; 8.5: q8_0; 4.5: q4_0)."""
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
    places: list[dict] = []
    prompt_places: list[dict] = []
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
            places = [_gpu_place(gpu_fraction, used, quant, hw.build_date, tbl)]
            prompt_places = [_gpu_place(1.0, used, quant, hw.build_date, tbl)]
            if placement == "offload":
                places.append(_cpu_place(1 - gpu_fraction, hw))
                # Prompts are processed on the GPU in batches of UBATCH tokens, the RAM-resident layers
                # streamed over PCIe once per batch (llama.cpp does this for batches of 32+ tokens).
                out["_stream_bytes_per_token"] = (1 - gpu_fraction) * weights_bytes(model, quant) / UBATCH
    if placement == "none" and hw.ram_available_mib is not None and cpu_need <= hw.ram_available_mib:
        placement = "cpu"
        out["memory_breakdown_mib"] = {k: round(v) for k, v in cpu_parts.items()}
        out["memory_required_mib"] = round(cpu_need)
        out["devices"] = [hw.cpu_name]
        places = prompt_places = [_cpu_place(1.0, hw)]
    out["placement"] = placement
    out["decode_tokens_per_s"] = out["prompt_tokens_per_s"] = None
    if placement != "none":
        if all(p["bandwidth_gbps"] for p in places):  # a GPU with no bandwidth figure: unknown, never guessed
            out["decode_tokens_per_s"] = round(1 / decode_seconds(model, quant, context, places, tbl, kv_bits), 1)
        prompt_s = prompt_seconds_per_token(model, quant, prompt_places, tbl) if prompt else None
        stream = out.pop("_stream_bytes_per_token", 0)
        if prompt_s is not None and stream:
            prompt_s += stream / (PCIE_GBPS * 1e9)
        out["prompt_tokens_per_s"] = round(1 / prompt_s, 1) if prompt_s else None
    out.pop("_stream_bytes_per_token", None)
    main = places[0] if places else None
    out["group"] = {"backend": main["backend"], "generation": main["generation"], "moe": bool(model.get("experts")),
                    "quant_kind": _place_key(main, quant)[2]} if main else None
    out["backend"] = main["backend"] if main else None
    return out
