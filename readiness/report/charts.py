"""The report's charts as plain data: every coordinate, label and text alternative is computed
here, so the SVG templates only place what they are given (no logic in templates)."""

from __future__ import annotations

import math

from readiness.report import money

WIDTH = 640
LABEL_W = 222  # the workload names on the left of the bar charts
ROW_H = 22
TOP, BOTTOM = 34, 30  # room for the legend above and the axis labels below

VERDICT_CLASS = {"runs well": "ok", "runs slowly": "warn", "runs with offload": "warn", "does not fit": "bad",
                 "unknown": "unknown"}


def short_name(v: dict) -> str:
    """"Llama 3.1 70B Q4_K_M" for an LLM; the workload's name, shortened, for the rest."""
    if v.get("kind") == "llm-inference" and v.get("model"):
        from readiness.workloads import catalogue

        try:
            name = catalogue.find_model(v["model"])["name"]
        except Exception:  # noqa: BLE001 - a user's model not in the catalogue keeps its workload name
            name = v["name"]
        return f"{name} {str(v.get('quant') or '').upper()}".strip()
    # The name before its details: "SDXL" of "SDXL, 1024×1024, 30 steps"; "pre-train a GPT-3-sized model".
    name = v["name"].removeprefix("Chat with ").removeprefix("For perspective: ")
    name = name.split(" (")[0].split(", ")[0]
    return name if len(name) <= 32 else name[:31].rstrip(" ,(") + "…"


def _gib(mib: float) -> str:
    return f"{mib / 1024:,.1f} GiB"


def machine_memory(report: dict) -> tuple[float, float]:
    """(usable GPU memory, free RAM) in MiB of the machine judged (the assumed one with --assume-gpu)."""
    facts, assumed = report["facts"], report.get("assumed") or {}
    gpus = assumed.get("gpus") or facts.get("gpus") or []
    gpu = sum(g.get("memory_total_mib") or 0 for g in gpus
              if g.get("status") == "ok" and not g.get("virtual") and not g.get("unified_memory"))
    mem = facts.get("memory") or {}
    ram = assumed["ram_gib"] * 1024 if assumed.get("ram_gib") else mem.get("available_mib") or mem.get("total_mib")
    return float(gpu), (None if ram is None else float(ram))  # RAM not read stays unknown, never 0


def memory_chart(report: dict) -> dict | None:
    """A bar per workload: the memory it needs, coloured by verdict, against the GPU memory and the
    free RAM of this machine; an offloaded model's bar is split where GPU memory ends."""
    verdicts = [v for v in report["judgments"]["verdicts"] if v.get("memory_required_mib")]
    if not verdicts:
        return None
    gpu, ram = machine_memory(report)
    have = gpu + (ram or 0)
    # A pre-training run needs terabytes: clip such bars rather than squash every other one.
    fitting = [v["memory_required_mib"] for v in verdicts if v["memory_required_mib"] <= 3 * max(have, 1)]
    top = max([have * 1.15] + fitting) or 1
    plot = WIDTH - LABEL_W - 95  # room on the right for the label of the longest bar
    x = lambda mib: LABEL_W + min(mib, top) / top * plot  # noqa: E731
    rows, table = [], []
    for i, v in enumerate(verdicts):
        need = v["memory_required_mib"]
        y = TOP + i * ROW_H
        cls = VERDICT_CLASS.get(v["verdict"], "unknown")
        segs = []
        if v.get("placement") == "offload" and gpu:
            segs.append({"x": LABEL_W, "w": round(x(gpu) - LABEL_W, 1), "cls": cls})
            segs.append({"x": round(x(gpu), 1), "w": round(x(need) - x(gpu), 1), "cls": cls + " offload"})
        else:
            segs.append({"x": LABEL_W, "w": round(max(x(need) - LABEL_W, 1), 1), "cls": cls})
        clipped = need > top
        label = _gib(need) + (" →" if clipped else "")
        rows.append({"y": y, "label_y": y + 14, "name": short_name(v), "segs": segs,
                     "value_x": round(x(need) + 4, 1), "value": label,
                     "mark": {"ok": "✓", "warn": "!", "bad": "✗"}.get(cls, "?")})
        table.append([v["name"], _gib(need), v["verdict"] + (" (part on the GPU, part in RAM)"
                                                            if v.get("placement") == "offload" else "")])
    height = TOP + len(verdicts) * ROW_H + BOTTOM
    lines = []
    if gpu:
        lines.append({"x": round(x(gpu), 1), "label": f"GPU {_gib(gpu)}"})
    if ram:
        lines.append({"x": round(x(have), 1), "label": ("+ free RAM " if gpu else "free RAM ") + _gib(ram)})
    ram_words = "free RAM unknown (not read)" if ram is None else f"{_gib(ram)} of free RAM"
    where = f"{_gib(gpu)} of GPU memory and {ram_words}" if gpu else f"{ram_words}, no GPU memory"
    return {"id": "chart-memory", "width": WIDTH, "height": height, "rows": rows, "lines": lines,
            "axis_y": height - BOTTOM + 4, "line_top": TOP - 6, "line_bottom": height - BOTTOM + 4,
            "label_y": height - 8, "title": "Memory each workload needs, against this machine",
            "desc": f"Bars: memory needed per workload, coloured by verdict (hatched: the part offloaded to RAM; → beyond "
                    f"the scale); "
                    f"lines: this machine has {where}.",
            "headers": ["Workload", "Memory needed", "Verdict"], "table": table}


