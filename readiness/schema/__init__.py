"""The shipped JSON Schemas: report.schema.json (schema 2) and facts.schema.json inside it."""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent


def load(name: str) -> dict:
    return json.loads((HERE / name).read_text(encoding="utf-8"))
