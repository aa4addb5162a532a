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


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    """Load ``readiness/data/<name>.toml``."""
    with open(DATA_DIR / f"{name}.toml", "rb") as f:
        return tomllib.load(f)


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
    except UnicodeDecodeError as e:
        raise ReadinessError(f"{path}: not UTF-8 text (TOML files are UTF-8): byte {e.start}") from e
    except RecursionError as e:
        raise ReadinessError(f"{path}: tables nested too deeply") from e


def rows(name: str, table: str) -> list[dict]:
    return load(name).get(table, [])
