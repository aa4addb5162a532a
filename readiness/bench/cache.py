"""Where bench results are kept: one JSON file in the user's cache folder, one entry per machine.

READINESS_CACHE_DIR, else $XDG_CACHE_HOME/readiness, else ~/.cache/readiness (%LOCALAPPDATA% on
Windows). `readiness bench --clear` deletes the file.
"""

from __future__ import annotations

import json
import os

SCHEMA_VERSION = 1
FILE = "bench.json"
_MAX_BYTES = 4 * 2**20


def folder() -> str:
    if os.environ.get("READINESS_CACHE_DIR"):
        return os.environ["READINESS_CACHE_DIR"]
    if os.environ.get("XDG_CACHE_HOME"):
        return os.path.join(os.environ["XDG_CACHE_HOME"], "readiness")
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return os.path.join(os.environ["LOCALAPPDATA"], "readiness", "cache")
    return os.path.join(os.path.expanduser("~"), ".cache", "readiness")


def path() -> str:
    return os.path.join(folder(), FILE)


def load() -> tuple[dict, str | None]:
    """(the store, a problem in words or None). A missing file is an empty store; a corrupt or
    foreign one is ignored with a reason, never fatal."""
    empty = {"bench_schema_version": SCHEMA_VERSION, "machines": {}}
    p = path()
    try:
        with open(p, "rb") as f:
            raw = f.read(_MAX_BYTES + 1)
    except FileNotFoundError:
        return empty, None
    except OSError as e:
        return empty, f"cannot read {p}: {e.strerror or e}"
    if len(raw) > _MAX_BYTES:
        return empty, f"{p} is larger than {_MAX_BYTES // 2**20} MiB; ignored"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return empty, f"{p} is not valid JSON; ignored (readiness bench writes a new one)"
    if not isinstance(doc, dict) or doc.get("bench_schema_version") != SCHEMA_VERSION \
            or not isinstance(doc.get("machines"), dict):
        return empty, f"{p} has another bench schema version; ignored"
    return doc, None


def save(result: dict) -> str:
    """Store one bench result under its machine id (replacing that machine's last one)."""
    import tempfile  # only a bench run writes; a check reads (issue 18: not imported on every check)

    store, _ = load()
    store["machines"][result["machine"]["id"]] = result
    os.makedirs(folder(), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".bench-", dir=folder())
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(store, f, indent=1)
    os.replace(tmp, path())  # atomic: a crash never leaves half a file
    return path()


def clear() -> bool:
    try:
        os.unlink(path())
        return True
    except FileNotFoundError:
        return False
