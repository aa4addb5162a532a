"""The fitted speed factors (readiness/data/efficiency.toml) and the groups they are fitted by.

A factor is looked up from the most specific group that has one: backend × architecture generation ×
quant kind, then backend × generation, backend × quant kind, backend, and last the pooled figure of
every backend. benchmarks/accuracy.py --fit writes the table (readiness/workloads/calibrate.py);
its leave-one-source-out run builds one table per fold in memory and passes it as ``table``.
"""

from __future__ import annotations

import math
import re

from readiness import data

ANY = "*"
# Integer-quantized GGUF weights run llama.cpp's quantized kernels (int8 dot products / tensor cores);
# f16, bf16, f32 and fp8 weights run float matmuls.
_FLOAT_QUANTS = {"f32", "f16", "bf16", "fp8"}


def quant_kind(quant: dict) -> str:
    return "float" if quant["id"] in _FLOAT_QUANTS else "int"


def generation(vendor: str, architecture: str | None, name: str) -> str:
    """Apple GPUs by chip generation (M1…M5); others by the catalogue's architecture."""
    if vendor == "apple":
        m = re.search(r"\bM(\d)", name)
        return f"M{m.group(1)}" if m else "apple"
    return architecture or "unknown"


def load_table() -> dict:
    doc = data.load("efficiency")
    return {k: v for k, v in doc.items() if k != "version"}


_CACHE: dict = {}


def table(override: dict | None = None) -> dict:
    if override is not None:
        return override
    if "t" not in _CACHE:
        _CACHE["t"] = load_table()
    return _CACHE["t"]


def clear_cache() -> None:
    _CACHE.clear()


def _keys(backend: str, gen: str, qkind: str) -> list[tuple[str, str, str]]:
    return [(backend, gen, qkind), (backend, gen, ANY), (backend, ANY, qkind), (backend, ANY, ANY),
            (ANY, ANY, qkind), (ANY, ANY, ANY)]


def efficiency(phase: str, backend: str, gen: str, qkind: str, tbl: dict | None = None) -> tuple[float, str]:
    """(share of peak reached, the group it came from) for ``phase`` decode or prompt."""
    if tbl is None:
        # The shipped table's answers, once per process (the cost advisor asks thousands of times,
        # issue 18); a table handed in (a benchmark's fold) is read afresh, as it may be new.
        key = ("efficiency", phase, backend, gen, qkind)
        if key not in _CACHE:
            _CACHE[key] = _efficiency(phase, backend, gen, qkind, None)
        return _CACHE[key]
    return _efficiency(phase, backend, gen, qkind, tbl)


def _efficiency(phase: str, backend: str, gen: str, qkind: str, tbl: dict | None) -> tuple[float, str]:
    rows = {(r["backend"], r["generation"], r["quant_kind"]): r for r in table(tbl).get("efficiency", [])
            if r["phase"] == phase}
    if qkind == "int8" and phase == "decode":
        qkind = "int"  # decode is matrix-vector work: the matmul kernel doesn't matter
    keys = _keys(backend, gen, qkind)
    if qkind == "int8":  # relative to a different peak: never borrowed from float or dequantized groups
        keys = [k for k in keys if k[2] == "int8"]
    for key in keys:
        if key in rows:
            return float(rows[key]["efficiency"]), " × ".join(k for k in key if k != ANY) or "all backends"
    raise KeyError(f"efficiency table has no {phase} rows")


def has_int8(backend: str, gen: str, tbl: dict | None = None) -> bool:
    """Whether prompt factors were fitted for int8 matmuls on this backend (else the FP16 peak is used)."""
    if tbl is None:
        key = ("int8", backend, gen)
        if key not in _CACHE:
            _CACHE[key] = _has_int8(backend, gen, None)
        return _CACHE[key]
    return _has_int8(backend, gen, tbl)


def _has_int8(backend: str, gen: str, tbl: dict | None) -> bool:
    try:
        efficiency("prompt", backend, gen, "int8", tbl)
        return True
    except KeyError:
        return False


T_REF = 2026.0  # the build year the fitted efficiencies and per-layer costs refer to (an era factor of 1)


def year(date: str | None) -> float | None:
    """'2024-05' or '2024-05-17' as a fractional year; None when there is no date."""
    m = re.match(r"(\d{4})(?:-(\d{2}))?", str(date or ""))
    return int(m.group(1)) + (int(m.group(2) or 7) - 0.5) / 12 if m else None


