"""The options for running a set of workloads: this machine, a GPU (or system, or a multi-GPU build)
to buy, a GPU (or several) to rent; and the verdict.

Honest sums (docs/costs.md): every option is priced per hour of use *all in*: a purchase's hour is
its amortisation spread over the planned hours a month plus its electricity. The cost per unit of
work is that hourly cost over the work done in an hour, so buy and rent are compared per unit of
work, and the break-even is the planned hours at which those two per-unit costs are equal. The
verdict, the per-unit costs and the break-even are therefore one inequality and always agree.

Output is compact and in USD only (currency conversion is the renderers' job): inputs and price
offers are stated once (``inputs``, ``offers`` by id) and options reference their offer; by default
each workload keeps its verdict and its few best options (``all_options`` gives every one).
"""

from __future__ import annotations

import math
from datetime import date

from readiness import catalog
from readiness.costs import (STALE_MONTHS, Inputs, Prices, age_months, amortisation_per_month, electricity_per_hour,
                             unit_cost, watts)
from readiness.costs.estimates import Estimates
from readiness.workloads import hardware

TOP = 2  # buys and rentals kept per workload unless all options are asked for (check --json <= 64 KB, issue 13)
BUILD_COUNTS = (2, 4)  # multi-GPU builds of one card
RENT_COUNTS = (2, 4, 8)  # multi-GPU pods where a provider rents GPUs singly
PSU_HEADROOM = 1.2  # size a PSU for 120% of the GPUs' TDP plus the host (common builder's margin)
UNIT_KEYS = {"per 1M tokens": "usd_per_million_tokens", "per image": "usd_per_image",
             "per hour of audio": "usd_per_audio_hour", "per 1M sentences": "usd_per_million_sentences",
             "per run": "usd_per_run"}


_BY_ID: dict = {}


def _spec(gpu_id: str):
    """The catalogue's GPU with that id (the first, as a search would find it), by a dict made once
    per catalogue (issue 18: the advisor looks up thousands of rows); a reloaded catalogue is a
    new tuple, so the index is made again."""
    gpus = catalog.all_gpus()
    if _BY_ID.get("of") is not gpus:
        ids: dict = {}
        for spec in gpus:
            ids.setdefault(spec.id, spec)
        _BY_ID.update({"of": gpus, "ids": ids})
    return _BY_ID["ids"].get(gpu_id)


def _runs_well(results: list[dict]) -> bool:
    return all(r["verdict"] == "runs well" for r in results)


def _offer_id(*parts) -> str:
    return ":".join(str(p).lower().replace(" ", "-").replace(",", "") for p in parts if p not in (None, ""))


def _offer(row: dict, kind: str, today: date | None) -> dict:
    out = {k: row[k] for k in ("gpu", "provider", "instance", "name", "usd", "usd_per_gpu_hour", "usd_low", "kind",
                               "condition", "cards", "memory_gib", "watts", "source", "date") if row.get(k) is not None}
    out["date"] = str(row["date"])
    out["stale"] = age_months(out["date"], today) > STALE_MONTHS
    out["table"] = kind
    return out


def _priced(results: list[dict], hourly: float, extra: dict) -> dict:
    """Speed, memory and the cost per unit of work from an all-in cost per hour. The sums in words
    are rebuilt from these numbers by ``explain`` (so the JSON carries each number once)."""
    first = results[0]
    speed = first.get("speed") or {}
    cost, unit = unit_cost(hourly, speed, first["kind"])
    out = {**extra, "hourly_usd": round(hourly, 4), "speed": {"value": speed.get("value"), "unit": speed.get("unit")},
           "memory_required_mib": first.get("memory_required_mib")}
    if cost is not None:
        out[UNIT_KEYS[unit]] = round(cost, 4)
    return out


def unit_key(option: dict) -> str | None:
    return next((k for k in UNIT_KEYS.values() if option.get(k) is not None), None)


