"""Small bounded readers for the model stores: every read has a size cap, every walk an entry cap, and
no symlink leads out of the store it was found in."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

JSON_LIMIT = 4 * 2**20  # a manifest, a config layer, a config.json (a few KiB in practice)
INDEX_LIMIT = 32 * 2**20  # model.safetensors.index.json of a 1,000-tensor model is ~100 KiB
TEXT_LIMIT = 256 * 2**10  # an Ollama template or params layer
SAFETENSORS_HEADER_LIMIT = 100 * 2**20  # the safetensors format's own cap on its JSON header
MAX_ENTRIES = 100_000  # directory entries visited per store
MAX_MODELS = 10_000  # models listed per store


@dataclass
class Budget:
    """Entries visited in one store; once spent, the walk stops and says so."""
    entries: int = MAX_ENTRIES
    notes: list[str] = field(default_factory=list)

    def spend(self, n: int = 1) -> bool:
        self.entries -= n
        if self.entries < 0:
            if not any("entry limit" in n for n in self.notes):
                self.notes.append(f"stopped after {MAX_ENTRIES} directory entries (the entry limit)")
            return False
        return True


def inside(path: str, root: str) -> bool:
    """True when ``path``, with every symlink resolved, lies under ``root`` (also resolved)."""
    try:
        real, base = os.path.realpath(path), os.path.realpath(root)
    except (OSError, ValueError):
        return False
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def entries(path: str, budget: Budget) -> list[os.DirEntry]:
    """A directory's entries, sorted by name; [] when it can't be read or the budget is spent."""
    try:
        with os.scandir(path) as it:
            out = []
            for e in it:
                if not budget.spend():
                    break
                out.append(e)
    except OSError:
        return []
    return sorted(out, key=lambda e: e.name)


def is_dir(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except (OSError, ValueError):
        return False


def size_of(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):
        return None


def file_id(path: str) -> str:
    """What identifies the bytes on disk (device and inode), so a file reached twice counts once."""
    try:
        st = os.stat(path)
        return f"{st.st_dev}:{st.st_ino}"
    except (OSError, ValueError):
        return os.path.realpath(path)


def read_bytes(path: str, limit: int) -> tuple[bytes | None, str | None]:
    """(bytes, None) or (None, why). A file over ``limit`` is refused, not cut."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        return None, f"cannot read {path}: {e.strerror or e}"
    if len(data) > limit:
        return None, f"{path} is over the {limit // 1024} KiB limit for this kind of file"
    return data, None


def read_json(path: str, limit: int = JSON_LIMIT) -> tuple[Any, str | None]:
    data, why = read_bytes(path, limit)
    if data is None:
        return None, why
    try:
        return json.loads(data.decode("utf-8", errors="replace")), None
    except ValueError as e:
        return None, f"{path} is not valid JSON: {e}"
    except RecursionError:
        return None, f"{path}: JSON nested too deeply"


def read_text(path: str, limit: int = TEXT_LIMIT) -> tuple[str | None, str | None]:
    data, why = read_bytes(path, limit)
    return (data.decode("utf-8", errors="replace"), None) if data is not None else (None, why)


def safetensors_header(path: str) -> tuple[dict | None, str | None]:
    """{dtype: [parameters, bytes]} from a safetensors file's header (8-byte little-endian length, then
    JSON), without reading the tensors."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if len(head) < 8:
                return None, f"{path}: truncated safetensors file"
            n = int.from_bytes(head, "little")
            if n > SAFETENSORS_HEADER_LIMIT:
                return None, f"{path}: a safetensors header of {n} bytes is over the 100 MiB limit"
            raw = f.read(n)
    except OSError as e:
        return None, f"cannot read {path}: {e.strerror or e}"
    if len(raw) < n:
        return None, f"{path}: truncated safetensors header"
    try:
        doc = json.loads(raw.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as e:
        return None, f"{path}: the safetensors header is not valid JSON ({e})"
    if not isinstance(doc, dict):
        return None, f"{path}: the safetensors header is not a JSON object"
    out: dict[str, list[int]] = {}
    for name, t in doc.items():
        if name == "__metadata__" or not isinstance(t, dict):
            continue
        shape, dtype, offsets = t.get("shape"), t.get("dtype"), t.get("data_offsets")
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape) or len(shape) > 8:
            return None, f"{path}: tensor {name[:80]!r} has a bad shape"
        elements = 1
        for d in shape:
            elements *= d
        nbytes = offsets[1] - offsets[0] if isinstance(offsets, list) and len(offsets) == 2 and all(
            isinstance(o, int) for o in offsets) else 0
        row = out.setdefault(str(dtype), [0, 0])
        row[0] += elements
        row[1] += max(nbytes, 0)
    return out, None
