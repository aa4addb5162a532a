"""A model description from a Hugging Face config.json (or DeepSeek's own inference config), no weights.

Parameters are counted from the architecture: embeddings, attention (grouped-query, or DeepSeek's
multi-head latent attention with its low-rank q and kv projections), gated FFNs, and for MoE models
the routed and shared experts, the router, and the first dense layers. Fields that readiness does
not read and that change the count are named in a warning, never silently ignored.
"""

from __future__ import annotations

from pathlib import Path

# DeepSeek's inference configs (github.com/deepseek-ai/DeepSeek-V3, inference/configs) name the same
# things differently.
_ALIASES = {"dim": "hidden_size", "inter_dim": "intermediate_size", "moe_inter_dim": "moe_intermediate_size",
            "n_layers": "num_hidden_layers", "n_dense_layers": "first_k_dense_replace", "n_heads": "num_attention_heads",
            "n_activated_experts": "num_experts_per_tok"}
_READ = {"hidden_size", "intermediate_size", "moe_intermediate_size", "num_hidden_layers", "first_k_dense_replace",
         "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "tie_word_embeddings",
         "num_experts_per_tok", "num_local_experts", "num_experts", "n_routed_experts", "n_shared_experts",
         "shared_expert_intermediate_size", "moe_layer_freq", "decoder_sparse_step", "q_lora_rank", "kv_lora_rank",
         "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim", "sliding_window", "layer_types",
         "max_position_embeddings", "model_type", "_name_or_path", "text_config", "mlp_only_layers",
         "num_nextn_predict_layers"}
# Fields that don't change the parameter count or the memory per token (training, routing details,
# RoPE, norms, ids, dtypes, tokenizer and serving settings).
_HARMLESS = {"architectures", "attention_bias", "attention_dropout", "auto_map", "bos_token_id", "eos_token_id",
             "pad_token_id", "hidden_act", "initializer_range", "rms_norm_eps", "rope_theta", "rope_scaling",
             "torch_dtype", "transformers_version", "use_cache", "aux_loss_alpha", "ep_size", "n_group",
             "topk_group", "topk_method", "norm_topk_prob", "routed_scaling_factor", "scoring_func", "seq_aux",
             "pretraining_tp", "quantization_config", "use_sliding_window", "max_window_layers", "router_aux_loss_coef",
             "output_router_logits", "router_jitter_noise", "dtype", "n_expert_groups", "n_limited_groups",
             "route_scale", "score_func", "mscale", "attn_logit_softcapping", "final_logit_softcapping",
             "query_pre_attn_scalar", "rope_local_base_freq", "mlp_bias", "tokenizer_class", "model_name",
             "rope_parameters", "partial_rotary_factor", "bias", "sliding_window_pattern", "use_qk_norm",
             "swiglu_limit", "initial_context_length", "experts_per_token", "rope_ntk_alpha", "rope_ntk_beta"}