def local_option(workloads: list[dict], hw: hardware.Hardware, inputs: Inputs, memo: Estimates | None = None) -> dict:
    memo = Estimates() if memo is None else memo
    results = [memo.local(w, hw) for w in workloads]
    used = hw.gpus[0] if hw.gpus and results[0]["placement"] in ("gpu", "multi-gpu", "offload") else None
    tdp = (used.tdp_w or 0) * (len(hw.gpus) if results[0]["placement"] == "multi-gpu" else 1) if used else None
    w = watts(tdp, inputs, cpu_only=used is None)
    e = electricity_per_hour(w, inputs)
    return _priced(results, e, {"id": "local", "kind": "local", "name": "this machine" + (
        f" ({used.name})" if used else f" ({hw.cpu_name})"), "runs_well": _runs_well(results),
        "verdicts": [r["verdict"] for r in results], "upfront_usd": 0.0, "electricity_hourly_usd": round(e, 4),
        "watts": round(w), "gpu_tdp_w": tdp or None})


def _buy_rows(prices: Prices) -> list[dict]:
    """One price per GPU, condition and lot size: the most recent row (a dated street price over an older
    MSRP; a lot of N cards sold together is its own offer)."""
    best: dict[tuple, dict] = {}
    for r in prices.buy_gpus:
        key = (r["gpu"], r.get("condition", "new"), r.get("cards"))
        if key not in best or str(r["date"]) > str(best[key]["date"]):
            best[key] = r
    return list(best.values())


def _psus(n: int, tdp: float, inputs: Inputs, prices: Prices) -> tuple[int, dict | None]:
    """How many of the listed PSU (the largest) a build of n cards needs, with headroom."""
    if n < 2 or not prices.psus:
        return 0, None
    psu = max(prices.psus, key=lambda p: p["watts"])
    return math.ceil((n * tdp + inputs.host_watts) * PSU_HEADROOM / psu["watts"]), psu


def buy_options(workloads: list[dict], prices: Prices, inputs: Inputs, budget: float | None,
                today: date | None = None, offers: dict | None = None, memo: Estimates | None = None) -> list[dict]:
    offers = {} if offers is None else offers
    memo = Estimates() if memo is None else memo
    out = []
    cands = []
    for r in _buy_rows(prices):
        spec = _spec(r["gpu"])
        if spec is None:
            continue  # a row for a GPU this catalogue does not have yet (prices_used.toml)
        multi = () if spec.unified_memory or spec.segment in ("apu", "laptop", "apple") else BUILD_COUNTS
        # A lot's price is for all its cards together, as its source states it: one build of that size.
        for n in (r["cards"],) if r.get("cards") else (1, *multi):
            cands.append((r, spec, n, False))
    cands += [(r, _spec(r["gpu"]), 1, True) for r in prices.systems if _spec(r["gpu"])]
    made: dict[int, dict] = {}  # each row's offer, built once for its 1, 2 and 4 card builds
    for row, spec, n, is_system in cands:
        count, psu = _psus(n, spec.tdp_w or 0, inputs, prices)
        upfront = float(row["usd"]) * (1 if row.get("cards") else n) + (float(psu["usd"]) * count if psu else 0.0)
        if budget is not None and upfront > budget:
            continue
        ram = row.get("memory_gib") if is_system else inputs.host_ram_gib
        results = memo.runs_well(workloads, spec, n, ram or inputs.host_ram_gib)
        if results is None:
            continue
        offer_id = _offer_id("system", row["id"]) if is_system else _offer_id(
            "buy", row["gpu"], row.get("condition", "new"), row.get("cards") and f"lot{row['cards']}", row["date"])
        if id(row) not in made:
            made[id(row)] = _offer(row, "system" if is_system else "gpu", today)
        offers[offer_id] = made[id(row)]
        w = float(row["watts"]) * inputs.gpu_load if is_system and row.get("watts") else watts(
            (spec.tdp_w or 0) * n if spec.tdp_w else None, inputs)
        e = electricity_per_hour(w, inputs)
        a = amortisation_per_month(upfront, inputs)
        hourly = a / inputs.hours_per_month + e
        used = " (used)" if row.get("condition") == "used" else ""
        name = row.get("name") if is_system else (f"{n}× {spec.name}{used}" if n > 1 else f"{spec.name}{used}")
        out.append(_priced(results, hourly, {
            "id": _offer_id(offer_id, f"x{n}"), "kind": "buy", "name": name, "offer": offer_id, "gpus": n,
            "upfront_usd": round(upfront, 2), "amortisation_monthly_usd": round(a, 2),
            "electricity_hourly_usd": round(e, 4), "watts": round(w), "gpu_tdp_w": spec.tdp_w,
            **({"psu": {"count": count, "watts": psu["watts"], "usd": psu["usd"], "date": str(psu["date"])}}
               if psu else {})}))
    return sorted(out, key=_rank)


