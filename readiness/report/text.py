"""The terminal summary: one screen by default (one line per workload, rent-or-buy grouped by its
answer, lines wrapped to the terminal), everything with --verbose."""

from __future__ import annotations

import shutil
import textwrap

import click

from readiness import sanitize

_COLORS = {"✓": "green", "!": "yellow", "✗": "red"}


def _paint(line: str, color: bool) -> str:
    """Colour the [✓] [!] [✗] markers; the markers themselves carry the meaning without colour."""
    if not color:
        return line
    for mark, fg in _COLORS.items():
        line = line.replace(f"[{mark}]", click.style(f"[{mark}]", fg=fg, bold=True))
    return line


def render_quiet(view: dict) -> str:
    problems = len(view.get("findings") or [])
    return sanitize.text(f"{view['headline']}\n"
                         + (f"{problems} stack problem(s): run readiness check for the fixes\n" if problems else ""))


def render(view: dict, color: bool = False, verbose: bool = False, width: int | None = None) -> str:
    if not verbose:
        return render_summary(view, color, width)
    lines = [f"readiness {view['tool_version']} · {view['hostname'] or 'this machine'} · {view['origin']}", "",
             view["headline"], ""]
    width = 6
    for label, value in view["rows"]:
        lines.append(f"  {label:<{width}} {value}")
    if view["gpus"]:
        for gpu in view["gpus"]:
            mark = "[✓]" if gpu["ok"] else "[!]"
            extra = f" · {'; '.join(gpu['notes'])}" if gpu["notes"] else ""
            lines.append(f"  {'GPU':<{width}} {mark} #{gpu['index']} {gpu['name']} · {gpu['memory']}{extra}")
    else:
        lines.append(f"  {'GPU':<{width}} no GPU found: {view['no_gpu_reason']}")
    if view.get("check_counts"):
        lines += ["", "Stack health"]
        for f in view["findings"]:
            lines.append(f"  [{f['mark']}] {f['title']} ({f['id']})")
            lines.append(f"      {f['message']}")
            lines.append(f"      fix: {f['fix']}")
        c = view["check_counts"]
        names = {"skip": "skipped (not relevant here)", "unknown": "unknown (facts missing)"}
        lines.append(f"  [✓] {c.get('pass', 0)} checks passed" + "".join(
            f", {c[k]} {names[k]}" for k in ("skip", "unknown") if c.get(k)) + (
            "" if view["findings"] else "; no problems found"))
    if view.get("workloads"):
        lines += ["", "Workloads"]
        for w in view["workloads"]:
            lines.append(f"  [{w['mark']}] {w['name']}: {w['verdict']}" + (f" · {w['speed']}" if w["speed"] else ""))
            lines.append(f"      {w['why']}")
            lines += [f"      instead: {alt}" for alt in w.get("alternatives", [])]
        if (view.get("methods") or {}).get("measured"):
            lines.append(f"  Speeds use figures {view['methods']['measured']}")
    if view.get("models"):
        lines += ["", *render_models(view["models"]).rstrip("\n").split("\n")]
    if view.get("costs"):
        lines += ["", "Rent or buy"]
        for c in view["costs"]:
            lines.append(f"  {c['name']}: {c['verdict']} · {c['why']}")
        if view.get("prices_note"):
            lines.append(f"  {view['prices_note']}")
    for p in view["problems"]:
        lines.append(f"  [!] probe {p['name']}: {p['status']}: {p['reason']}")
    # The output boundary: every line is made safe for the terminal, then our own colours go on.
    safe = [sanitize.line(line) for line in lines]
    if color:
        safe[2] = click.style(safe[2], bold=True)
    return "\n".join(_paint(line, color) for line in safe) + "\n"


def render_estimate(result: dict) -> str:
    from readiness.report.view import workload_row

    row = workload_row(result)
    hw = ", ".join(f"{g['count']}× {g['name']}" for g in result["hardware"]["gpus"]) or "no GPU"
    if result["hardware"].get("ram_gib"):
        hw += f", {result['hardware']['ram_gib']:g} GiB RAM"
    lines = [f"{row['name']} on {hw}", "", f"  [{row['mark']}] {row['verdict']} ({result['placement']})"
             + (f" · {row['speed']}" if row["speed"] else ""), f"      {row['why']}"]
    if result.get("prompt_tokens_per_s"):
        lines.append(f"      prompt processing about {result['prompt_tokens_per_s']:,.0f} tokens/s")
    parts = result.get("memory_breakdown_mib") or {}
    if parts:
        lines.append("      memory: " + ", ".join(f"{k.replace('_', ' ')} {v / 1024:.1f} GiB" for k, v in parts.items()))
    if row["alternatives"]:
        lines += ["", "Alternatives"] + [f"  - {alt}" for alt in row["alternatives"]]
    lines += ["", "Assumptions"] + [f"  - {a}" for a in result["assumptions"]]
    return "\n".join(sanitize.line(line) for line in lines) + "\n"


