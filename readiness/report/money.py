"""Money for display: the cost engine works in USD only; conversion to the user's currency and the
wording of each option happen here, for the terminal, the HTML report and `advise`."""

from __future__ import annotations

UNIT_WORDS = {"usd_per_million_tokens": "per 1M tokens", "usd_per_image": "per image",
              "usd_per_audio_hour": "per hour of audio", "usd_per_million_sentences": "per 1M sentences",
              "usd_per_run": "per run"}


def entries(costs) -> list[dict]:
    """The per-workload cost entries of a report: `{"workloads": [...]}` (compact), or a list (older reports)."""
    if isinstance(costs, dict):
        return costs.get("workloads") or ([costs] if "options" in costs else [])
    return list(costs or [])


def shared(costs, key: str) -> dict | None:
    """A value stated once for all entries (inputs, prices_as_of), or the first entry's (older reports)."""
    if isinstance(costs, dict) and key in costs:
        return costs[key]
    first = entries(costs)[:1]
    return first[0].get(key) if first else None


def rate(costs) -> tuple[float, str]:
    i = shared(costs, "inputs") or {}
    return float(i.get("exchange_rate") or 1.0), str(i.get("currency") or "USD")


def amount(usd: float | None, costs, digits: int = 2) -> str:
    if usd is None:
        return "?"
    r, cur = rate(costs)
    return f"{usd * r:,.{digits}f} {cur}"


def option_lines(o: dict, costs) -> list[str]:
    """One option as lines: its price in the display currency, speed, memory, cost per unit of work,
    the offer's date (flagged when stale), then the sums (in USD, as computed)."""
    parts = []
    if o["kind"] == "buy":
        parts.append(f"{amount(o.get('upfront_usd'), costs, 0)} up front")
    parts.append(f"{amount(o.get('hourly_usd'), costs, 4)} per hour of use" + (" (all in)" if o["kind"] == "buy" else ""))
    hours = float((shared(costs, "inputs") or {}).get("hours_per_month") or 0)
    monthly = o.get("monthly_usd")
    if monthly is None and o.get("hourly_usd") is not None:
        monthly = o["hourly_usd"] * hours  # all in: a purchase's hourly cost includes its amortisation
    parts.append(f"{amount(monthly, costs)}/month")
    speed = o.get("speed") or {}
    if speed.get("value") is not None:
        parts.append(f"{speed['value']:,.1f} {speed.get('unit') or ''}".rstrip())
    if o.get("memory_required_mib") is not None:
        parts.append(f"needs {o['memory_required_mib'] / 1024:.1f} GiB")
    key = next((k for k in UNIT_WORDS if o.get(k) is not None), None)
    if key:
        parts.append(f"{amount(o[key], costs, 4)} {UNIT_WORDS[key]}")
    lines = [" · ".join(parts)]
    offer = ((costs.get("offers") or {}) if isinstance(costs, dict) else {}).get(o.get("offer") or "")
    if offer:
        lines.append(f"price from {offer.get('source')} ({offer['date']})"
                     + (" · WARNING: older than 6 months, check the current price" if offer.get("stale") else ""))
    if o.get("sums") or o.get("inputs"):  # older reports carried their sums
        return lines + list(o.get("sums") or o.get("inputs"))
    from readiness.costs import advisor

    inputs = shared(costs, "inputs")
    offers = (costs.get("offers") or {}) if isinstance(costs, dict) else {}
    return lines + (advisor.explain(o, inputs, offers) if inputs else [])