def _rank(o: dict) -> tuple:
    key = unit_key(o)
    return (o[key] if key else math.inf, o["upfront_usd"], o["hourly_usd"], o["name"])


def rent_options(workloads: list[dict], prices: Prices, inputs: Inputs, today: date | None = None,
                 offers: dict | None = None, memo: Estimates | None = None) -> tuple[list[dict], list[dict]]:
    offers = {} if offers is None else offers
    memo = Estimates() if memo is None else memo
    out, other = [], []
    per_gpu = {p["provider"]: p for p in prices.providers if p.get("rents_per_gpu")}
    for o in prices.offers:
        oid = _offer_id("rent", o["provider"], o.get("gpu") or o.get("accelerator"), o.get("instance"))
        if "gpu" not in o:
            other.append({"kind": "rent", "name": o.get("accelerator_name") or o.get("accelerator"),
                          "provider": o["provider"], "hourly_usd": float(o["usd_per_gpu_hour"]),
                          "needs": o.get("needs"), "offer": oid})
            offers[oid] = _offer(o, "offer", today)
            continue
        spec = _spec(o["gpu"])
        if spec is None:
            continue
        base = int(o.get("gpus_per_instance", 1))
        counts = [base] + ([n for n in RENT_COUNTS if n > base] if base == 1 and o["provider"] in per_gpu else [])
        made = None
        for n in counts:
            results = memo.runs_well(workloads, spec, n, max(inputs.host_ram_gib, (spec.memory_gib or 0) * n * 2))
            if results is None:
                continue
            made = made or _offer(o, "offer", today)
            offers[oid] = made
            hourly = float(o["usd_per_gpu_hour"]) * n
            spot = o.get("spot_usd_per_gpu_hour")
            out.append(_priced(results, hourly, {
                "id": _offer_id(oid, f"x{n}"), "kind": "rent", "name": f"{n}× {spec.name}" if n > 1 else spec.name,
                "provider": o["provider"], "offer": oid, "gpus": n, "upfront_usd": 0.0,
                **({"per_gpu_source": per_gpu[o["provider"]]["source"]} if n != base else {}),
                **({"spot_hourly_usd": round(float(spot) * n, 4)} if spot else {})}))
    return sorted(out, key=_rank), other


def break_even(buy: dict, rent: dict, inputs: Inputs) -> tuple[float | None, float]:
    """(hours a month above which the purchase costs less per unit of work than the rental, the
    speed ratio used). Per unit of work: buy = (A/H + e) / s_buy, rent = r / s_rent; equal at
    H = A / (r × s_buy / s_rent − e). None when renting is cheaper per unit at any number of hours."""
    sb, sr = (buy.get("speed") or {}).get("value"), (rent.get("speed") or {}).get("value")
    lower_is_better = (buy.get("speed") or {}).get("unit") == "hours"
    ratio = (sr / sb if lower_is_better else sb / sr) if sb and sr else 1.0
    margin = rent["hourly_usd"] * ratio - buy["electricity_hourly_usd"]
    if margin <= 0:
        return None, ratio
    return buy["amortisation_monthly_usd"] / margin, ratio