def render_advice(result: dict, inputs: dict | None = None) -> str:
    """`advise`: the verdict, the break-even, each option with its sums, money in the display currency."""
    from readiness.report import money

    i = inputs or result["inputs"]
    cur = i.get("currency", "USD")
    lines = [f"Rent or buy for: {', '.join(result['workloads'])}", ""]
    lines.append(f"  Verdict: {result['verdict'] or 'none'}: {result['why']}")
    if result.get("break_even_hours_per_month") is not None:
        lines.append(f"  Break-even: {result['break_even_hours_per_month']:g} hours a month")
    p = result["prices_as_of"]
    age = f"{p['age_months']:g} months old" if p.get("age_months") is not None else "age unknown"
    lines.append(f"  Prices: snapshot {p.get('snapshot')} ({age}); rows dated {p.get('oldest_row')} to {p.get('newest_row')}"
                 + (" · WARNING: more than 6 months old, check current prices" if p.get("stale") else ""))
    if cur != "USD":
        lines.append(f"  Money in {cur} at {i['exchange_rate']:g} {cur} per USD (the sums are in USD)")
    lines.append("")
    for o in result["options"]:
        label = {"local": "Here", "buy": "Buy ", "rent": "Rent"}[o["kind"]]
        where = f" ({o['provider']})" if o.get("provider") else ""
        first, *rest = money.option_lines(o, result)
        lines.append(f"  {label} {o['name']}{where}: {first}")
        lines += [f"         {line}" for line in rest]
    found = result.get("options_found") or {}
    shown = {k: sum(1 for o in result["options"] if o["kind"] == k) for k in ("buy", "rent")}
    if any(found.get(k, 0) > shown[k] for k in shown):
        lines.append(f"  ({found.get('buy', 0)} purchases and {found.get('rent', 0)} rentals run it well; "
                     "the best are shown)")
    for o in result.get("other_offers", []):
        lines.append(f"  Also  {o['name']} ({o['provider']}): {money.amount(o['hourly_usd'], result)}/h, needs "
                     f"{o['needs']} (not estimated)")
    lines += ["", f"Inputs: {i['hours_per_month']:g} h/month, electricity {i['electricity_per_kwh'] * i['exchange_rate']:g} "
                  f"{cur}/kWh, amortisation {i['amortisation_months']} months, resale {i['resale_fraction']:g}, host "
                  f"{i['host_watts']:g} W, GPU load {i['gpu_load']:g}" + (f", budget {i['budget_usd']:g} USD" if i.get("budget_usd") else "")]
    return "\n".join(sanitize.line(line) for line in lines) + "\n"


def render_models(models: dict, indent: str = "") -> str:
    """Your models: one line each, best first, then the disk they take."""
    if not models["rows"]:
        return f"Your models\n{indent}  {models['none_line']}\n"
    lines = [f"Your models ({models['count']}, {models['disk']} on disk)"]
    for m in models["rows"]:
        lines.append(f"{indent}  [{m['mark']}] {m['name']} ({m['store']}): {m['verdict']}"
                     + (f" · {m['speed']}" if m["speed"] else ""))
        lines.append(f"{indent}      {m['facts']}" + (f"; {m['why']}" if m["why"] else ""))
    # model names and paths come from files on disk: no escape sequence reaches the terminal
    return "\n".join(sanitize.line(line) for line in lines) + "\n"


def _wrap(line: str, width: int, indent: int) -> list[str]:
    return textwrap.wrap(line, width=width, subsequent_indent=" " * indent, break_on_hyphens=False,
                         break_long_words=True) or [""]


def _gpu_groups(gpus: list[dict]) -> list[tuple[int, dict]]:
    """Identical GPUs side by side as one line ("8× NVIDIA H200")."""
    groups: list[tuple[int, dict]] = []
    for g in gpus:
        key = (g["name"], g["memory"], g["ok"], tuple(g["notes"]))
        if groups and (groups[-1][1]["name"], groups[-1][1]["memory"], groups[-1][1]["ok"],
                       tuple(groups[-1][1]["notes"])) == key:
            groups[-1] = (groups[-1][0] + 1, groups[-1][1])
        else:
            groups.append((1, g))
    return groups


