"""A store's candidate -> one model entry: its metadata read (GGUF header, config.json, safetensors
headers), never its weights. A file that can't be read gives the entry a reason, never an exception."""

from __future__ import annotations

import os
from typing import Any

from readiness.models import describe, files, gguf

MAX_SHARDS = 512  # safetensors shards or GGUF split parts read per model

FACT_KEYS = ("architecture", "parameters", "active_parameters", "quantization", "native_context", "layers", "heads",
             "kv_heads", "embedding_length", "experts", "experts_used")


def entry(c: dict) -> dict[str, Any]:
    sizes = {fid: size for fid, size in c.get("files", [])}
    out: dict[str, Any] = {"name": c["name"], "store": c["store"], "path": c["path"], "aliases": c.get("aliases", []),
                           "format": c.get("format"), "size_bytes": sum(sizes.values()), **{k: None for k in FACT_KEYS},
                           "reason": c.get("reason")}
    out["_files"] = sizes
    if c.get("ollama_config") is not None:
        out["ollama"] = {"config": c["ollama_config"], "params": c.get("ollama_params"),
                         "template": c.get("ollama_template")}
    if out["reason"]:
        return out
    try:
        if c.get("gguf"):
            _gguf(c, out)
        elif c.get("config_path"):
            _hf(c, out)
    except RecursionError:
        out["reason"] = "metadata nested too deeply"
    if c.get("ollama_config") and not out.get("quantization"):
        out["quantization"] = c["ollama_config"].get("file_type")  # Ollama's own word for it
    return out


def _gguf(c: dict, out: dict) -> None:
    parts = c.get("gguf_parts") or [c["gguf"]]
    headers, weights = [], 0
    for path in parts[:MAX_SHARDS]:
        try:
            h = gguf.read_path(path)
        except OSError as e:
            out["reason"] = f"cannot read {path}: {e.strerror or e}"
            return
        except gguf.GGUFError as e:
            out["reason"] = f"{os.path.basename(path)}: {e}"
            return
        headers.append(h)
        size = files.size_of(path) or 0
        weights += max(size - h.data_offset, 0)
    first = headers[0]
    if len(headers) > 1:  # split files: metadata in the first, tensors spread over all
        first = gguf.Header(first.version, first.endian, first.metadata, first.array_lengths,
                            [t for h in headers for t in h.tensors], first.data_offset)
    model, extra = describe.from_gguf(first, c["name"], weights or None,
                                      f"{c['path']} (GGUF header: {len(first.tensors)} tensors)")
    out.update({k: v for k, v in extra["facts"].items() if k in FACT_KEYS or k in ("tensor_types", "quantization_from")})
    out["_model"], out["_quant"] = model, extra["quant"]
    if not model.get("family"):
        out["reason"] = "no general.architecture in the GGUF header"


def _hf(c: dict, out: dict) -> None:
    config, why = files.read_json(c["config_path"])
    if why or not isinstance(config, dict):
        out["reason"] = why or "config.json is not a JSON object"
        return
    tensors: dict[str, list[int]] | None = {}
    weights = 0
    paths = c.get("safetensors") or []
    if c.get("index_path"):
        index, _ = files.read_json(c["index_path"], files.INDEX_LIMIT)
        wm = index.get("weight_map") if isinstance(index, dict) else None
        if isinstance(wm, dict):
            wanted = sorted({str(v) for v in wm.values()})
            have = {os.path.basename(p) for p in paths}
            lacking = [w for w in wanted if w not in have]
            if lacking:
                out["reason"] = f"incomplete download: {len(lacking)} of {len(wanted)} shards missing"
    for path in paths[:MAX_SHARDS]:
        got, why = files.safetensors_header(path)
        if got is None:
            out["reason"] = why
            tensors = None
            break
        for dtype, (n, b) in got.items():
            row = tensors.setdefault(dtype, [0, 0])
            row[0] += n
            row[1] += b
        weights += sum(b for _, b in got.values())
    if c.get("format") == "pytorch":
        tensors, weights = None, sum(out["_files"].values())
    model, extra = describe.from_hf(config, c["name"], tensors or None, weights or None, f"{c['config_path']}")
    out.update({k: v for k, v in extra["facts"].items() if k in FACT_KEYS or k == "parameters_from"})
    out["_model"], out["_quant"] = model, extra["quant"]
    out["reason"] = out["reason"] or extra.get("reason")
