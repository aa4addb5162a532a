"""The models already on this machine: found in every runtime's store from their metadata alone
(docs/models.md), then judged by the same workload engine as the catalogue.

``discover`` reads paths and files only (never the network, never weights); ``judge`` takes the
facts of the machine and gives one verdict per model. Engines are imported inside ``judge`` so that
the GGUF reader below them (readiness.models.gguf) stays importable from the engines themselves.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

VERDICT_RANK = {"runs well": 0, "runs slowly": 1, "runs with offload": 2, "does not fit": 3, None: 4}
CHECK_SECONDS = 5.0  # check's budget for reading model headers; `readiness models` has none
DEFAULT_CONTEXT = 4096  # the catalogue's default; Ollama's num_ctx replaces it where a model sets one


def places(env: Mapping[str, str], platform: str, paths: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(store, folder) in the order searched; HOME and the stores' variables come from ``env``."""
    home = env.get("HOME") or env.get("USERPROFILE") or ""
    j = os.path.join
    out: list[tuple[str, str]] = []
    out.append(("ollama", env.get("OLLAMA_MODELS") or (j(home, ".ollama", "models") if home else "")))
    if env.get("HF_HUB_CACHE"):
        out.append(("huggingface", env["HF_HUB_CACHE"]))
    elif env.get("HF_HOME"):
        out.append(("huggingface", j(env["HF_HOME"], "hub")))
    elif env.get("XDG_CACHE_HOME"):
        out.append(("huggingface", j(env["XDG_CACHE_HOME"], "huggingface", "hub")))
    elif home:
        out.append(("huggingface", j(home, ".cache", "huggingface", "hub")))
    if home:
        out += [("lmstudio", j(home, ".lmstudio", "models")), ("lmstudio", j(home, ".cache", "lm-studio", "models"))]
    if env.get("LLAMA_CACHE"):
        out.append(("llama.cpp", env["LLAMA_CACHE"]))
    elif platform == "darwin" and home:
        out.append(("llama.cpp", j(home, "Library", "Caches", "llama.cpp")))
    elif platform.startswith("win") and env.get("LOCALAPPDATA"):
        out.append(("llama.cpp", j(env["LOCALAPPDATA"], "llama.cpp")))
    elif home:
        out.append(("llama.cpp", j(env.get("XDG_CACHE_HOME") or j(home, ".cache"), "llama.cpp")))
    if platform == "darwin" and home:
        out.append(("gpt4all", j(home, "Library", "Application Support", "nomic.ai", "GPT4All")))
    elif platform.startswith("win") and env.get("LOCALAPPDATA"):
        out.append(("gpt4all", j(env["LOCALAPPDATA"], "nomic.ai", "GPT4All")))
    elif home:
        out.append(("gpt4all", j(env.get("XDG_DATA_HOME") or j(home, ".local", "share"), "nomic.ai", "GPT4All")))
    out += [("path", p) for p in paths]
    return [(s, p) for s, p in out if p]


def discover(env: Mapping[str, str], platform: str, paths: tuple[str, ...] = (),
             seconds: float | None = None) -> dict[str, Any]:
    """Every model found: {"models": [...], "searched": [...], "disk_bytes": N}. Models keep private
    keys (_model, _quant, _files) for ``judge``; ``public`` strips them. With ``seconds``, headers
    not read by then are listed with a reason instead (check's time budget)."""
    import time

    from readiness.models import files, stores

    deadline = None if seconds is None else time.monotonic() + seconds

    searched, seen_dirs, models = [], set(), []
    for store, folder in places(env, platform, paths):
        real = os.path.realpath(folder)
        row: dict[str, Any] = {"store": store, "path": folder, "exists": files.is_dir(folder), "models": 0}
        searched.append(row)
        if not row["exists"] or real in seen_dirs:
            row["note"] = None if row["exists"] is False else "same folder as an earlier store"
            continue
        seen_dirs.add(real)
        budget = files.Budget()
        kind = store
        if store == "path" and files.is_dir(os.path.join(folder, "manifests")) and files.is_dir(
                os.path.join(folder, "blobs")):
            kind = "ollama"  # an Ollama store named with --path (a system-wide service's, say)
        elif store not in ("ollama", "huggingface") and any(
                e.name.startswith("models--") for e in files.entries(folder, files.Budget(1000))):
            kind = "huggingface"  # newer llama.cpp keeps its downloads in the HF cache layout (docs/models.md)
        if kind == "ollama":
            found = stores.ollama(folder, budget)
        elif kind == "huggingface":
            found = stores.hf_cache(folder, budget)
        else:
            found = stores.folder(folder, store, budget)
        if found:
            from readiness.models import read  # the GGUF and config readers, only once a store holds a model (issue 18)
        for c in found:
            c["store"] = f"path:{kind}" if store == "path" and kind != "path" else store
            if deadline is not None and time.monotonic() > deadline and not c.get("reason"):
                c["reason"] = (f"not read: the {seconds:g} s allowed for finding models ran out "
                               "(readiness models reads every one)")
            models.append(read.entry(c))
        row["models"] = len(found)
        if budget.notes:
            row["note"] = "; ".join(budget.notes)
    models = _dedupe(models)
    total, counted = 0, set()
    for m in models:
        new = {fid: size for fid, size in m["_files"].items() if fid not in counted}
        counted.update(new)
        m["counted_bytes"] = sum(new.values())
        total += m["counted_bytes"]
    return {"models": models, "searched": searched, "disk_bytes": total}


