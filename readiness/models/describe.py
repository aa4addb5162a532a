"""From a model's metadata (a GGUF header, a Hugging Face config and safetensors headers) to the model
and quantization dicts the workload engine takes: the same shape as a catalogue row (models.toml)."""

from __future__ import annotations

from typing import Any

from math import prod

from readiness.models.gguf import FILE_TYPES, GGML_TYPES, Header

# <arch>.<key> in a GGUF header -> the catalogue's field (llama.cpp's LLM_KV names, src/llama-arch.cpp)
ARCH_KEYS = {"block_count": "layers", "embedding_length": "hidden_size", "feed_forward_length": "intermediate_size",
             "attention.head_count": "heads", "attention.head_count_kv": "kv_heads",
             "context_length": "max_context", "expert_count": "experts", "expert_used_count": "experts_active",
             "attention.sliding_window": "sliding_window", "attention.key_length": "head_dim"}

# Which layers use the sliding window, where the header does not say (llama.cpp hard-codes these per
# architecture in src/llama-model.cpp; the catalogue rows of the same families say the same).
SLIDING_PATTERN = {"gemma2": "alternate", "gemma3": "5:1", "gpt-oss": "alternate", "cohere2": "3:1"}

# general.file_type -> a quants.toml id, where one matches (the rest are judged by their measured bits).
QUANT_IDS = {0: "f32", 1: "f16", 32: "f16", 7: "q8_0", 18: "q6_k", 17: "q5_k_m", 8: "q5_0", 15: "q4_k_m",
             14: "q4_k_s", 2: "q4_0", 12: "q3_k_m", 10: "q2_k"}

REQUIRED = ("layers", "hidden_size", "heads", "kv_heads", "head_dim", "vocab_size", "params_b")


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    v = int(value)
    return v if 0 < v < 2**53 else None


def _first_int(value: Any) -> int | None:
    """Per-layer arrays (OpenELM, some Gemma files) give one figure per layer: the largest is used."""
    if isinstance(value, list):
        ints = [i for i in (_int(v) for v in value) if i]
        return max(ints) if ints else None
    return _int(value)


def quant(name: str, bits: float | None, known_id: str | None, source: str) -> dict | None:
    """A quantization dict for the engine. Measured bits (file bytes ÷ parameters) when there are any,
    so a mixed file (k-quants with a Q6_K output, MXFP4 experts with BF16 attention) is sized as it is."""
    from readiness.workloads import catalogue

    if bits:
        return {"id": known_id or name.lower(), "bits": round(bits, 3), "source": source}
    if known_id:
        return catalogue.find_quant(known_id)
    return None