def _verdict(local, best_buy, best_rent, budget, inputs) -> tuple[str | None, str, float | None]:
    if local and local["runs_well"]:
        return "local", "this machine already runs it well: use what you have", None
    if best_buy and best_rent:
        h, ratio = break_even(best_buy, best_rent, inputs)
        key = unit_key(best_buy) if unit_key(best_buy) == unit_key(best_rent) else None
        pair = f"buy {best_buy['name']} or rent {best_rent['name']} on {best_rent['provider']}"
        per_unit = (f" ({best_buy[key]:.4f} against {best_rent[key]:.4f} USD "
                    f"{key.removeprefix('usd_').replace('_', ' ')} at {inputs.hours_per_month:g} h/month)") if key else ""
        if h is None:
            return "rent", f"{pair}: renting costs less per unit of work than the power to run your own{per_unit}", None
        buy_wins = inputs.hours_per_month > h
        if key:  # the verdict is the per-unit comparison; the break-even is where it flips
            buy_wins = best_buy[key] < best_rent[key]
        shown = round(h, 1)  # the text rounds the break-even the report shows, so the two never differ by one
        if buy_wins:
            return "buy", f"{pair}: buying is cheaper above {shown:.0f} hours a month, and you plan " \
                          f"{inputs.hours_per_month:g}{per_unit}", h
        return "rent", f"{pair}: renting is cheaper below {shown:.0f} hours a month, and you plan " \
                       f"{inputs.hours_per_month:g}{per_unit}", h
    if best_rent:
        return "rent", "no GPU to buy in the price list runs it well" + (" within the budget" if budget else ""), None
    if best_buy:
        return "buy", "no cloud GPU in the price list runs it well", None
    return None, "nothing in the price lists runs it well", None


def _prices_as_of(prices: Prices, today: date | None) -> dict:
    dates = prices.dates()
    as_of = prices.as_of or (dates[0] if dates else None)
    months = age_months(as_of, today) if as_of else None
    return {"snapshot": as_of, "oldest_row": dates[0] if dates else None, "newest_row": dates[-1] if dates else None,
            "age_months": None if months is None else round(months, 1),
            "stale": months is not None and months > STALE_MONTHS}


def _found(workloads, prices, inputs, budget, today, offers, all_options, memo) -> dict:
    """The purchases and rentals that run these workloads well, best first (the best TOP of each
    unless all options are asked for), how many there were, and the accelerators not estimated.
    Nothing here depends on this machine (what_if)."""
    buys = buy_options(workloads, prices, inputs, budget, today, offers, memo)
    rents, other = rent_options(workloads, prices, inputs, today, offers, memo)
    return {"buy": buys if all_options else buys[:TOP], "rent": rents if all_options else rents[:TOP],
            "counts": {"buy": len(buys), "rent": len(rents)}, "other": other}


def _entry(workloads, inputs, local_hw, budget, all_options, memo, found) -> dict:
    local = local_option(workloads, local_hw, inputs, memo) if local_hw is not None else None
    buys, rents, other = found["buy"], found["rent"], found["other"]
    best_buy, best_rent = (buys[0] if buys else None), (rents[0] if rents else None)
    verdict, why, h = _verdict(local, best_buy, best_rent, budget, inputs)
    cheapest_other: dict = {}
    for o in other:  # one line per accelerator not estimated: its cheapest offer
        if o["name"] not in cheapest_other or o["hourly_usd"] < cheapest_other[o["name"]]["hourly_usd"]:
            cheapest_other[o["name"]] = o
    return {"workloads": [w["id"] for w in workloads], "verdict": verdict, "why": why,
            "break_even_hours_per_month": None if h is None else round(h, 1),
            "best_buy": best_buy["id"] if best_buy else None, "best_rent": best_rent["id"] if best_rent else None,
            "options": ([local] if local else []) + buys + rents,
            "options_found": dict(found["counts"]),
            "other_offers": list(cheapest_other.values()) if all_options or not rents else []}


def _inputs(inputs: Inputs, budget: float | None) -> dict:
    return {**{k: v for k, v in inputs.__dict__.items()}, "budget_usd": budget, "psu_headroom": PSU_HEADROOM,
            "stale_after_months": STALE_MONTHS}


def _only_used(offers: dict, entries: list[dict]) -> dict:
    used = {o.get("offer") for e in entries for o in e["options"] + e["other_offers"]}
    return {k: v for k, v in sorted(offers.items()) if k in used}


