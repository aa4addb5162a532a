"""Models, quantizations, backends and workloads from the data files, and lookups by name."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from readiness import data
from readiness.errors import ReadinessError


KINDS = ("llm-inference", "fine-tuning", "image-generation", "speech", "embeddings", "training")


@functools.lru_cache(maxsize=None)
def models() -> dict[str, dict]:
    return {m["id"]: m for m in data.rows("models", "model")}


@functools.lru_cache(maxsize=None)
def quants() -> dict[str, dict]:
    return {q["id"]: q for q in data.rows("quants", "quant")}


@functools.lru_cache(maxsize=None)
def backends() -> dict[str, dict]:
    return {b["id"]: b for b in data.rows("backends", "backend")}


def builtin_workloads() -> list[dict]:
    return data.rows("workloads", "workload")


def find_model(name: str) -> dict:
    """A model by catalogue id or Hugging Face repo name, case-insensitively."""
    key = name.strip().lower()
    for m in models().values():
        names = [m["id"], m.get("hf_repo", ""), *m.get("hf_aliases", [])]
        if key in (n.lower() for n in names if n):
            return m
    raise ReadinessError(f"unknown model {name!r}",
                         hint="see `readiness workloads --models`; or describe it with --model-config config.json "
                              "or --gguf FILE")


def find_quant(name: str) -> dict:
    key = name.strip().lower().replace("-", "_") if not name.lower().startswith(("gptq", "awq", "bnb")) else name.lower()
    for q in quants().values():
        if key in (q["id"], *[a.lower() for a in q.get("aliases", [])]) or key.replace("_", "-") in (
                q["id"], *q.get("aliases", [])):
            return q
    raise ReadinessError(f"unknown quantization {name!r}",
                         hint="one of: " + ", ".join(quants()))


def model_from_hf_config(path: str) -> dict:
    """A model description from a Hugging Face config.json (no weights needed)."""
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except OSError as e:
        raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
    except ValueError as e:
        raise ReadinessError(f"{path} is not valid JSON: {e}") from e
    cfg = cfg.get("text_config", cfg) if isinstance(cfg, dict) else cfg
    try:
        hidden = int(cfg["hidden_size"])
        layers = int(cfg["num_hidden_layers"])
        heads = int(cfg["num_attention_heads"])
        vocab = int(cfg["vocab_size"])
        inter = int(cfg.get("intermediate_size") or 4 * hidden)
    except (KeyError, TypeError, ValueError) as e:
        raise ReadinessError(f"{path}: not a transformer config (missing or bad {e})") from e
    kv_heads = int(cfg.get("num_key_value_heads") or heads)
    head_dim = int(cfg.get("head_dim") or hidden // heads)
    experts = cfg.get("num_local_experts") or cfg.get("num_experts") or None
    active = cfg.get("num_experts_per_tok") or None
    moe_inter = int(cfg.get("moe_intermediate_size") or inter)
    tie = bool(cfg.get("tie_word_embeddings", False))
    attn = 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim  # q and o, k and v
    ffn_one = 3 * hidden * (moe_inter if experts else inter)
    ffn_total = ffn_one * (experts or 1)
    ffn_active = ffn_one * (active or 1)
    emb = vocab * hidden * (1 if tie else 2)
    params = layers * (attn + ffn_total) + emb
    active_params = layers * (attn + ffn_active) + emb
    model = {
        "id": Path(path).stem, "name": cfg.get("_name_or_path") or Path(path).name, "family": cfg.get("model_type"),
        "params_b": params / 1e9, "active_params_b": active_params / 1e9, "layers": layers, "hidden_size": hidden,
        "intermediate_size": inter, "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim, "vocab_size": vocab,
        "max_context": cfg.get("max_position_embeddings"), "tie_embeddings": tie,
        "source": f"{path} (parameters counted from the config: attention, gated FFN and embeddings)",
    }
    if cfg.get("sliding_window"):
        model["sliding_window"] = int(cfg["sliding_window"])
        model["sliding_window_layers"] = "all" if not cfg.get("layer_types") else \
            f"{sum(t == 'sliding_attention' for t in cfg['layer_types'])}:{sum(t != 'sliding_attention' for t in cfg['layer_types'])}"
    if experts:
        model["experts"], model["experts_active"] = int(experts), int(active or 1)
    return model


_GGUF_ARCH_KEYS = {"block_count": "layers", "embedding_length": "hidden_size", "feed_forward_length": "intermediate_size",
                   "attention.head_count": "heads", "attention.head_count_kv": "kv_heads",
                   "context_length": "max_context", "expert_count": "experts", "expert_used_count": "experts_active",
                   "attention.sliding_window": "sliding_window", "attention.key_length": "head_dim"}


def model_from_gguf(path: str) -> tuple[dict, str | None, int]:
    """(model, quant id or None, file size) from a GGUF header, read with the gguf package without loading weights."""
    try:
        import gguf  # optional: pip install gguf
    except ImportError as e:
        raise ReadinessError("--gguf needs the gguf package", hint="pip install gguf") from e
    try:
        reader = gguf.GGUFReader(path, "r")
    except (OSError, ValueError) as e:
        raise ReadinessError(f"cannot read {path} as GGUF: {e}") from e

    def field(name: str) -> Any:
        f = reader.fields.get(name)
        if f is None:
            return None
        value = f.parts[f.data[0]] if f.data else None
        if value is None:
            return None
        if hasattr(value, "tobytes") and f.types and f.types[0] == gguf.GGUFValueType.STRING:
            return bytes(value).decode("utf-8", errors="replace")
        return value.tolist()[0] if hasattr(value, "tolist") and len(value) == 1 else value

    arch = field("general.architecture")
    if not arch:
        raise ReadinessError(f"{path}: no general.architecture in the GGUF header")
    model: dict[str, Any] = {"id": Path(path).stem, "name": field("general.name") or Path(path).name, "family": arch}
    for key, out in _GGUF_ARCH_KEYS.items():
        value = field(f"{arch}.{key}")
        if value is not None:
            model[out] = int(value)
    params = sum(int(t.n_elements) for t in reader.tensors)
    model["params_b"] = params / 1e9
    size = sum(int(t.n_bytes) for t in reader.tensors)
    model["head_dim"] = model.get("head_dim") or model["hidden_size"] // model["heads"]
    model.setdefault("kv_heads", model.get("heads"))
    vocab = next((int(t.shape[-1]) for t in reader.tensors if t.name == "token_embd.weight"), None)
    model["vocab_size"] = vocab or 32000
    if model.get("experts"):
        expert_params = sum(int(t.n_elements) for t in reader.tensors if "_exps" in t.name)
        model["active_params_b"] = (params - expert_params * (1 - model["experts_active"] / model["experts"])) / 1e9
    else:
        model["active_params_b"] = model["params_b"]
    model["source"] = f"{path} (GGUF header: {len(reader.tensors)} tensors)"
    ftype = field("general.file_type")
    quant = _GGUF_FTYPES.get(int(ftype)) if ftype is not None else None
    model["bits_per_weight"] = size * 8 / params if params else None
    return model, quant, size


# llama.cpp's LLAMA_FTYPE numbers (include/llama.h) for the formats in quants.toml.
_GGUF_FTYPES = {0: "f32", 1: "f16", 7: "q8_0", 18: "q6_k", 17: "q5_k_m", 8: "q5_0", 15: "q4_k_m", 14: "q4_k_s",
                2: "q4_0", 12: "q3_k_m", 10: "q2_k", 32: "f16"}


_WORKLOAD_REQUIRED = {"id": str, "kind": str, "name": str, "source": str}


def load_user_workloads(path: str) -> list[dict]:
    """Workloads from a user's TOML file, validated: errors name the file, the workload and the key."""
    doc = data.load_user_file(path)
    rows = doc.get("workload")
    if not isinstance(rows, list) or not rows:
        raise ReadinessError(f"{path}: no [[workload]] tables")
    from readiness.workloads import user_checks

    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ReadinessError(f"{path}: workload #{i + 1}: must be a [[workload]] table, not {row!r:.40}")
        wid = row.get("id")
        where = f"{path}: workload {wid if isinstance(wid, str) and wid else f'#{i + 1}'}"
        for key, typ in _WORKLOAD_REQUIRED.items():
            if not isinstance(row.get(key), typ):
                raise ReadinessError(f"{where}: key {key!r} is missing or not a {typ.__name__}")
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", row["id"]):
            raise ReadinessError(f"{where}: key 'id' must be lower-case letters, digits, '.', '_' or '-'")
        if row["kind"] not in KINDS:
            raise ReadinessError(f"{where}: key 'kind' must be one of {', '.join(KINDS)}")
        if row["kind"] in ("llm-inference", "fine-tuning"):
            if not isinstance(row.get("model"), str):
                raise ReadinessError(f"{where}: key 'model' is missing")
            find_model(row["model"])
            if row["kind"] == "llm-inference":
                find_quant(str(row.get("quant", "q4_k_m")))
        user_checks.check(row, where)
    return rows