def _dedupe(models: list[dict]) -> list[dict]:
    """The same weights reached from two stores (a link from LM Studio into the HF cache) are one model."""
    out, by_weights = [], {}
    for m in models:
        key = max(m["_files"].items(), key=lambda kv: kv[1])[0] if m["_files"] else None
        if key and key in by_weights:
            first = by_weights[key]
            first["aliases"].append(f"{m['name']} ({m['store']}: {m['path']})")
            continue
        if key:
            by_weights[key] = m
        out.append(m)
    return out


def _context(m: dict, context: int | None) -> int:
    ctx = context or ((m.get("ollama") or {}).get("params") or {}).get("num_ctx") or DEFAULT_CONTEXT
    try:
        ctx = int(ctx)
    except (TypeError, ValueError):
        ctx = DEFAULT_CONTEXT
    native = m.get("native_context")
    return max(1, min(ctx, native) if isinstance(native, int) and native > 0 else ctx)


def judge(facts: dict, found: list[dict], assume_gpu: str | None = None, context: int | None = None,
          ram_gib: float | None = None) -> list[dict]:
    """One judgment per model found, sorted best first: the model's metadata, and the verdict the
    workload engine gives it on this machine (or on the assumed machine)."""
    from readiness.models import describe
    from readiness.workloads import assumed, engine, hardware

    machine = assumed.with_gpu(facts, assume_gpu, ram_gib) if assume_gpu else facts
    hw = hardware.from_facts(machine)
    out = []
    for m in found:
        row = public(m)
        row.update({"verdict": None, "why": m.get("reason"), "placement": None, "speed": None,
                    "memory_required_mib": None, "context": None, "alternatives": None})
        model, quant = m.get("_model"), m.get("_quant")
        lacking = describe.missing(model) if model else ["metadata"]
        if not m.get("reason") and (lacking or quant is None):
            row["why"] = "not judged: the metadata lacks " + ", ".join(lacking or ["the quantization"])
        elif not m.get("reason"):
            ctx = _context(m, context)
            w = {"id": f"local:{m['store']}:{m['name']}", "name": m["name"], "kind": "llm-inference",
                 "model": model["id"], "_model": model, "quant": quant["id"], "_quant": quant, "context": ctx,
                 "good_speed": 10.0, "source": model["source"]}
            # what would fit or run well instead (a smaller quant, KV cache, context, offload, a second
            # card), judged by the same engine as the verdict (workloads/alternatives.py)
            r = engine.evaluate(w, hw, alternatives_too=True)
            row.update({k: r.get(k) for k in ("verdict", "why", "placement", "speed", "decode_tokens_per_s",
                                              "decode_range", "prompt_tokens_per_s", "memory_required_mib",
                                              "memory_breakdown_mib", "devices", "backend", "gpu_layers",
                                              "assumptions")})
            row["context"] = ctx
            if r["verdict"] != "runs well":
                row["alternatives"] = r.get("alternatives") or []
        out.append(row)
    out.sort(key=lambda r: (VERDICT_RANK.get(r["verdict"], 4), -((r.get("speed") or {}).get("value") or 0), r["name"]))
    return out


def public(m: dict) -> dict:
    return {k: v for k, v in m.items() if not k.startswith("_")}