def _log_x(value: float, lo: float, hi: float, plot: float) -> float:
    value = min(max(value, lo), hi)
    return LABEL_W + (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * plot


def speed_chart(report: dict) -> dict | None:
    """Tokens per second of each LLM workload that has a speed, on a log scale, with its range and a
    mark at its comfortable speed (good_speed)."""
    llms = [v for v in report["judgments"]["verdicts"]
            if v.get("kind") == "llm-inference" and (v.get("speed") or {}).get("value")]
    if not llms:
        return None
    values = [v["speed"]["value"] for v in llms] + [r for v in llms for r in (v["speed"].get("range") or [])]
    goods = [float(v["speed"].get("good") or 10) for v in llms]
    lo = 10 ** math.floor(math.log10(max(min(values + goods), 0.01)))
    hi = 10 ** math.ceil(math.log10(max(values + goods) * 1.01))
    plot = WIDTH - LABEL_W - 70
    rows, table = [], []
    for i, (v, good) in enumerate(zip(llms, goods)):
        y = TOP + i * ROW_H
        s = v["speed"]
        rng = s.get("range") or [s["value"], s["value"]]
        cls = VERDICT_CLASS.get(v["verdict"], "unknown")
        mark = {"ok": "✓", "warn": "!", "bad": "✗"}.get(cls, "?")
        rows.append({"y": y, "label_y": y + 14, "mid_y": y + 8, "name": f"{mark} {short_name(v)}", "cls": cls,
                     "w": round(_log_x(s["value"], lo, hi, plot) - LABEL_W, 1),
                     "r1": round(_log_x(rng[0], lo, hi, plot), 1), "r2": round(_log_x(rng[1], lo, hi, plot), 1),
                     "good_x": round(_log_x(good, lo, hi, plot), 1),
                     "value_x": round(_log_x(max(s["value"], rng[1]), lo, hi, plot) + 4, 1),
                     "value": f"{s['value']:,.1f}"})
        table.append([v["name"], f"{s['value']:,.1f} tokens/s (range {rng[0]:,.1f} to {rng[1]:,.1f})",
                      f"{good:g} tokens/s", v["verdict"]])
    height = TOP + len(llms) * ROW_H + BOTTOM
    ticks = []
    t = lo
    while t <= hi * 1.001:
        ticks.append({"x": round(_log_x(t, lo, hi, plot), 1), "label": f"{t:g}"})
        t *= 10
    same = len(set(goods)) == 1
    return {"id": "chart-speed", "width": WIDTH, "x0": LABEL_W, "height": height, "rows": rows, "ticks": ticks,
            "axis_y": height - BOTTOM + 4, "tick_label_y": height - BOTTOM + 18, "line_top": TOP - 6,
            "title": "Generation speed of each LLM against a comfortable reading speed",
            "desc": "Bars: estimated tokens per second (log scale), whiskers: the likely range; the dark tick on "
                    "each row is the speed above which it runs well"
                    + (f" ({goods[0]:g} tokens/s)." if same else "."),
            "headers": ["Workload", "Estimated speed", "Comfortable from", "Verdict"], "table": table}


def _unit_key(o: dict) -> str | None:
    return next((k for k in money.UNIT_WORDS if o.get(k) is not None), None)


def rent_buy_charts(report: dict, width: int = 300, height: int = 170) -> list[dict]:
    """One small chart per workload with a purchase and a rental: the cost per unit of work against
    hours of use a month. The purchase's line falls as its price spreads over more hours, the
    rental's is flat; they cross at the break-even, and the planned hours are drawn."""
    judged = report["judgments"]
    costs = judged.get("costs")
    names = {v["id"]: v["name"] for v in judged["verdicts"]}
    inputs = money.shared(costs, "inputs") or {}
    planned = float(inputs.get("hours_per_month") or 40)
    r, currency = money.rate(costs)
    pad_l, pad_r, pad_t, pad_b = 46, 10, 16, 30
    out = []
    for c in money.entries(costs):
        ids = {o["id"]: o for o in c["options"]}
        buy, rent = ids.get(c.get("best_buy") or ""), ids.get(c.get("best_rent") or "")
        if not buy or not rent:
            continue
        key = _unit_key(buy)
        if key is None or key != _unit_key(rent) or not buy.get("hourly_usd"):
            continue
        amort = buy.get("amortisation_monthly_usd") or 0.0
        power = buy.get("electricity_hourly_usd") or 0.0
        # The option's unit cost is at the planned hours; at H hours it scales with (A/H + e).
        per_hour_at = lambda h: amort / h + power  # noqa: E731
        scale = buy[key] / per_hour_at(planned)
        rent_unit = rent[key] * r
        be = c.get("break_even_hours_per_month")
        hmax = min(730.0, max(planned * 2, (be or 0) * 1.5, 80.0))
        hmin = max(1.0, hmax / 60)
        samples = [hmin + (hmax - hmin) * (i / 24) ** 2 for i in range(25)]  # denser where the curve bends
        buy_vals = [per_hour_at(h) * scale * r for h in samples]
        top = max(rent_unit * 3, buy[key] * r * 1.5)
        pw, ph = width - pad_l - pad_r, height - pad_t - pad_b
        px = lambda h: pad_l + h / hmax * pw  # noqa: E731
        py = lambda val: pad_t + ph - min(val, top) / top * ph  # noqa: E731
        name = names.get(c["workloads"][0], c["workloads"][0])
        unit = money.UNIT_WORDS[key]
        marks = [{"x": round(px(planned), 1), "label": f"you plan {planned:g} h", "cls": "planned"}]
        if be is not None and be <= hmax:
            marks.append({"x": round(px(be), 1), "label": f"break-even {be:.0f} h", "cls": "breakeven"})
        verdict = {"buy": "buy", "rent": "rent", "local": "use what you have"}.get(c["verdict"], "no option")
        out.append({
            "id": f"chart-rb-{len(out)}", "width": width, "height": height, "name": name, "verdict": verdict,
            "buy_points": " ".join(f"{px(h):.0f},{py(val):.0f}" for h, val in zip(samples, buy_vals)),
            "rent_y": round(py(rent_unit), 1), "x0": pad_l, "x1": width - pad_r, "y0": pad_t, "y1": pad_t + ph,
            "marks": marks, "mark_label_y": pad_t - 4, "axis_label_y": height - 6,
            "top_label": f"{top:,.4g}", "hmax": f"{hmax:.0f} h/month",
            "title": f"Rent or buy: {name}",
            "desc": f"Cost {unit} ({currency}) against hours of use a month: buy {buy['name']} (solid, falling) "
                    f"against rent {rent['name']} on {rent.get('provider')} (dashed, flat); "
                    + (f"they cross at {be:.0f} hours a month" if be is not None else "no break-even")
                    + f"; you plan {planned:g} hours: {verdict}.",
            "caption": f"{verdict}; cheapest purchase {buy['name']}, cheapest rental {rent['name']} on "
                       f"{rent.get('provider')}" + (f"; break-even {be:.0f} h a month" if be is not None else "")})
    return out


def options_scatter(report: dict, workload_id: str | None = None) -> dict | None:
    """Price against speed of every option for one workload (the one the headline speaks of, or the
    first with options): what each buy, rental and this machine cost an hour and how fast they run."""
    judged = report["judgments"]
    entries = money.entries(judged.get("costs"))
    chosen = next((c for c in entries if workload_id in c["workloads"]), None) if workload_id else None
    chosen = chosen or next((c for c in entries if len([o for o in c["options"]
                                                        if (o.get("speed") or {}).get("value")]) >= 2), None)
    if not chosen:
        return None
    opts = [o for o in chosen["options"] if (o.get("speed") or {}).get("value") and o.get("hourly_usd") is not None]
    if len(opts) < 2:
        return None
    r, currency = money.rate(judged.get("costs"))
    w, h, pl, pr, pt, pb = WIDTH, 260, 60, 20, 20, 40
    xmax = max(o["hourly_usd"] * r for o in opts) * 1.1 or 1
    ymax = max(o["speed"]["value"] for o in opts) * 1.1 or 1
    unit = opts[0]["speed"].get("unit") or ""
    names = {v["id"]: v["name"] for v in judged["verdicts"]}
    points, table = [], []
    for o in opts:
        px = pl + o["hourly_usd"] * r / xmax * (w - pl - pr)
        py = pt + (h - pt - pb) - o["speed"]["value"] / ymax * (h - pt - pb)
        label = o["name"] + (f" ({o['provider']})" if o.get("provider") else "")
        right = px > w / 2  # labels of the right half read leftwards, so none runs off the chart
        points.append({"x": round(px, 1), "y": round(py, 1), "kind": o["kind"], "label": label,
                       "label_x": round(px - 8 if right else px + 8, 1), "anchor": "end" if right else "start",
                       "label_y": round(py + 4, 1)})
        table.append([o["kind"], label, f"{o['hourly_usd'] * r:,.4f} {currency}/h", f"{o['speed']['value']:,.1f} {unit}"])
    name = names.get(chosen["workloads"][0], chosen["workloads"][0])
    return {"id": "chart-options", "width": w, "height": h, "points": points, "x0": pl, "x1": w - pr, "y0": pt,
            "y1": h - pb, "xmax": f"{xmax:,.2f} {currency}/h", "ymax": f"{ymax:,.0f} {unit}", "x_label_y": h - 8,
            "title": f"Price against speed of the options for {name}",
            "desc": f"Each option: cost per hour of use ({currency}, across) against {unit} (up); circles buy, "
                    "squares rent, the triangle this machine.",
            "headers": ["Kind", "Option", "Per hour", "Speed"], "table": table}
