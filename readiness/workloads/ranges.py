"""Calibrated ranges: how far held-out measurements fall from the estimate, per group (#15).

Every residual is out of sample (log of measured ÷ estimated, the row scored by a table fitted without
its source). A group's range spans its residuals from the ``tail`` to the 1 − ``tail`` quantile, widened
by ``margin`` (in log units) where the tails alone are too narrow. The tail and margin are themselves
chosen out of sample (``choose``): each source of the residuals in turn is held out, ranges are built
from the others, and the narrowest setting that holds at least COVER of the held-out sources'
measurements is kept. benchmarks/accuracy.py runs ``choose`` without the source it scores, so the
coverage it prints is that of ranges that never saw the measurement.
"""

from __future__ import annotations

import math
from collections import defaultdict

ANY = "*"
RANGE_MIN_ROWS = 20  # a range group with fewer residuals (or from fewer than RANGE_MIN_SOURCES sources) falls back
RANGE_MIN_SOURCES = 4
Q = (0.075, 0.925)  # the default residual percentiles a range spans (a table built without choose)
COVER = 0.80
# narrowest first: quantile tails, then the widest of them with a margin
SETTINGS = [(q, 0.0) for q in (0.20, 0.15, 0.125, 0.10, 0.075, 0.05, 0.035, 0.025)] + \
    [(0.025, m) for m in (0.1, 0.2, 0.3, 0.45, 0.6, 0.8)]


def _keys(r: dict) -> list[tuple]:
    kind = "moe" if r["moe"] else "dense"
    return [(r["phase"], *k) for k in ((r["backend"], r["generation"], kind), (r["backend"], ANY, kind),
                                       (r["backend"], ANY, ANY), (ANY, ANY, kind), (ANY, ANY, ANY))]


def _buckets(residuals: list[dict], exclude: set) -> dict[tuple, tuple[list[float], int]]:
    vals: dict[tuple, list[float]] = defaultdict(list)
    srcs: dict[tuple, set] = defaultdict(set)
    for r in residuals:
        if r["source"] in exclude:
            continue
        for key in _keys(r):
            vals[key].append(r["log_ratio"])
            srcs[key].add(r["source"])
    return {k: (sorted(v), len(srcs[k])) for k, v in vals.items()}


def _rows(buckets: dict, tail: dict[str, tuple[float, float]] | tuple[float, float]) -> list[dict]:
    rows = []
    for (phase, b, g, kind), (vals, n_src) in sorted(buckets.items()):
        if (len(vals) < RANGE_MIN_ROWS or n_src < RANGE_MIN_SOURCES) and b != ANY:
            continue
        q, margin = tail[phase] if isinstance(tail, dict) else tail
        low, high = _quantile(vals, q) - margin, _quantile(vals, 1 - q) + margin
        if len(vals) < RANGE_MIN_ROWS:  # even the pooled group is thin: widen
            low, high = low - 0.3, high + 0.3
        rows.append({"phase": phase, "backend": b, "generation": g, "kind": kind,
                     "low": round(math.exp(min(low, 0.0)), 3), "high": round(math.exp(max(high, 0.0)), 3),
                     "rows": len(vals), "tail": q, "margin": margin})
    return rows


def range_rows(residuals: list[dict], exclude_source: str | None = None,
               tail: dict | tuple[float, float] = (Q[0], 0.0)) -> list[dict]:
    """Range multipliers per group from the residuals of every source but ``exclude_source``."""
    return _rows(_buckets(residuals, {exclude_source}), tail)


def _inside(r: dict, by_key: dict) -> bool:
    for key in _keys(r):
        if key in by_key:
            low, high = by_key[key]
            return math.log(low) <= r["log_ratio"] <= math.log(high)
    return False


def choose(residuals: list[dict], exclude_source: str | None = None) -> dict[str, tuple[float, float]]:
    """Per phase, the narrowest (tail, margin) whose ranges, built without each source in turn, hold at
    least COVER of that source's measurements (``exclude_source`` is left out altogether)."""
    res = [r for r in residuals if r["source"] != exclude_source]
    inside = defaultdict(int)
    total = defaultdict(int)
    for src in sorted({r["source"] for r in res}):
        held = [r for r in res if r["source"] == src]
        buckets = _buckets(res, {src})
        for setting in SETTINGS:
            by_key = {(x["phase"], x["backend"], x["generation"], x["kind"]): (x["low"], x["high"])
                      for x in _rows(buckets, setting)}
            for r in held:
                total[(r["phase"], setting)] += 1
                inside[(r["phase"], setting)] += _inside(r, by_key)
    out = {}
    for phase in sorted({r["phase"] for r in res}):
        ok = [s for s in SETTINGS if total[(phase, s)] and inside[(phase, s)] / total[(phase, s)] >= COVER]
        out[phase] = ok[0] if ok else SETTINGS[-1]
    return out


def _quantile(values: list[float], q: float) -> float:
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)
