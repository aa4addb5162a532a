"""What-if costs remembered between runs (issue 18): a check's purchases and rentals depend only
on its inputs, so the same inputs give the same answer, which is read back instead of estimating
hundreds of options again.

The key is a digest of everything that answer is made from:
- the priced workloads, the price rows (shipped and --prices files) and the cost inputs, as given;
- whether every option is kept, and today's date (an offer's "stale" mark depends on it);
- readiness' version, and the size and modification time of the code and tables that make the
  estimates (readiness/workloads, costs and catalog modules, readiness/data/*.toml).
Any change makes a new key, so a stale answer is never used. ``check --no-cache`` neither reads
nor writes it; a benchmark's data overlay (``data.use_overlay``) is never cached. Only the newest
``KEEP`` answers are kept. benchmarks/speed.py times a check with and without this cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date
from pathlib import Path

KEEP = 16  # answers kept in the folder (one per distinct set of inputs and day)
MAX_BYTES = 8 * 1024 * 1024
_PACKAGES = ("workloads", "costs", "catalog")


def _code_and_tables() -> list:
    """(name, size, mtime) of every file an estimate is made from."""
    from readiness import data

    top = Path(data.__file__).parent.parent
    out = []
    for folder, suffix in [*((top / p, ".py") for p in _PACKAGES), (top / "data", ".toml")]:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.endswith(suffix):
                try:
                    st = os.stat(folder / name)
                except OSError:
                    continue
                out.append([f"{folder.name}/{name}", st.st_size, st.st_mtime_ns])
    return out


def key(workloads: list[dict], prices, inputs, all_options: bool, today: date | None = None) -> str | None:
    """The digest of the inputs, or None when they can't be written down exactly (then: no cache)."""
    from readiness import __version__

    parts = [__version__, _code_and_tables(), workloads, vars(prices), vars(inputs), bool(all_options),
             (today or date.today()).isoformat()]
    try:
        text = json.dumps(parts, sort_keys=True, default=_exact, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _exact(value):
    # TOML dates and times, tagged so that a date and the string of it differ
    if hasattr(value, "isoformat"):
        return {f"${type(value).__name__}": value.isoformat()}
    raise TypeError(type(value).__name__)


def remembered(folder, workloads: list[dict], prices, inputs, all_options: bool, make) -> dict:
    """``make()``'s answer for these inputs: read back when remembered in ``folder`` (None: never)."""
    from readiness import data

    digest = key(workloads, prices, inputs, all_options) if folder is not None and not data._OVERLAY else None
    if digest is None:
        return make()
    path = Path(folder) / "costs" / f"{digest[:40]}.json"
    found = _load(path, digest)
    if found is None:
        found = make()
        _store(path, digest, found)
    return found


def _load(path: Path, digest: str) -> dict | None:
    try:
        if os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("key") != digest or not isinstance(doc.get("found"), dict):
        return None
    return doc["found"]


def _store(path: Path, digest: str, found: dict) -> None:
    """Best effort: a folder that can't be written only costs the estimates next time. Written
    only when the answer reads back equal (JSON keeps no tuples): what is read is what was made."""
    try:
        text = json.dumps({"key": digest, "found": found}, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return
    if len(text) > MAX_BYTES or json.loads(text)["found"] != found:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old answer or the new one
        _prune(path.parent)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    try:
        kept = sorted((p for p in folder.iterdir() if p.suffix == ".json"), key=lambda p: p.stat().st_mtime,
                      reverse=True)
    except OSError:
        return
    for old in kept[KEEP:]:
        try:
            old.unlink()
        except OSError:
            pass