def from_gguf(header: Header, ident: str, weights_bytes: int | None, source: str) -> tuple[dict, dict]:
    """(engine model dict, facts for the listing). Missing fields stay absent; the caller says which."""
    md = header.metadata
    arch = md.get("general.architecture")
    arch = arch if isinstance(arch, str) and arch else None
    model: dict[str, Any] = {"id": ident, "name": md.get("general.name") if isinstance(md.get("general.name"), str)
                             else ident, "family": arch, "source": source}
    if arch:
        for key, out in ARCH_KEYS.items():
            v = _first_int(md.get(f"{arch}.{key}"))
            if v is not None:
                model[out] = v
    # One pass over the tensor infos (a 600-tensor model is read a thousand times a run).
    params = expert = 0
    embd = None
    has_output = False
    by_type: dict[str, int] = {}
    for t in header.tensors:
        n = prod(t.shape)
        params += n
        if "_exps" in t.name:
            expert += n
        elif t.name == "token_embd.weight" and embd is None and len(t.shape) == 2:
            embd = t
        elif t.name == "output.weight":
            has_output = True
        kind = GGML_TYPES.get(t.type_id)
        name = kind[0] if kind else f"type {t.type_id}"
        by_type[name] = by_type.get(name, 0) + (n // kind[1] * kind[2] if kind else 0)
    params = params if header.tensors else None
    if params:
        model["params_b"] = params / 1e9
    if model.get("hidden_size") and model.get("heads"):
        model.setdefault("head_dim", model["hidden_size"] // model["heads"])
    if model.get("heads"):
        model.setdefault("kv_heads", model["heads"])
    vocab = (embd.shape[1] if embd else None) or header.array_lengths.get("tokenizer.ggml.tokens") \
        or _int(md.get(f"{arch}.vocab_size"))
    if vocab:
        model["vocab_size"] = int(vocab)
    model["tie_embeddings"] = bool(header.tensors) and not has_output
    if model.get("sliding_window"):
        model["sliding_window_layers"] = SLIDING_PATTERN.get(arch or "", "all")
    active = params
    if model.get("experts") and params:
        used = model.get("experts_active") or 1
        active = params - expert * (1 - used / model["experts"])
    if active:
        model["active_params_b"] = active / 1e9
    ftype = _int(md.get("general.file_type")) if md.get("general.file_type") != 0 else 0
    if ftype is not None and ftype in FILE_TYPES:
        qname, qfrom = FILE_TYPES[ftype], "general.file_type"
    elif by_type:
        qname, qfrom = max(by_type, key=by_type.get), "the tensor types (no general.file_type)"
    else:
        qname, qfrom = None, None
    bits = weights_bytes * 8 / params if weights_bytes and params else None
    q = quant(qname, bits, QUANT_IDS.get(ftype) if ftype is not None else None,
              f"{qname}: {bits:.2f} bits per weight measured from the file" if bits else f"{qname}") if qname else None
    facts = {
        "architecture": arch, "parameters": params, "active_parameters": int(active) if active else None,
        "quantization": qname, "quantization_from": qfrom,
        "tensor_types": dict(sorted(by_type.items(), key=lambda kv: -kv[1])) if by_type else None,
        "native_context": model.get("max_context"), "layers": model.get("layers"), "heads": model.get("heads"),
        "kv_heads": model.get("kv_heads"), "embedding_length": model.get("hidden_size"),
        "experts": model.get("experts"), "experts_used": model.get("experts_active"),
        "format": "gguf", "gguf_version": header.version,
    }
    return model, {"facts": facts, "quant": q}


_DTYPE_BITS = {"F64": 64, "F32": 32, "F16": 16, "BF16": 16, "F8_E4M3": 8, "F8_E5M2": 8, "I64": 64, "I32": 32,
               "I16": 16, "I8": 8, "U8": 8, "BOOL": 8, "F4": 4, "F8_E8M0": 8}


def from_hf(config: dict, ident: str, tensors: dict | None, weights_bytes: int | None, source: str) -> tuple[dict, dict]:
    """A Hugging Face config.json (and, when read, the safetensors headers: {dtype: [params, bytes]})."""
    from readiness.workloads import catalogue

    model: dict[str, Any] = {"id": ident, "name": ident, "source": source}
    reason = None
    try:
        model = catalogue.model_from_hf_dict(config, ident, ident, source)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError) as e:
        reason = f"config.json is not a transformer config readiness can read ({e})"
    cfg = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    counted = sum(p for p, _ in tensors.values()) if tensors else None
    if counted:
        if model.get("params_b") and model.get("active_params_b"):
            share = model["active_params_b"] / model["params_b"]
            model["active_params_b"] = counted * share / 1e9
        model["params_b"] = counted / 1e9
    dtype = max(tensors, key=lambda d: tensors[d][1]) if tensors else (cfg.get("torch_dtype") or cfg.get("dtype"))
    dtype = str(dtype).upper().replace("FLOAT32", "F32").replace("BFLOAT16", "BF16").replace("FLOAT16", "F16") \
        if dtype else None
    params = model.get("params_b")
    bits = weights_bytes * 8 / (params * 1e9) if weights_bytes and params else None
    qcfg = cfg.get("quantization_config") if isinstance(cfg.get("quantization_config"), dict) else None
    qname = (f"{qcfg.get('quant_method')}-{qcfg.get('bits')}bit" if qcfg and qcfg.get("bits")
             else (qcfg or {}).get("quant_method")) or dtype
    known = {"F32": "f32", "F16": "f16", "BF16": "f16", "F8_E4M3": "fp8"}.get(dtype or "")
    q = quant(qname, bits, known, f"{qname}: {bits:.2f} bits per weight measured from the safetensors headers"
              if bits else str(qname)) if qname else None
    facts = {
        "architecture": cfg.get("model_type") or (cfg.get("architectures") or [None])[0],
        "parameters": int(params * 1e9) if params else None,
        "active_parameters": int(model["active_params_b"] * 1e9) if model.get("active_params_b") else None,
        "parameters_from": "safetensors headers" if counted else ("config.json (counted from the architecture)"
                                                                   if params else None),
        "quantization": qname, "quantization_from": "safetensors dtypes" if tensors else "config.json",
        "native_context": model.get("max_context"), "layers": model.get("layers"), "heads": model.get("heads"),
        "kv_heads": model.get("kv_heads"), "embedding_length": model.get("hidden_size"),
        "experts": model.get("experts"), "experts_used": model.get("experts_active"), "format": "safetensors",
    }
    return model, {"facts": facts, "quant": q, "reason": reason}


def missing(model: dict) -> list[str]:
    return [k for k in REQUIRED if not model.get(k)]


def model_from_gguf(path: str) -> tuple[dict, str | None, int]:
    """(model, quant id or None, weights' bytes) from a GGUF header: readiness's own bounded reader
    (readiness/models/gguf.py), no numpy, no tensor data read."""
    import os
    from pathlib import Path

    from readiness.errors import ReadinessError
    from readiness.models import gguf

    try:
        header = gguf.read_path(path)
        size = os.path.getsize(path)
    except OSError as e:
        raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
    except gguf.GGUFError as e:
        raise ReadinessError(f"cannot read {path} as GGUF: {e}") from e
    weights = size - header.data_offset if size > header.data_offset else None
    model, extra = from_gguf(header, Path(path).stem, weights,
                                      f"{path} (GGUF header: {len(header.tensors)} tensors)")
    if not model.get("family"):
        raise ReadinessError(f"{path}: no general.architecture in the GGUF header")
    lacking = missing(model)
    if lacking:
        raise ReadinessError(f"{path}: the GGUF header lacks {', '.join(lacking)}")
    q = extra["quant"]
    model["bits_per_weight"] = q["bits"] if q else None
    model["_quant"] = q
    ftype = header.get("general.file_type")
    return model, QUANT_IDS.get(ftype) if isinstance(ftype, int) else None, weights or 0
