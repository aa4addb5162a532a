"""Where models live, and what each store says about them: Ollama's manifests and blobs, the Hugging
Face hub cache, and folders of loose files (LM Studio, llama.cpp's cache, GPT4All, --path).

Each finder returns candidate dicts: name, store, path, the files (with a disk identity, so a blob
two tags share counts once), and what to read next (a GGUF header, a config.json, safetensors
headers). Reading those is readiness.models.read's job.
"""

from __future__ import annotations

import os
import re

from readiness.models import files

_DIGEST = re.compile(r"sha256[:-]([0-9a-f]{64})")
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.I)
_OLLAMA_HOST = "registry.ollama.ai"


def _blob(root: str, digest: object) -> str | None:
    """The blob file of a digest, inside the store: newer Ollama names it sha256-<hex>, older sha256:<hex>."""
    m = _DIGEST.fullmatch(digest) if isinstance(digest, str) else None
    if not m:
        return None
    for name in (f"sha256-{m.group(1)}", f"sha256:{m.group(1)}"):
        path = os.path.join(root, "blobs", name)
        if os.path.lexists(path):
            return path if files.inside(path, root) else None
    return None


def _ollama_name(host: str, ns: str, model: str, tag: str) -> str:
    if host == _OLLAMA_HOST:
        return f"{model}:{tag}" if ns == "library" else f"{ns}/{model}:{tag}"
    return f"{host}/{ns}/{model}:{tag}"


def ollama(root: str, budget: files.Budget) -> list[dict]:
    """One candidate per model blob: tags whose manifests point at the same weights are one model."""
    mroot = os.path.join(root, "manifests")
    by_blob: dict[str, dict] = {}
    out: list[dict] = []
    for host in files.entries(mroot, budget):
        for ns in files.entries(host.path, budget) if host.is_dir(follow_symlinks=False) else []:
            for model in files.entries(ns.path, budget) if ns.is_dir(follow_symlinks=False) else []:
                for tag in files.entries(model.path, budget) if model.is_dir(follow_symlinks=False) else []:
                    if len(out) >= files.MAX_MODELS:
                        budget.notes.append(f"stopped at {files.MAX_MODELS} models")
                        return out
                    if not tag.is_file(follow_symlinks=False):
                        continue
                    name = _ollama_name(host.name, ns.name, model.name, tag.name)
                    found = _ollama_one(root, tag.path, name)
                    key = found.pop("_model_blob", None)
                    if key and key in by_blob:
                        by_blob[key]["aliases"].append(name)
                        continue
                    if key:
                        by_blob[key] = found
                    out.append(found)
    return out


def _ollama_one(root: str, manifest_path: str, name: str) -> dict:
    found: dict = {"name": name, "store": "ollama", "path": manifest_path, "aliases": [], "files": [],
                   "format": "gguf"}
    doc, why = files.read_json(manifest_path)
    if why or not isinstance(doc, dict):
        found["reason"] = why or "the manifest is not a JSON object"
        return found
    layers = doc.get("layers") if isinstance(doc.get("layers"), list) else []
    config = doc.get("config") if isinstance(doc.get("config"), dict) else {}
    missing = []
    for layer in [config] + layers:
        if not isinstance(layer, dict):
            continue
        kind = str(layer.get("mediaType") or "").rsplit(".", 1)[-1]
        path = _blob(root, layer.get("digest"))
        if path is None:
            missing.append(kind)
            continue
        size = files.size_of(path)
        found["files"].append((files.file_id(path), size if size is not None else layer.get("size") or 0))
        if kind == "model" and "gguf" not in found:
            found["gguf"], found["path"], found["_model_blob"] = path, path, files.file_id(path)
        elif kind == "params":
            params, _ = files.read_json(path, files.TEXT_LIMIT)
            found["ollama_params"] = params if isinstance(params, dict) else None
        elif kind == "template":
            text, _ = files.read_text(path)
            # Ollama itself offers tools to a model whose template uses .Tools (server/images.go).
            found["ollama_template"] = {"bytes": size, "tools": bool(text and ".Tools" in text)}
        elif layer is config:
            cfg, _ = files.read_json(path)
            if isinstance(cfg, dict):
                found["ollama_config"] = {k: cfg.get(k) for k in ("model_format", "model_family", "model_families",
                                                                  "model_type", "file_type") if k in cfg}
    if "gguf" not in found:
        found["reason"] = ("the model blob is missing (pull it again)" if "model" in missing
                           else "the manifest has no model layer")
    return found


