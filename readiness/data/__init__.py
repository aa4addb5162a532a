"""Data files shipped with readiness: TOML, a source and a date on every row."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DATA_DIR = Path(__file__).parent
# benchmarks/accuracy.py --data DIR: files there replace the shipped ones of the same name (a
# colleague's unmerged validation rows, say); the others still come from DATA_DIR.
_OVERLAY: list[Path] = []


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    """Load ``readiness/data/<name>.toml`` (or the overlay's file of that name)."""
    path = next((d / f"{name}.toml" for d in _OVERLAY if (d / f"{name}.toml").is_file()), DATA_DIR / f"{name}.toml")
    with open(path, "rb") as f:
        return tomllib.load(f)


def use_overlay(folder) -> None:
    """Read data files from ``folder`` first (for benchmarks; callers clear their own caches)."""
    _OVERLAY[:] = [Path(folder)]
    load.cache_clear()


def load_user_file(path) -> dict:
    """A TOML file the user named (rules, workloads, prices): one clear error if unreadable or invalid."""
    from readiness.errors import ReadinessError

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ReadinessError(f"{path}: not valid TOML: {e}") from e


def rows(name: str, table: str) -> list[dict]:
    return load(name).get(table, [])