def era(term: str, backend: str, build_date: str | None, tbl: dict | None = None) -> float:
    """The change of a fitted term with the runtime's build date (#15): llama.cpp's kernels and launch path
    got faster release by release (CUDA graphs, int8 MMQ, Vulkan cooperative matrices), so one source's
    2023 build and another's 2026 build differ on the same card. ``term`` "prompt" multiplies the prompt
    efficiency, "layer" the decode per-layer cost: exp(per_year × (year − T_REF)), the year clamped to the
    years the fit saw for that backend; no date (today's build) is the latest year it saw."""
    rows = {(r["term"], r["backend"]): r for r in table(tbl).get("era", [])}
    row = rows.get((term, backend)) or rows.get((term, ANY))
    if row is None or not row["per_year"]:
        return 1.0
    y = year(build_date)
    y = float(row["year_max"]) if y is None else min(max(y, float(row["year_min"])), float(row["year_max"]))
    return math.exp(float(row["per_year"]) * (y - T_REF))


def overhead(backend: str, tbl: dict | None = None, build_date: str | None = None) -> dict:
    """Per-token costs: per_layer_us (decode, every layer) for this backend at that build date, and the MoE terms."""
    t = table(tbl)
    rows = {r["backend"]: r for r in t.get("overhead", [])}
    row = rows.get(backend) or rows.get(ANY) or {"per_layer_us": 0.0}
    moe = t.get("moe", {})
    layer_us = float(row["per_layer_us"]) * era("layer", backend, build_date, tbl)
    vec = {r["backend"]: r for r in t.get("vector", [])}
    share = float((vec.get(backend) or vec.get(ANY) or {"share": 0.0})["share"])
    return {"per_layer_us": layer_us, "vector_share": share,
            "moe_decode_layer_us": float(moe.get("decode_layer_us", 0.0)) * era("moe_decode", ANY, build_date, tbl),
            "moe_half_batch": float(moe.get("prompt_half_batch", 0.0)),
            "moe_route_us": float(moe.get("prompt_route_us", 0.0)) * era("moe_prompt", ANY, build_date, tbl)}


def range_factors(phase: str, backend: str, gen: str, moe: bool, tbl: dict | None = None) -> dict:
    """Multipliers (low, high) that cover ~80% of held-out measurements of the nearest group with enough rows."""
    rows = table(tbl).get("range", [])
    kind = "moe" if moe else "dense"
    for key in ((backend, gen, kind), (backend, ANY, kind), (backend, ANY, ANY), (ANY, ANY, kind), (ANY, ANY, ANY)):
        for r in rows:
            if r["phase"] == phase and (r["backend"], r["generation"], r["kind"]) == key:
                return {"low": float(r["low"]), "high": float(r["high"]), "rows": int(r["rows"]),
                        "group": " × ".join(k for k in key if k != ANY) or "all rows",
                        "thin": (backend, gen, kind) != key}
    return {"low": 0.5, "high": 1.5, "rows": 0, "group": "none", "thin": True}


def moe_split(model: dict) -> dict | None:
    """Parameters (billions) of an MoE model split into the always-run part and the routed experts."""
    experts = model.get("experts")
    if not experts:
        return None
    k = int(model.get("experts_active") or 1)
    e = int(experts)
    total = float(model["params_b"])
    active = float(model.get("active_params_b") or total)
    share = k / e
    routed = (total - active) / (1 - share) if share < 1 else 0.0
    routed = max(0.0, min(routed, total))
    layers = int(model["layers"]) - int(model.get("dense_layers", 0))
    return {"experts": e, "active": k, "routed_b": routed, "dense_b": total - routed,
            "active_routed_b": routed * share, "moe_layers": max(layers, 0)}


def saturation(batch: float, half: float) -> float:
    """Matmul efficiency at ``batch`` rows relative to a 512-row batch: b/(b+h) over 512/(512+h)."""
    if half <= 0:
        return 1.0
    return (batch / (batch + half)) / (512 / (512 + half))


def touched_share(k: int, e: int, ubatch: int) -> float:
    """Share of the experts that at least one of ``ubatch`` tokens is routed to (uniform routing)."""
    return 1 - math.pow(1 - k / e, ubatch)
