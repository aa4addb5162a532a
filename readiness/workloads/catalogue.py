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


def default_quant(model: dict) -> str:
    """The model's native release format where it ships quantized (gpt-oss: MXFP4), else Q4_K_M."""
    return str(model.get("native_quant") or "q4_k_m")


@functools.lru_cache(maxsize=None)
def kv_caches() -> dict[str, dict]:
    return {k["id"]: k for k in data.rows("quants", "kv_cache")}


def find_kv_cache(name: str) -> dict:
    key = name.strip().lower().replace("-", "_")
    if key in ("fp16", "f16", "bf16"):
        key = "f16"
    if key not in kv_caches():
        raise ReadinessError(f"unknown KV cache type {name!r}", hint="one of: " + ", ".join(kv_caches()))
    return kv_caches()[key]


def model_from_hf_config(path: str) -> dict:
    """A model description from a Hugging Face config.json (no weights needed)."""
    try:
        with open(path, encoding="utf-8") as f:
            cfg = json.load(f)
    except OSError as e:
        raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
    except ValueError as e:
        raise ReadinessError(f"{path} is not valid JSON: {e}") from e
    if not isinstance(cfg, dict):
        raise ReadinessError(f"{path}: not a transformer config (not a JSON object)")
    from readiness.workloads import hf_config

    try:
        model, warnings = hf_config.read(cfg, path)
    except (KeyError, TypeError, ValueError) as e:
        raise ReadinessError(f"{path}: not a transformer config (missing or bad {e})") from e
    if warnings:
        model["warnings"] = warnings
    return model


def model_from_hf_dict(cfg: dict, ident: str, name: str | None, source: str) -> dict:
    """The catalogue-shaped model dict from a parsed config.json (a model found in a local store);
    KeyError/TypeError/ValueError when it isn't one. Counted by the one config reader, hf_config."""
    from readiness.workloads import hf_config

    model, warnings = hf_config.read(cfg, ident)
    model.update(id=ident, name=name or model.get("name") or ident, source=source)
    if warnings:
        model["warnings"] = [w.replace(f"{ident}: ", "", 1) for w in warnings]
    return model


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
        user_checks.check(row, where, builtin_workloads())
    return rows
