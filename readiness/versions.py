"""Version comparison by numbers, never by strings ("12.10" > "12.9")."""

from __future__ import annotations

import re


def parse(version: str | None) -> tuple[int, ...] | None:
    if not version:
        return None
    parts = re.findall(r"\d+", str(version))
    return tuple(int(p) for p in parts) if parts else None


def compare(a: str | None, b: str | None) -> int | None:
    """-1, 0 or 1; None when either side is unknown. Missing trailing parts count as 0."""
    pa, pb = parse(a), parse(b)
    if pa is None or pb is None:
        return None
    n = max(len(pa), len(pb))
    pa, pb = pa + (0,) * (n - len(pa)), pb + (0,) * (n - len(pb))
    return (pa > pb) - (pa < pb)
