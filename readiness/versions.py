"""Version comparison by numbers, never by strings ("12.10" > "12.9")."""

from __future__ import annotations

import re


def parse(version: str | None) -> tuple[int, ...] | None:
    if not version:
        return None
    parts = re.findall(r"\d+", str(version))
    # a part past 18 digits is no version (and past 4300 int() raises: a fuzzed driver version, #19)
    if not parts or any(len(p) > 18 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def compare(a: str | None, b: str | None) -> int | None:
    """-1, 0 or 1; None when either side is unknown. Missing trailing parts count as 0."""
    pa, pb = parse(a), parse(b)
    if pa is None or pb is None:
        return None
    n = max(len(pa), len(pb))
    pa, pb = pa + (0,) * (n - len(pa)), pb + (0,) * (n - len(pb))
    return (pa > pb) - (pa < pb)