def read(cfg: dict, path: str) -> tuple[dict, list[str]]:
    """(model row as in models.toml, warnings). Raises KeyError/TypeError/ValueError on a non-transformer."""
    outer = cfg
    cfg = dict(cfg.get("text_config", cfg))
    for short, long in _ALIASES.items():
        if short in cfg and long not in cfg:
            cfg[long] = cfg[short]
    hidden = int(cfg["hidden_size"])
    layers = int(cfg["num_hidden_layers"])
    heads = int(cfg["num_attention_heads"])
    vocab = int(cfg["vocab_size"])
    inter = int(cfg.get("intermediate_size") or 4 * hidden)
    kv_heads = int(cfg.get("num_key_value_heads") or heads)
    head_dim = int(cfg.get("head_dim") or hidden // heads)
    tie = bool(cfg.get("tie_word_embeddings", False))

    attn, kv_per_layer = _attention(cfg, hidden, heads, kv_heads, head_dim)
    experts = int(cfg.get("n_routed_experts") or cfg.get("num_local_experts") or cfg.get("num_experts") or 0)
    active = int(cfg.get("num_experts_per_tok") or cfg.get("experts_per_token") or (1 if experts else 0))
    dense_ffn = 3 * hidden * inter
    if experts:
        moe_inter = int(cfg.get("moe_intermediate_size") or inter)
        expert = 3 * hidden * moe_inter
        shared = int(cfg.get("n_shared_experts") or 0) * expert
        if cfg.get("shared_expert_intermediate_size"):
            shared += 3 * hidden * int(cfg["shared_expert_intermediate_size"])
        router = hidden * experts
        dense_layers = _dense_layers(cfg, layers)
        moe_layers = layers - dense_layers
        total_ffn = dense_layers * dense_ffn + moe_layers * (experts * expert + shared + router)
        active_ffn = dense_layers * dense_ffn + moe_layers * (active * expert + shared + router)
    else:
        moe_layers = dense_layers = 0
        total_ffn = active_ffn = layers * dense_ffn
    emb = vocab * hidden * (1 if tie else 2)
    params = layers * attn + total_ffn + emb
    active_params = layers * attn + active_ffn + emb
    model = {
        "id": Path(path).stem, "name": cfg.get("_name_or_path") or outer.get("_name_or_path") or Path(path).name,
        "family": cfg.get("model_type"), "params_b": params / 1e9, "active_params_b": active_params / 1e9,
        "layers": layers, "hidden_size": hidden, "intermediate_size": inter, "heads": heads, "kv_heads": kv_heads,
        "head_dim": head_dim, "vocab_size": vocab, "max_context": cfg.get("max_position_embeddings"),
        "tie_embeddings": tie,
        "source": f"{path} (parameters counted from the config: attention, gated FFN, experts and embeddings)",
    }
    if kv_per_layer is not None:
        model["kv_dim_per_layer"] = kv_per_layer
    if cfg.get("sliding_window"):
        model["sliding_window"] = int(cfg["sliding_window"])
        types = cfg.get("layer_types")
        model["sliding_window_layers"] = "all" if not types else \
            f"{sum(t == 'sliding_attention' for t in types)}:{sum(t != 'sliding_attention' for t in types)}"
    if experts:
        model.update(experts=experts, experts_active=active, dense_layers=dense_layers)
        if "moe_intermediate_size" in cfg:
            model["moe_intermediate_size"] = int(cfg["moe_intermediate_size"])
    unknown = sorted(k for k in cfg if k not in _READ and k not in _HARMLESS and k not in _ALIASES)
    warnings = [f"{path}: config fields readiness does not read (the parameter count may be off): "
                + ", ".join(unknown)] if unknown else []
    return model, warnings


def _attention(cfg: dict, hidden: int, heads: int, kv_heads: int, head_dim: int) -> tuple[int, int | None]:
    """(attention parameters per layer, KV-cache elements per token per layer or None for 2 × kv_heads × head_dim)."""
    if cfg.get("kv_lora_rank"):
        # Multi-head latent attention (DeepSeek-V2/V3): q through a rank-q_lora bottleneck (or direct),
        # k/v from a shared rank-kv_lora latent plus a decoupled RoPE key; the cache holds the latent
        # and the RoPE key only (llama.cpp and vLLM store the compressed form).
        kv_lora = int(cfg["kv_lora_rank"])
        rope = int(cfg.get("qk_rope_head_dim") or 64)
        nope = int(cfg.get("qk_nope_head_dim") or head_dim)
        v = int(cfg.get("v_head_dim") or head_dim)
        q_lora = int(cfg.get("q_lora_rank") or 0)
        q = hidden * q_lora + q_lora * heads * (nope + rope) if q_lora else hidden * heads * (nope + rope)
        kv = hidden * (kv_lora + rope) + kv_lora * heads * (nope + v)
        return q + kv + heads * v * hidden, kv_lora + rope
    return 2 * hidden * heads * head_dim + 2 * hidden * kv_heads * head_dim, None


def _dense_layers(cfg: dict, layers: int) -> int:
    if cfg.get("mlp_only_layers"):
        return len(cfg["mlp_only_layers"])
    dense = int(cfg.get("first_k_dense_replace") or 0)
    step = int(cfg.get("moe_layer_freq") or cfg.get("decoder_sparse_step") or 1) if not isinstance(
        cfg.get("moe_layer_freq"), list) else 1
    if step > 1:  # one MoE layer every `step` layers
        return dense + (layers - dense) - (layers - dense) // step
    return dense
