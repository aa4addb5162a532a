"""Data files shipped with readiness: TOML, a source and a date on every row."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import sys
from pathlib import Path


def _tomllib():
    # Imported only when a TOML file is parsed: a run that reads every table from its JSON copy
    # never needs the parser (issue 18).
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib

DATA_DIR = Path(__file__).parent
# benchmarks/accuracy.py --data DIR: files there replace the shipped ones of the same name (a
# colleague's unmerged validation rows, say); the others still come from DATA_DIR.
_OVERLAY: list[Path] = []


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    """Load ``readiness/data/<name>.toml``: parsed once per install, then read from a JSON copy in
    the user cache folder (pure-Python TOML parsing cost 0.15 s a run, issue 18). The copy is keyed
    by readiness' version and the file's size and modification time, so an edited table is parsed
    again; tests/test_data_cache.py checks that the copy never disagrees with the TOML."""
    overlay = next((d / f"{name}.toml" for d in _OVERLAY if (d / f"{name}.toml").is_file()), None)
    path = overlay or DATA_DIR / f"{name}.toml"
    # An overlay (benchmarks' --data) is read as it is: the cache holds the shipped tables only.
    cached = None if overlay else _cache_path(name, path)
    doc = _read_cache(cached)
    if doc is None:
        with open(path, "rb") as f:
            doc = _tomllib().load(f)
        if cached is not None:
            _write_cache(cached, doc)
    return doc


def load_shipped(path: Path, check, depends: tuple[Path, ...] = ()) -> tuple[dict, bool]:
    """A TOML file shipped with readiness outside this folder (the builtin rules), through the
    same JSON copy: (the document, whether it was parsed now). ``check(doc)`` runs on a document
    parsed now, before its copy is written, so a copy is only ever made of a document that passed
    it; ``depends``: files whose change also makes a new copy (the schema the check reads)."""
    cached = _cache_path(f"{path.parent.name}-{path.stem}", path, depends)
    doc = _read_cache(cached)
    if doc is not None:
        return doc, False
    with open(path, "rb") as f:
        doc = _tomllib().load(f)
    check(doc)
    if cached is not None:
        _write_cache(cached, doc)
    return doc, True


def _read_cache(cached: Path | None) -> dict | None:
    if cached is None:
        return None
    try:
        with open(cached, encoding="utf-8") as f:
            doc = json.load(f, object_hook=_decode)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def cache_dir() -> Path | None:
    """Where readiness keeps what it can make again: READINESS_CACHE_DIR, else the XDG cache."""
    explicit = os.environ.get("READINESS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or (os.path.join(os.path.expanduser("~"), ".cache")
                                                 if os.path.expanduser("~") != "~" else None)
    return Path(base) / "readiness" if base else None


def _cache_path(name: str, path: Path, depends: tuple[Path, ...] = ()) -> Path | None:
    if os.environ.get("READINESS_NO_CACHE"):
        return None
    folder = cache_dir()
    if folder is None:
        return None
    from readiness import __version__

    try:
        stamps = [f"{st.st_size}-{st.st_mtime_ns}" for st in (p.stat() for p in (path, *depends))]
    except OSError:
        return None
    return folder / "data" / f"{name}-{__version__}-{'-'.join(stamps)}.json"


def _write_cache(cached: Path, doc: dict) -> None:
    """Best effort: a cache folder that can't be written only costs the parse next time."""
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, default=_encode, separators=(",", ":"))
        os.replace(tmp, cached)  # atomic: a concurrent reader sees the old copy or the new one
    except (OSError, TypeError, ValueError):
        pass


def _encode(value):
    # TOML has dates and times; JSON does not. They are tagged so they come back as the same types.
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, _dt.time):
        return {"$time": value.isoformat()}
    raise TypeError(f"cannot cache {type(value).__name__}")


def _decode(obj: dict):
    if len(obj) == 1:
        (key, value), = obj.items()
        if key == "$date":
            return _dt.date.fromisoformat(value)
        if key == "$datetime":
            return _dt.datetime.fromisoformat(value)
        if key == "$time":
            return _dt.time.fromisoformat(value)
    return obj


def use_overlay(folder) -> None:
    """Read data files from ``folder`` first (for benchmarks; callers clear their own caches)."""
    _OVERLAY[:] = [Path(folder)]
    load.cache_clear()


def load_user_file(path) -> dict:
    """A TOML file the user named (rules, workloads, prices): one clear error if unreadable or invalid."""
    from readiness.errors import ReadinessError

    try:
        with open(path, "rb") as f:
            return _tomllib().load(f)
    except OSError as e:
        raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
    except _tomllib().TOMLDecodeError as e:
        raise ReadinessError(f"{path}: not valid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise ReadinessError(f"{path}: not UTF-8 text (TOML files are UTF-8): byte {e.start}") from e
    except RecursionError as e:
        raise ReadinessError(f"{path}: tables nested too deeply") from e


def rows(name: str, table: str) -> list[dict]:
    return load(name).get(table, [])
