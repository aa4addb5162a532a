"""The options for running a set of workloads: this machine, a GPU (or system) to buy, a GPU to rent."""

from __future__ import annotations

from datetime import date

from readiness import catalog
from readiness.costs import (STALE_MONTHS, Inputs, Prices, age_months, amortisation_per_month, break_even_hours,
                             electricity_per_hour, unit_cost, watts)
from readiness.workloads import engine, hardware

TOP = 8  # options of each kind kept in the output


def _evaluate(workloads: list[dict], hw: hardware.Hardware) -> list[dict]:
    return [engine.evaluate(w, hw) for w in workloads]


def _runs_well(results: list[dict]) -> bool:
    return all(r["verdict"] == "runs well" for r in results)


def _speed_fields(results: list[dict], per_hour_usd: float) -> dict:
    first = results[0]
    cost, unit = unit_cost(per_hour_usd, first.get("speed"), first["kind"])
    out = {"speed": first.get("speed"), "unit_cost_usd": None if cost is None else round(cost, 4), "unit": unit,
           "decode_tokens_per_s": first.get("decode_tokens_per_s"), "usd_per_million_tokens": None}
    if first["kind"] == "llm-inference" and cost is not None:
        out["usd_per_million_tokens"] = round(cost, 4)
    return out


def _latest_buy_rows(prices: Prices) -> list[dict]:
    """One price per GPU: the most recent row (a dated street price over an older MSRP)."""
    best: dict[str, dict] = {}
    for r in prices.buy_gpus:
        if r["gpu"] not in best or str(r["date"]) > str(best[r["gpu"]]["date"]):
            best[r["gpu"]] = r
    return list(best.values())


def _spec(gpu_id: str):
    return next((s for s in catalog.all_gpus() if s.id == gpu_id), None)


def local_option(workloads: list[dict], hw: hardware.Hardware, inputs: Inputs) -> dict:
    results = _evaluate(workloads, hw)
    used = hw.gpus[0] if hw.gpus and results[0]["placement"] in ("gpu", "multi-gpu", "offload") else None
    tdp = (used.tdp_w or 0) * (len(hw.gpus) if results[0]["placement"] == "multi-gpu" else 1) if used else None
    w = watts(tdp, inputs, cpu_only=used is None)
    e = electricity_per_hour(w, inputs)
    return {"kind": "local", "name": "this machine" + (f" ({used.name})" if used else f" ({hw.cpu_name})"),
            "provider": None, "runs_well": _runs_well(results), "verdicts": [r["verdict"] for r in results],
            "upfront_usd": 0.0, "hourly_usd": round(e, 4), "monthly_usd": round(e * inputs.hours_per_month, 2),
            **_speed_fields(results, e),
            "inputs": [f"power {w:.0f} W = " + (f"{tdp:.0f} W GPU TDP × {inputs.gpu_load:g} load + "
                                                 if used and tdp else f"{inputs.cpu_watts:g} W CPU + ")
                       + f"{inputs.host_watts:g} W host",
                       f"electricity {w / 1000:.3f} kWh/h × {inputs.electricity_per_kwh:g}/kWh = {e:.4f}/h",
                       f"{inputs.hours_per_month:g} h/month × {e:.4f}/h = {e * inputs.hours_per_month:.2f}/month",
                       "already owned: no purchase cost"]}


def buy_options(workloads: list[dict], prices: Prices, inputs: Inputs, budget: float | None) -> list[dict]:
    out = []
    candidates = [(r, _spec(r["gpu"]), inputs.host_ram_gib, r.get("watts"), False) for r in _latest_buy_rows(prices)]
    candidates += [(r, _spec(r["gpu"]), r.get("memory_gib") or inputs.host_ram_gib, r.get("watts"), True)
                   for r in prices.systems]
    for row, spec, ram, system_watts, is_system in candidates:
        if spec is None or (budget is not None and row["usd"] > budget):
            continue
        hw = hardware.from_specs([(spec, 1)], ram)
        results = _evaluate(workloads, hw)
        if not _runs_well(results):
            continue
        w = float(system_watts) * inputs.gpu_load if system_watts else watts(spec.tdp_w, inputs)
        e = electricity_per_hour(w, inputs)
        a = amortisation_per_month(row["usd"], inputs)
        name = row.get("name") if is_system else spec.name
        out.append({"kind": "buy", "name": name, "provider": None, "runs_well": True,
                    "upfront_usd": float(row["usd"]), "hourly_usd": round(e, 4),
                    "monthly_usd": round(a + e * inputs.hours_per_month, 2), **_speed_fields(results, e),
                    "amortisation_usd": round(a, 2),
                    "inputs": [f"price {row['usd']:,.0f} USD ({row.get('kind', 'system')}, {row['date']}; {row['source']})",
                               f"amortisation {row['usd']:,.0f} × (1 − {inputs.resale_fraction:g} resale) ÷ "
                               f"{inputs.amortisation_months} months = {a:.2f}/month",
                               f"power {w:.0f} W → {e:.4f}/h; {inputs.hours_per_month:g} h/month → "
                               f"{e * inputs.hours_per_month:.2f}/month"]
                              + ([] if is_system else [f"the rest of the machine (CPU, {ram:g} GiB RAM, PSU) is "
                                                       "assumed to exist already; its price is not included"])})
    return sorted(out, key=lambda o: (o["upfront_usd"], o["monthly_usd"]))


