"""JSON as readiness writes it: never NaN or Infinity (not JSON; most readers reject them).

A non-finite number that reached a document (a 400-digit power limit read as a float, NaN in a
capture answer) is written as null, which the schema reads as "unknown"."""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """The same document with every NaN and infinity replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(value: Any, **kwargs) -> str:
    try:  # the common case, without a copy of the document (a fleet report's rows are 100,000 dicts)
        return json.dumps(value, allow_nan=False, **kwargs)
    except ValueError:
        return json.dumps(finite(value), allow_nan=False, **kwargs)
