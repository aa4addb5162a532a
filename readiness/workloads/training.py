"""Fine-tuning LLMs (full, LoRA, QLoRA) and training other networks: memory and time."""

from __future__ import annotations

from readiness.workloads import catalogue, llm

MIB = 2**20
# Mixed-precision AdamW: bf16 weights (2) + fp32 master weights (4) + gradients (2) + two fp32
# moments (8) = 16 bytes per trained parameter (Rajbhandari et al., ZeRO, 2020, section 3.1).
ADAM_MIXED_BYTES = 16
LORA_RANK = 16  # a common default (PEFT examples), on every linear layer of each block


def lora_params(model: dict, rank: int = LORA_RANK) -> float:
    """Trainable LoRA parameters on q, k, v, o, gate, up and down: rank × (in + out) each."""
    h = int(model["hidden_size"])
    kv = int(model["kv_heads"]) * int(model["head_dim"])
    q = int(model["heads"]) * int(model["head_dim"])
    inter = int(model.get("moe_intermediate_size") or model.get("intermediate_size") or 4 * h)
    per_layer = rank * ((h + q) + 2 * (h + kv) + (q + h) + 2 * (h + inter) + (inter + h))
    return per_layer * int(model["layers"])


def activation_bytes(model: dict, batch: int, seq: int, checkpointing: bool) -> float:
    """Korthikanti et al. 2022 ("Reducing Activation Recomputation", eq. 1) with flash attention
    (no s² term): 34·s·b·h bytes per layer in 16-bit, the MLP part scaled to the model's width.
    With checkpointing only each layer's input (2·s·b·h) is kept, plus one layer recomputed."""
    h = int(model["hidden_size"])
    inter = int(model.get("intermediate_size") or 4 * h)
    per_layer = seq * batch * h * (15 + 19 * inter / (4 * h))
    layers = int(model["layers"])
    logits = seq * batch * int(model["vocab_size"]) * 4 * 2  # fp32 logits and their gradient
    if checkpointing:
        return layers * 2 * seq * batch * h + per_layer + logits
    return layers * per_layer + logits


def finetune(workload: dict, model: dict) -> dict:
    """Memory (MiB by part) and FLOPs for one fine-tuning run."""
    method = workload.get("method", "lora")
    batch, seq = int(workload.get("batch_size", 1)), int(workload.get("seq_len", 2048))
    ckpt = bool(workload.get("gradient_checkpointing", True))
    params = float(model["params_b"]) * 1e9
    quants = catalogue.quants()
    if method == "full":
        weights = params * ADAM_MIXED_BYTES
        trainable = params
        flops_per_token = (8 if ckpt else 6) * float(model.get("active_params_b") or model["params_b"]) * 1e9
    else:
        base = quants["nf4"] if method == "qlora" else quants["f16"]
        trainable = lora_params(model)
        weights = llm.weights_bytes(model, base) + trainable * ADAM_MIXED_BYTES
        # No weight gradients for the frozen base: forward (2) + activation gradients (2), + recompute.
        flops_per_token = (6 if ckpt else 4) * float(model.get("active_params_b") or model["params_b"]) * 1e9
    tokens = float(workload.get("dataset_tokens", 10_000_000)) * float(workload.get("epochs", 1))
    return {
        "parts": {"weights_and_optimizer": weights / MIB,
                  "activations": activation_bytes(model, batch, seq, ckpt) / MIB},
        "flops": flops_per_token * tokens,
        "tokens": tokens,
        "trainable_params": trainable,
        "notes": [f"{method} fine-tuning, batch {batch} × {seq} tokens, gradient checkpointing "
                  f"{'on' if ckpt else 'off'}, AdamW in mixed precision ({ADAM_MIXED_BYTES} bytes per trained parameter)",
                  f"{tokens / 1e6:g}M training tokens ({workload.get('epochs', 1)} epoch(s) of "
                  f"{float(workload.get('dataset_tokens', 10_000_000)) / 1e6:g}M)"]
                 + ([f"LoRA rank {LORA_RANK} on every linear layer: {trainable / 1e6:.0f}M trainable parameters"]
                    if method != "full" else []),
    }
