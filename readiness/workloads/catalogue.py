"""Models, quantizations, backends and workloads from the data files, and lookups by name."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
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
    raise ReadinessError(f"unknown model {name!r}", field="model")


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
    try:
        return model_from_hf_dict(cfg, Path(path).stem, None, f"{path} (parameters counted from the config: "
                                  "attention, gated FFN and embeddings)")
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError) as e:
        raise ReadinessError(f"{path}: not a transformer config (missing or bad {e})") from e


def model_from_hf_dict(cfg: dict, ident: str, name: str | None, source: str) -> dict:
    """The catalogue-shaped model dict from a parsed config.json; KeyError/TypeError/ValueError when it isn't one."""
    cfg = cfg.get("text_config", cfg) if isinstance(cfg, dict) else cfg
    hidden = int(cfg["hidden_size"])
    layers = int(cfg["num_hidden_layers"])
    heads = int(cfg["num_attention_heads"])
    vocab = int(cfg["vocab_size"])
    inter = int(cfg.get("intermediate_size") or 4 * hidden)
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
        "id": ident, "name": name or cfg.get("_name_or_path") or ident, "family": cfg.get("model_type"),
        "params_b": params / 1e9, "active_params_b": active_params / 1e9, "layers": layers, "hidden_size": hidden,
        "intermediate_size": inter, "heads": heads, "kv_heads": kv_heads, "head_dim": head_dim, "vocab_size": vocab,
        "max_context": cfg.get("max_position_embeddings"), "tie_embeddings": tie,
        "source": source,
    }
    if cfg.get("sliding_window"):
        model["sliding_window"] = int(cfg["sliding_window"])
        model["sliding_window_layers"] = "all" if not cfg.get("layer_types") else \
            f"{sum(t == 'sliding_attention' for t in cfg['layer_types'])}:{sum(t != 'sliding_attention' for t in cfg['layer_types'])}"
    if experts:
        model["experts"], model["experts_active"] = int(experts), int(active or 1)
    return model


_WORKLOAD_REQUIRED = {"id": str, "kind": str, "name": str, "source": str}


def load_user_workloads(path: str) -> list[dict]:
    """Workloads from a user's TOML file, validated: errors name the file, the workload and the key."""
    doc = data.load_user_file(path)
    rows = doc.get("workload")
    if not isinstance(rows, list) or not rows:
        raise ReadinessError(f"{path}: no [[workload]] tables")
    for i, row in enumerate(rows):
        where = f"{path}: workload {row.get('id') or f'#{i + 1}'}"
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
    return rows