def rent_options(workloads: list[dict], prices: Prices, inputs: Inputs) -> tuple[list[dict], list[dict]]:
    out, other = [], []
    for o in prices.offers:
        if "gpu" not in o:
            other.append({"kind": "rent", "name": o.get("accelerator_name") or o.get("accelerator"),
                          "provider": o["provider"], "hourly_usd": float(o["usd_per_gpu_hour"]),
                          "needs": o.get("needs"), "date": str(o["date"]), "source": o["source"],
                          "note": "not estimated: needs its own framework support"})
            continue
        spec = _spec(o["gpu"])
        if spec is None:
            continue
        n = int(o.get("gpus_per_instance", 1))
        hw = hardware.from_specs([(spec, n)], max(inputs.host_ram_gib, (spec.memory_gib or 0) * n * 2))
        results = _evaluate(workloads, hw)
        if not _runs_well(results):
            continue
        hourly = float(o["usd_per_gpu_hour"]) * n
        spot = o.get("spot_usd_per_gpu_hour")
        out.append({"kind": "rent", "name": f"{n}× {spec.name}" if n > 1 else spec.name, "provider": o["provider"],
                    "runs_well": True, "upfront_usd": 0.0, "hourly_usd": round(hourly, 4),
                    "spot_hourly_usd": round(float(spot) * n, 4) if spot else None,
                    "monthly_usd": round(hourly * inputs.hours_per_month, 2), **_speed_fields(results, hourly),
                    "inputs": [f"{o['provider']} {o.get('instance', '')}: {o['usd_per_gpu_hour']} USD per GPU-hour × {n} "
                               f"GPU(s) = {hourly:.4f}/h ({o['date']}; {o['source']})",
                               f"{inputs.hours_per_month:g} h/month × {hourly:.4f}/h = {hourly * inputs.hours_per_month:.2f}/month"]})
    return sorted(out, key=lambda o: (o["hourly_usd"], o["name"])), other


def advise(workloads: list[dict], prices: Prices, inputs: Inputs, local_hw: hardware.Hardware | None = None,
           budget: float | None = None, today: date | None = None) -> dict:
    local = local_option(workloads, local_hw, inputs) if local_hw is not None else None
    buys = buy_options(workloads, prices, inputs, budget)
    rents, other = rent_options(workloads, prices, inputs)
    best_buy = buys[0] if buys else None
    best_rent = rents[0] if rents else None
    breakeven = None
    if best_buy and best_rent:
        breakeven = break_even_hours(best_buy["upfront_usd"], best_rent["hourly_usd"], best_buy["hourly_usd"], inputs)
    if local and local["runs_well"]:
        verdict, why = "local", "this machine already runs it well: use what you have"
    elif best_buy and best_rent:
        pair = (f"buy {best_buy['name']} ({best_buy['upfront_usd'] * inputs.exchange_rate:,.0f} {inputs.currency}) "
                f"or rent {best_rent['name']} on {best_rent['provider']} "
                f"({best_rent['hourly_usd'] * inputs.exchange_rate:.2f} {inputs.currency}/h)")
        if breakeven is None:
            verdict, why = "rent", f"{pair}: renting costs less per hour than the power to run your own"
        elif inputs.hours_per_month >= breakeven:
            verdict, why = "buy", (f"{pair}: buying is cheaper above {breakeven:.0f} hours a month, and you plan "
                                   f"{inputs.hours_per_month:g}")
        else:
            verdict, why = "rent", (f"{pair}: renting is cheaper below {breakeven:.0f} hours a month, and you plan "
                                    f"{inputs.hours_per_month:g}")
    elif best_rent:
        verdict, why = "rent", "no GPU to buy in the price list runs it well" + (" within the budget" if budget else "")
    elif best_buy:
        verdict, why = "buy", "no cloud GPU in the price list runs it well"
    else:
        verdict, why = None, "nothing in the price lists runs it well"
    dates = prices.dates()
    as_of = prices.as_of or (dates[0] if dates else None)
    months = age_months(as_of, today) if as_of else None
    rate = inputs.exchange_rate
    options = ([local] if local else []) + buys[:TOP] + rents[:TOP]
    for o in options:
        for key in ("upfront_usd", "hourly_usd", "monthly_usd"):
            o[key.replace("_usd", "")] = None if o.get(key) is None else round(o[key] * rate, 4)
    return {
        "workloads": [w["id"] for w in workloads],
        "verdict": verdict, "why": why,
        "break_even_hours_per_month": None if breakeven is None else round(breakeven, 1),
        "cheapest_buy": best_buy["name"] if best_buy else None,
        "cheapest_rent": f"{best_rent['name']} ({best_rent['provider']})" if best_rent else None,
        "options": options,
        "other_offers": other,
        "currency": inputs.currency, "exchange_rate": rate,
        "inputs": {**{k: v for k, v in inputs.__dict__.items()}, "budget_usd": budget},
        "prices_as_of": {"snapshot": as_of, "oldest_row": dates[0] if dates else None,
                         "newest_row": dates[-1] if dates else None,
                         "age_months": None if months is None else round(months, 1),
                         "stale": months is not None and months > STALE_MONTHS},
    }