def advise(workloads: list[dict], prices: Prices, inputs: Inputs, local_hw: hardware.Hardware | None = None,
           budget: float | None = None, today: date | None = None, all_options: bool = False,
           memo: Estimates | None = None) -> dict:
    """Rent or buy for one set of workloads run together: the entry, with its inputs and offers."""
    offers: dict = {}
    memo = Estimates() if memo is None else memo
    today = today or date.today()  # once: every offer's age from the same day
    found = _found(workloads, prices, inputs, budget, today, offers, all_options, memo)
    entry = _entry(workloads, inputs, local_hw, budget, all_options, memo, found)
    return {**entry, "inputs": _inputs(inputs, budget), "prices_as_of": _prices_as_of(prices, today),
            "offers": _only_used(offers, [entry])}


def what_if(workloads: list[dict], prices: Prices, inputs: Inputs, budget: float | None = None,
            today: date | None = None, all_options: bool = False, memo: Estimates | None = None) -> dict:
    """Each workload's purchases and rentals, on its own: {"workloads": [found, ...] in the order
    given, "offers": the offers they name}. They depend on the workloads, the prices and the
    inputs only, never on this machine: a check works them out while its probes run, and may
    remember them between runs (costs/cache.py, issue 18)."""
    offers: dict = {}
    memo = Estimates() if memo is None else memo
    today = today or date.today()  # once: every offer's age from the same day
    found = [_found([w], prices, inputs, budget, today, offers, all_options, memo) for w in workloads]
    named = {o.get("offer") for f in found for o in f["buy"] + f["rent"] + f["other"]}
    return {"workloads": found, "offers": {k: v for k, v in offers.items() if k in named}}


def advise_each(workloads: list[dict], prices: Prices, inputs: Inputs, local_hw: hardware.Hardware | None = None,
                budget: float | None = None, today: date | None = None, all_options: bool = False,
                memo: Estimates | None = None, found: dict | None = None) -> dict:
    """Rent or buy for each workload on its own (readiness check): inputs and offers once for all.
    ``memo``: this run's estimates (one per run: the pipeline hands in the verdicts it already made);
    ``found``: what_if's answer for the same workloads, prices and inputs, when already worked out."""
    memo = Estimates() if memo is None else memo
    if found is None:
        found = what_if(workloads, prices, inputs, budget, today, all_options, memo)
    entries = [_entry([w], inputs, local_hw, budget, all_options, memo, f) for w, f in zip(workloads, found["workloads"])]
    return {"inputs": _inputs(inputs, budget), "prices_as_of": _prices_as_of(prices, today),
            "offers": _only_used(found["offers"], entries), "workloads": entries}


def add_shopping(verdicts: list[dict], costs: dict) -> None:
    """Each verdict that does not run well gets the cheapest purchase and rental that do as alternatives."""
    shops = {e["workloads"][0]: shopping(e) for e in costs["workloads"]}
    for v in verdicts:
        if v["verdict"] != "runs well" and shops.get(v["id"]):
            v.setdefault("alternatives", []).extend(shops[v["id"]])


def shopping(entry: dict) -> list[dict]:
    """The cheapest purchase and rental that run a workload well, as alternatives (alternatives.py)."""
    out = []
    for key, kind in (("best_buy", "buy"), ("best_rent", "rent")):
        o = next((x for x in entry["options"] if x["id"] == entry.get(key)), None)
        if o is None:
            continue
        change = (f"buy {o['name']} ({o['upfront_usd']:,.0f} USD)" if kind == "buy"
                  else f"rent {o['name']} on {o['provider']} ({o['hourly_usd']:.2f} USD/h)")
        out.append({"kind": kind, "change": change, "verdict": "runs well",
                    "placement": "multi-gpu" if o.get("gpus", 1) > 1 else "gpu",
                    "memory_required_mib": o.get("memory_required_mib"), "speed": o["speed"], "option": o["id"]})
    return out