def _answer(c: dict) -> tuple[str, str]:
    """(what a cost entry says to do, what it was weighed against), in words shared by every
    workload with the same answer."""
    opts = {o["id"]: o for o in c["options"]}
    buy, rent = opts.get(c.get("best_buy") or ""), opts.get(c.get("best_rent") or "")
    b = f"buy {buy['name']} ({buy.get('upfront_usd') or 0:,.0f} USD)" if buy else ""
    r = f"rent {rent['name']} on {rent.get('provider')} ({rent.get('hourly_usd') or 0:.2f} USD/h)" if rent else ""
    if c.get("answer") == "local":
        return "use what you have", ""
    if c.get("answer") == "rent" and rent:
        return r, b
    if c.get("answer") == "buy" and buy:
        return b, r
    return "no priced option runs it well", ""


def render_summary(view: dict, color: bool = False, width: int | None = None) -> str:
    """The default: fits one screen. Machine, one line per workload, rent or buy grouped."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    out: list[tuple[str, int]] = []  # (line, indent of its continuation lines)
    add = lambda line, indent=9: out.append((line, indent))  # noqa: E731
    # The title line stays one line (a long --from path is one word): the headline is always line 3.
    add(f"readiness {view['tool_version']} · {view['hostname'] or 'this machine'} · {view['origin']}", -1)
    add("")
    add(view["headline"], 0)
    rows = dict(view["rows"])
    for label, value in view["rows"]:
        if label in ("CUDA", "Python"):
            continue
        add(f"  {label:<6} {value}")
    # CUDA and Python share a line: the software stack, in one screen's budget.
    add(f"  {'CUDA':<6} {rows.get('CUDA', '')}; {rows.get('Python', '')}")
    for n, gpu in _gpu_groups(view["gpus"]):
        mark = "[✓]" if gpu["ok"] else "[!]"
        count = f"{n}× " if n > 1 else f"#{gpu['index']} "
        extra = f" · {'; '.join(gpu['notes'])}" if gpu["notes"] else ""
        add(f"  {'GPU':<6} {mark} {count}{gpu['name']} · {gpu['memory']}{' each' if n > 1 else ''}{extra}", 13)
    if not view["gpus"]:
        add(f"  {'GPU':<6} no GPU found ({view['no_gpu_reason'].split('; ')[0]})")
    c = view.get("check_counts") or {}
    models = view.get("models")
    found = " · your models: none found" if models is not None and not models["rows"] else ""
    if c:
        findings = view["findings"]
        add(f"  {'Health':<6} [{'✓' if not findings else '!'}] {c.get('pass', 0)} checks passed"
            + (f", {c['unknown']} unknown" if c.get("unknown") else "")
            + (f"; {len(findings)} problem(s) below" if findings else "; no problems found") + found)
        for f in findings:
            add(f"    [{f['mark']}] {f['title']}: fix: {f['fix'].splitlines()[0] if f['fix'] else ''}", 8)
    elif found:
        add(f"  {'Models':<6} none found")
    if models and models["rows"]:
        # The user's own models, one line each (best first); their facts and why: --verbose.
        add("")
        add(f"Your models ({models['count']}, {models['disk']} on disk)")
        for m in models["rows"]:
            add(f"  [{m['mark']}] {m['name']} ({m['store']}): {m['verdict']}" + (f" · {m['speed']}" if m["speed"] else ""), 6)
    if view.get("workloads"):
        add("")
        add("Workloads")
        name_w = min(max(len(w["short"]) for w in view["workloads"]), 32)
        for w in view["workloads"]:
            add(f"  [{w['mark']}] {w['short']:<{name_w}} {w['verdict']:<17} {w['speed']}".rstrip(), name_w + 7)
        if (view.get("methods") or {}).get("measured"):
            add(f"  Speeds use figures {view['methods']['measured']}", 4)
    if view.get("costs"):
        groups: dict[str, list[tuple[str, str]]] = {}
        for entry in view["costs"]:
            answer, against = _answer(entry)
            groups.setdefault(answer, []).append((entry["short"], against))
        add("")
        add("Rent or buy" + (f" ({view['prices_note']}; the sums: --verbose)" if view.get("prices_note") else ""))
        for answer, rows in groups.items():
            add(f"  {answer}: {', '.join(n for n, _ in rows)}", 4)
    for p in view["problems"]:
        add(f"  [!] probe {p['name']}: {p['status']}: {p['reason']}", 6)
    if not view.get("costs"):
        add("Details: readiness check --verbose, or the HTML report.", 0)
    # The output boundary: every line is made safe for the terminal (names come from outside),
    # then wrapped, then our own colours go on.
    lines = [wrapped for line, indent in out
             for wrapped in ([sanitize.line(line)] if indent < 0 else _wrap(sanitize.line(line), width, indent))]
    return "\n".join(_paint(line, color) for line in lines) + "\n"