def hf_cache(root: str, budget: files.Budget) -> list[dict]:
    """models--org--name/snapshots/<rev>/: the revision refs/main names, else the newest snapshot."""
    out: list[dict] = []
    for repo in files.entries(root, budget):
        if not repo.name.startswith("models--") or not repo.is_dir(follow_symlinks=False):
            continue
        name = repo.name[len("models--"):].replace("--", "/")
        snaps = os.path.join(repo.path, "snapshots")
        revs = [e for e in files.entries(snaps, budget) if e.is_dir(follow_symlinks=False)]
        if not revs:
            continue
        ref, _ = files.read_text(os.path.join(repo.path, "refs", "main"), 256)
        chosen = next((e for e in revs if ref and e.name == ref.strip()), None) or max(revs, key=_mtime)
        mine = _folder_models(chosen.path, repo.path, "huggingface", name, budget, depth=3)
        if len(mine) == 1:
            # One model in the repo: every blob (older revisions, tokenizer) is what it takes on disk.
            used = {fid for fid, _ in mine[0]["files"]}
            mine[0]["files"] += [(files.file_id(b.path), b.stat(follow_symlinks=False).st_size)
                                 for b in files.entries(os.path.join(repo.path, "blobs"), budget)
                                 if b.is_file(follow_symlinks=False) and files.file_id(b.path) not in used]
        out += mine
    return out


def _mtime(entry: os.DirEntry) -> float:
    try:
        return entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return 0.0


def folder(root: str, store: str, budget: files.Budget, depth: int = 4) -> list[dict]:
    """Loose GGUF files and safetensors model folders under ``root`` (publisher/model/file.gguf and the like)."""
    return _folder_models(root, root, store, None, budget, depth)


def _folder_models(top: str, store_root: str, store: str, repo_name: str | None, budget: files.Budget,
                   depth: int) -> list[dict]:
    out: list[dict] = []
    stack = [(top, 0)]
    while stack:
        path, level = stack.pop()
        ents = files.entries(path, budget)
        names = {e.name for e in ents}
        ggufs, safetensors = [], []
        for e in ents:
            if e.is_symlink() and not files.inside(e.path, store_root):
                continue  # never follow a link out of the store
            if e.is_dir() and level < depth and not e.name.startswith("."):
                if not e.is_symlink():
                    stack.append((e.path, level + 1))
            elif e.name.lower().endswith(".gguf") and e.is_file():
                ggufs.append(e)
            elif e.name.endswith(".safetensors") and e.is_file():
                safetensors.append(e)
        rel = os.path.relpath(path, top)
        for group in _gguf_groups(ggufs):
            first = group[0]
            label = os.path.splitext(first.name)[0]
            label = _SPLIT.sub("", first.name) if len(group) > 1 or _SPLIT.search(first.name) else label
            name = f"{repo_name}/{label}" if repo_name else (label if rel == "." else f"{rel}/{label}")
            out.append({"name": name, "store": store, "path": first.path, "format": "gguf", "aliases": [],
                        "gguf": first.path, "gguf_parts": [g.path for g in group], "_repo": store_root,
                        "files": [(files.file_id(g.path), files.size_of(g.path) or 0) for g in group]})
        if safetensors or ("config.json" in names and any(n.endswith(".bin") for n in names)):
            weights = safetensors or [e for e in ents if e.name.endswith(".bin") and e.is_file()]
            name = repo_name or (os.path.basename(path) if rel == "." else rel)
            out.append({"name": name, "store": store, "path": path, "format": "safetensors" if safetensors
                        else "pytorch", "aliases": [], "config_path": os.path.join(path, "config.json"),
                        "safetensors": [e.path for e in safetensors], "_repo": store_root,
                        "index_path": os.path.join(path, "model.safetensors.index.json")
                        if "model.safetensors.index.json" in names else None,
                        "files": [(files.file_id(e.path), files.size_of(e.path) or 0) for e in weights]})
        if len(out) >= files.MAX_MODELS:
            budget.notes.append(f"stopped at {files.MAX_MODELS} models")
            break
    return out


def _gguf_groups(ggufs: list) -> list[list]:
    """Split files (name-00001-of-00003.gguf) grouped; vision projectors (mmproj) are not models."""
    groups: dict[str, list] = {}
    for e in sorted(ggufs, key=lambda e: e.name):
        if e.name.lower().startswith("mmproj"):
            continue
        m = _SPLIT.search(e.name)
        key = e.name[:m.start()] if m else e.name
        groups.setdefault(key, []).append(e)
    return list(groups.values())