def explain(o: dict, inputs: dict, offers: dict) -> list[str]:
    """The sums behind one option, in USD, rebuilt from its numbers, the shared inputs and its offer:
    each line's result is the next line's input, so a reader can redo them by hand."""
    hours = float(inputs["hours_per_month"])
    e = o.get("electricity_hourly_usd")
    offer = offers.get(o.get("offer") or "", {})
    lines: list[str] = []
    if o["kind"] in ("local", "buy"):
        tdp = o.get("gpu_tdp_w")
        n = o.get("gpus", 1)
        load = f"{n} × {tdp:g} W GPU TDP × {inputs['gpu_load']:g} load + " if tdp and n > 1 else (
            f"{tdp:g} W GPU TDP × {inputs['gpu_load']:g} load + " if tdp else f"{inputs['cpu_watts']:g} W CPU + ")
        if o["kind"] == "buy":
            label = ", ".join(dict.fromkeys([offer.get("condition", "new"), offer.get("kind", "system")]))
            each = "" if n == 1 or offer.get("cards") else f"{n} × "
            lot = f" for {offer['cards']} cards together" if offer.get("cards") else ""
            lines.append(f"price {each}{offer.get('usd', 0):,.0f} USD{lot} ({label}, {offer.get('date')})")
            psu = o.get("psu")
            if psu:
                lines.append(f"+ {psu['count']} × {psu['watts']} W PSU at {psu['usd']:,.0f} USD ({psu['date']}) for "
                             f"{n} × {tdp:g} W + {inputs['host_watts']:g} W host with "
                             f"{inputs.get('psu_headroom', PSU_HEADROOM) - 1:.0%} headroom = {o['upfront_usd']:,.0f} USD")
            a = o["amortisation_monthly_usd"]
            lines.append(f"amortisation {o['upfront_usd']:,.0f} × (1 − {inputs['resale_fraction']:g} resale) ÷ "
                         f"{inputs['amortisation_months']} months = {a:.2f} USD/month")
        lines.append(f"power {o['watts']} W = {load}{inputs['host_watts']:g} W host → {o['watts'] / 1000:.3f} kWh/h × "
                     f"{inputs['electricity_per_kwh']:g} USD/kWh = {e:.4f} USD/h")
        if o["kind"] == "buy":
            a = o["amortisation_monthly_usd"]
            lines.append(f"per hour of use: {a:.2f} ÷ {hours:g} h + {e:.4f} = {o['hourly_usd']:.4f} USD/h; per month "
                         f"{a:.2f} + {hours:g} h × {e:.4f} = {a + e * hours:.2f} USD")
            if offer.get("table") != "system":
                lines.append(f"the rest of the machine (CPU, {'a board with ' + str(n) + ' x16 slots, ' if n > 1 else ''}"
                             f"{inputs['host_ram_gib']:g} GiB RAM{', a PSU' if n == 1 else ''}) is assumed to exist "
                             "already")
        else:
            lines.append("already owned: no purchase, no amortisation")
    else:
        n = o.get("gpus", 1)
        lines.append(f"{o['provider']} {offer.get('instance', '')}: {offer.get('usd_per_gpu_hour')} USD per GPU-hour × "
                     f"{n} GPU(s) = {o['hourly_usd']:.4f} USD/h ({offer.get('date')})")
        if o.get("per_gpu_source"):
            lines.append(f"{o['provider']} rents GPUs singly: {n} are {n} × the one-GPU rate ({o['per_gpu_source']})")
        lines.append(f"per month: {hours:g} h × {o['hourly_usd']:.4f} = {o['hourly_usd'] * hours:.2f} USD")
    key = unit_key(o)
    speed = o.get("speed") or {}
    if key:
        unit = next(u for u, k in UNIT_KEYS.items() if k == key)
        if speed.get("unit") == "tokens/s":
            lines.append(f"per unit of work: {o['hourly_usd']:.4f} USD/h ÷ ({speed['value']:g} tokens/s × 3600 s) "
                         f"× 1M = {o[key]:.4f} USD {unit}")
        else:
            lines.append(f"per unit of work: {o['hourly_usd']:.4f} USD/h at {speed['value']:g} {speed['unit']} = "
                         f"{o[key]:.4f} USD {unit}")
    return lines
