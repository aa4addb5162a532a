"""Plain view data built from a report (schema 2: facts apart from judgments). Renderers only
format what is here."""

from __future__ import annotations

from typing import Any

from readiness.report import money

# The instruction sets that matter for AI inference on CPUs, in display order.
AI_FLAGS = {
    "x86": ["avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni",
            "amx_tile", "amx_bf16", "amx_int8"],
    "arm": ["asimd", "asimddp", "i8mm", "sve", "sve2", "bf16", "sme"],
}


def gib(mib: int | float | None) -> str:
    return "unknown" if mib is None else f"{mib / 1024:.1f} GiB"


def ai_flags(cpu: dict) -> list[str]:
    flags = set(cpu.get("flags") or [])
    family = "arm" if (cpu.get("arch") or "").startswith("arm") else "x86"
    return [f for f in AI_FLAGS[family] if f in flags]


def _probe(facts: dict, name: str) -> dict:
    return next((p for p in facts.get("probes", []) if p["name"] == name), {})


def _os_line(host: dict) -> str:
    parts = [host.get("os_release") or host.get("os") or "unknown OS"]
    if host.get("arch"):
        parts.append(host["arch"])
    if host.get("kernel"):
        parts.append(f"kernel {host['kernel']}")
    if host.get("wsl"):
        parts.append("WSL")
    if host.get("container"):
        parts.append(f"in a {host['container']} container")
    return " · ".join(parts)


def _cpu_line(cpu: dict) -> str:
    parts = [cpu.get("model") or "unknown CPU"]
    cores, threads = cpu.get("physical_cores"), cpu.get("logical_cpus")
    if cores or threads:
        parts.append(f"{cores if cores is not None else '?'} cores / {threads if threads is not None else '?'} threads")
    if cpu.get("max_mhz"):
        parts.append(f"up to {cpu['max_mhz'] / 1000:.2f} GHz")
    if cpu.get("flags") is None:
        parts.append("instruction sets unknown")
    else:
        found = ai_flags(cpu)
        parts.append(" ".join(found) if found else "no AI instruction-set extensions")
    return " · ".join(parts)


def _memory_line(mem: dict) -> str:
    if mem.get("total_mib") is None:
        return "unknown"
    line = f"{gib(mem['total_mib'])} total, {gib(mem.get('available_mib'))} available"
    swap = mem.get("swap_total_mib")
    line += " · no swap" if swap == 0 else (f" · swap {gib(swap)}" if swap else "")
    if mem.get("cgroup_limit_mib"):
        line += f" · container limit {gib(mem['cgroup_limit_mib'])}"
    return line


def _gpu(gpu: dict) -> dict[str, Any]:
    name = gpu.get("name") or f"{gpu['vendor'].upper() if gpu['vendor'] != 'other' else 'Unknown'} device" + (
        f" [{gpu.get('pci_vendor_id', '')[2:]}:{gpu.get('pci_device_id', '')[2:]}]" if gpu.get("pci_device_id") else "")
    total, free = gpu.get("memory_total_mib"), gpu.get("memory_free_mib")
    memory = gib(total) if total is not None else "memory unknown"
    if total is not None and free is not None:
        memory += f" ({gib(free)} free)"
    notes = []
    if gpu.get("architecture") or gpu.get("compute_capability"):
        notes.append(" ".join(filter(None, [gpu.get("architecture"),
                                            f"(compute {gpu['compute_capability']})" if gpu.get("compute_capability") else None])))
    if gpu.get("memory_bandwidth_gbps"):
        notes.append(f"{gpu['memory_bandwidth_gbps']:.0f} GB/s")
    if gpu.get("driver_version"):
        notes.append(f"driver {gpu['driver_version']}")
    if gpu.get("mig_mode"):
        notes.append(f"MIG on ({len(gpu.get('mig_devices') or [])} instances)")
    if gpu.get("processes_count"):
        notes.append(f"{gpu['processes_count']} processes using {gib(gpu.get('processes_memory_mib'))}")
    if gpu.get("unified_memory"):
        notes.append("unified memory")
    if gpu.get("assumed"):
        notes.insert(0, "assumed, not detected: specs from the catalogue"
                     + (f" ({gpu['assumed_note']})" if gpu.get("assumed_note") else ""))
    if gpu.get("virtual"):
        notes.append("virtual display adapter")
    if gpu.get("status") != "ok" or gpu.get("status_reason") and not gpu.get("virtual"):
        notes.append(gpu.get("status_reason") or gpu["status"])
    used_pct = None
    if total and free is not None:
        used_pct = round(100 * (total - free) / total)
    return {"index": gpu["index"], "name": name, "vendor": gpu["vendor"], "memory": memory, "status": gpu["status"],
            "ok": gpu["status"] == "ok" and not gpu.get("virtual"), "notes": notes, "used_pct": used_pct,
            "driver": gpu.get("driver_version"), "bus": gpu.get("pci_bus_id"), "source": gpu.get("source")}


def no_gpu_reason(facts: dict) -> str:
    reasons = [p["reason"] for p in facts.get("probes", [])
               if p["name"] in ("pci", "nvidia", "amd", "apple", "intel", "windows") and p.get("reason")
               and p["status"] != "unsupported"]
    return "; ".join(reasons) or "no GPU probe found a device"


def _cuda_line(cuda: dict) -> str:
    parts = []
    if cuda.get("toolkit_version"):
        where = cuda.get("toolkit_path") or cuda.get("nvcc_path")
        parts.append(f"toolkit {cuda['toolkit_version']}" + (f" at {where}" if where else ""))
    others = [t for t in cuda.get("toolkits", []) if t.get("path") != cuda.get("toolkit_path")]
    if others:
        parts.append("also " + ", ".join(f"{t.get('version')} at {t.get('path')}" for t in others))
    if not parts:
        parts.append("no toolkit found")
    parts.append(f"driver supports CUDA {cuda['driver_version']}" if cuda.get("driver_version") else "no NVIDIA driver")
    return " · ".join(parts)


def _python_line(stack: dict) -> str:
    py = stack.get("python") or {}
    torch = stack.get("torch") or {}
    parts = [f"Python {py['version']}" + (f" ({py['environment']})" if py.get("environment") else "")
             if py.get("version") else "Python unknown"]
    if torch.get("installed"):
        build = torch.get("build") or "unknown build"
        avail = " · GPU available to torch" if torch.get("cuda_available") or torch.get("mps_available") else ""
        parts.append(f"torch {torch['version']} ({build}){avail}")
    elif torch.get("source"):
        parts.append("torch not installed")
    tools = stack.get("tools") or {}
    if tools:
        parts.append(", ".join(f"{k} {v.get('version') or ''}".strip() for k, v in tools.items()))
    return " · ".join(parts)


def build(report: dict) -> dict[str, Any]:
    facts, judged = report["facts"], report["judgments"]
    origin = report.get("origin") or "live"
    host = facts["host"]
    # With --assume-gpu the judgments are for the assumed machine: its GPUs are shown, marked assumed.
    assumed = report.get("assumed") or {}
    gpus = [_gpu(g) for g in (assumed.get("gpus") or facts.get("gpus", []))]
    ram = _memory_line(facts["memory"])
    if assumed.get("ram_gib"):
        ram = f"{assumed['ram_gib']:g} GiB (assumed, not detected; this machine: {ram})"
    rows = [
        ("OS", _os_line(host)),
        ("CPU", _cpu_line(facts["cpu"])),
        ("RAM", ram),
    ]
    for d in facts.get("disks", []):
        rows.append(("Disk", f"{d['path']}: {gib(d['free_mib'])} free of {gib(d['total_mib'])} ({', '.join(d['used_for'])})"))
    if not facts.get("disks"):
        rows.append(("Disk", _probe(facts, "disks").get("reason") or "unknown"))
    rows.append(("CUDA", _cuda_line(facts["stack"]["cuda"])))
    rows.append(("Python", _python_line(facts["stack"])))
    problems = [p for p in facts.get("probes", []) if p["status"] in ("timeout", "error")]
    shared = judged.get("assumptions") or {}
    from readiness.costs import advisor
    from readiness.report import money

    shops = {e["workloads"][0]: advisor.shopping(e) for e in money.entries(judged.get("costs"))}
    workloads = [workload_row({**v, "alternatives": [*(v.get("alternatives") or []),
                                                      *(shops.get(v["id"], []) if v["verdict"] != "runs well" else [])]},
                              [*shared.get(v["kind"], []), *shared.get("all", [])]) for v in judged["verdicts"]]
    names = {v["id"]: v["name"] for v in judged["verdicts"]}
    from readiness.report.charts import short_name

    shorts = {v["id"]: short_name(v) for v in judged["verdicts"]}
    verdict_words = {"local": "use what you have", "buy": "buy", "rent": "rent", None: "no option"}

    costs = [{"name": names.get(c["workloads"][0], c["workloads"][0]), "verdict": verdict_words[c["verdict"]],
              "why": c["why"], "break_even": c["break_even_hours_per_month"],
              "short": shorts.get(c["workloads"][0], c["workloads"][0]), "answer": c["verdict"],
              "best_buy": c.get("best_buy"), "best_rent": c.get("best_rent"),
              "options": [{**o, "provider": o.get("provider"), "inputs": _option_lines(o, c, judged["costs"])}
                          for o in c["options"]]}
             for c in money.entries(judged.get("costs"))]
    prices_note = None
    if costs and money.shared(judged["costs"], "prices_as_of"):
        p = money.shared(judged["costs"], "prices_as_of")
        prices_note = (f"prices: snapshot {p['snapshot']}, {p['age_months']:g} months old"
                       + (" (WARNING: older than 6 months)" if p["stale"] else "")) if p.get("age_months") is not None else None
    findings = [{"mark": "✗" if f["outcome"] == "fail" else "!", "severity": f["severity"], "title": f["title"],
                 "message": f["message"], "fix": f["fix"], "id": f["id"], "reference": f.get("reference"),
                 "reference_url": web_link(f.get("reference"))}
                for f in sorted(judged["findings"], key=lambda f: (f["outcome"] != "fail", f["id"]))]
    counts = {}
    for c in judged["checks"]:
        counts[c["outcome"]] = counts.get(c["outcome"], 0) + 1
    return {
        "headline": headline(judged, report.get("assumed")),
        "charts": charts_view(report),
        "methods": {**methods(judged), "measured": measured_note(judged.get("measured"))},
        "title": f"readiness report for {host.get('hostname') or 'this machine'}",
        "hostname": host.get("hostname"),
        "origin": origin,
        "rows": rows,
        "gpus": gpus,
        "no_gpu_reason": None if gpus else no_gpu_reason(facts),
        "probes": facts.get("probes", []),
        "problems": problems,
        "workloads": workloads,
        "costs": costs,
        "prices_note": prices_note,
        "findings": findings,
        "check_counts": counts,
        "tool_version": report["tool"]["version"],
        "collected_at": facts["collected_at"],
        "schema_version": report["schema_version"],
        "models": models_view(judged.get("models")),
    }


MARKS = {"runs well": "✓", "runs slowly": "!", "runs with offload": "!", "does not fit": "✗", "unknown": "?"}


def speed_text(v: dict) -> str:
    speed = v.get("speed") or {}
    if speed.get("value") is None:
        return ""
    value, unit = speed["value"], speed.get("unit") or ""
    if unit == "hours" and value > 24 * 365:
        return f"{value / 24 / 365:,.1f} years"
    if unit == "hours" and value > 48:
        return f"{value / 24:,.1f} days"
    if unit == "images/min" and 0 < value < 1:
        return f"{1 / value:,.1f} minutes per image"
    if 0 < value < 1:
        return f"{value:.2g} {unit}"
    return f"{value:,.1f} {unit}"


def alternative_text(a: dict) -> str:
    """One alternative in words: the change, its verdict, its speed and its memory (or price)."""
    speed = speed_text(a)
    parts = [a["verdict"]] + ([speed] if speed else [])
    if a.get("memory_required_mib") is not None:
        parts.append(f"needs {gib(a['memory_required_mib'])}")
    return f"{a['change']}: {', '.join(parts)}"


def workload_row(v: dict, shared: list[str] = ()) -> dict:
    """``shared``: the assumptions all verdicts share, stated once in the report, shown with each."""
    from readiness.report.charts import short_name

    return {"id": v["id"], "name": v["name"], "short": short_name(v), "verdict": v["verdict"],
            "mark": MARKS.get(v["verdict"], "?"), "placement": v["placement"], "why": v["why"], "speed": speed_text(v),
            "assumptions": [*v["assumptions"], *shared],
            "alternatives": [alternative_text(a) for a in v.get("alternatives") or []]}


def headline(judged: dict, assumed: dict | None = None) -> str:
    """One line in words people know: the largest catalogue LLM that runs well here, by name and
    quant with its speed, what to do about the next one up, and the assumed GPU when there is one."""
    from readiness.report import charts, money

    llms = [v for v in judged["verdicts"] if v["kind"] == "llm-inference"]
    suffix = ""
    if assumed and (assumed.get("resolved") or assumed.get("gpu")):
        names = assumed.get("resolved") or [assumed["gpu"]]
        suffix = f" (judged for an assumed {', '.join(names)}, not detected)"
    if not llms:
        return "No workloads were judged" + suffix + "."
    from readiness.workloads import catalogue

    def size(v):
        try:
            return float(catalogue.find_model(v["model"])["params_b"])
        except Exception:  # noqa: BLE001 - a user's model not in the catalogue sorts last
            return 0.0

    good = sorted((v for v in llms if v["verdict"] == "runs well"), key=size, reverse=True)
    bad = sorted((v for v in llms if v["verdict"] != "runs well"), key=size)
    costs = {c["workloads"][0]: c for c in money.entries(judged.get("costs"))}
    words = {"rent": "rent", "buy": "buy a GPU", "local": "run it here", None: "no priced option runs it well"}

    def runs(v):
        speed = (v.get("speed") or {}).get("value")
        return charts.short_name(v) + (f" at about {speed:,.0f} tokens/s" if speed else "")

    parts = []
    if good:
        parts.append("Runs " + runs(good[0]) + (f" (and {len(good) - 1} smaller LLM{'s' if len(good) > 2 else ''})"
                                              if len(good) > 1 else ""))
        bigger = [v for v in bad if size(v) >= size(good[0]) and v["verdict"] != "unknown"] or \
            [v for v in bad if v["verdict"] != "unknown"]
        if bigger:
            nxt = bigger[0]
            advice = costs.get(nxt["id"], {}).get("verdict")
            parts.append(f"{words[advice]} for {charts.short_name(nxt)}" if advice in ("rent", "buy") else
                         f"{charts.short_name(nxt)} {nxt['verdict']}")
    elif all(v["verdict"] == "unknown" for v in bad):
        # Unknown is never "no": say what could not be read instead.
        reasons = list(dict.fromkeys(u for v in bad for u in v.get("unknown", [])))
        parts.append("Could not judge the LLMs here" + (f": {'; '.join(reasons[:2])}" if reasons else ""))
    else:
        smallest = next(v for v in bad if v["verdict"] != "unknown")
        advice = costs.get(smallest["id"], {}).get("verdict")
        known = "runs" if all(v["verdict"] != "unknown" for v in bad) else "is known to run"
        speed = (smallest.get("speed") or {}).get("value")
        parts.append(f"No LLM {known} well here (even {charts.short_name(smallest)} {smallest['verdict']}"
                     + (f", about {speed:,.1f} tokens/s" if speed else "") + ")")
        if advice in ("rent", "buy"):
            parts.append(f"{words[advice]} to run one")
    return "; ".join(parts) + suffix + "."


def _option_lines(o: dict, entry: dict, costs) -> list[str]:
    """The sums of the options the verdict weighs (this machine, the best buy, the best rental);
    the others in one line each, to keep the page small (`readiness advise` shows every sum)."""
    lines = money.option_lines(o, costs)
    if o["kind"] == "local" or o["id"] in (entry.get("best_buy"), entry.get("best_rent")):
        return lines
    return lines[:1] + ["(its sums: readiness advise)"]


def charts_view(report: dict) -> dict:
    """Every chart of the check report, as plain data (readiness/report/charts.py)."""
    from readiness.report import charts

    slow = next((v["id"] for v in report["judgments"]["verdicts"]
                 if v["kind"] == "llm-inference" and v["verdict"] != "runs well"), None)
    return {"memory": charts.memory_chart(report), "speed": charts.speed_chart(report),
            "rent_buy": charts.rent_buy_charts(report), "options": charts.options_scatter(report, slow)}


def methods(judged: dict) -> dict:
    from readiness import data

    def span(rows):
        dates = sorted(str(r["date"]) for r in rows if r.get("date"))
        return f"{dates[0]} to {dates[-1]}" if dates else "undated"

    from readiness.report import money

    prices = money.shared(judged.get("costs"), "prices_as_of") if judged.get("costs") else None
    return {
        "gpu_catalogue": f"{len(data.rows('gpus', 'gpu'))} GPUs, rows dated {span(data.rows('gpus', 'gpu'))}",
        "models": f"{len(data.rows('models', 'model'))} LLM architectures",
        "validation": f"{len(data.rows('validation', 'decode')) + len(data.rows('validation', 'prompt'))} public speed "
                      "measurements (benchmarks/accuracy.py)",
        "prices": (f"price lists compiled {prices['snapshot']} ({prices['age_months']:g} months old)"
                   + (": WARNING, older than 6 months" if prices["stale"] else "")) if prices else "costs not computed",
        "stale_prices": bool(prices and prices["stale"]),
    }


def measured_note(measured: dict | None) -> str | None:
    """Which figures `readiness bench` measured here (the rest come from the catalogue)."""
    if not measured:
        return None
    parts = []
    if measured.get("ram_bandwidth_gbps"):
        parts.append(f"RAM bandwidth {measured['ram_bandwidth_gbps']:.1f} GB/s")
    if measured.get("cpu_tflops"):
        parts.append(f"CPU FP32 {measured['cpu_tflops']:.2f} TFLOPS")
    for g in (measured.get("gpus") or {}).values():
        parts.append(f"{g['name']}: " + ", ".join(x for x in (
            f"{g['bandwidth_gbps']:.0f} GB/s" if g.get("bandwidth_gbps") else "",
            f"FP16 {g['fp16_tflops']:.0f} TFLOPS" if g.get("fp16_tflops") else "") if x))
    return f"measured here on {measured.get('date')} by readiness bench: " + "; ".join(parts)


# --- Your models (readiness models; check's "models") -------------------------------------------------

def _count(n: int | None) -> str:
    if not n:
        return "?"
    return f"{n / 1e9:.1f}B" if n >= 1e9 else f"{n / 1e6:.0f}M"


def _bytes(n: int | None) -> str | None:
    if not n:
        return None
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def models_view(judged: list[dict] | None, searched: list[dict] | None = None) -> dict | None:
    """The models found on this machine, best first, with the disk they take (shared blobs once)."""
    if judged is None:
        return None
    rows = []
    for m in judged:
        params = _count(m.get("parameters"))
        if m.get("experts") and m.get("active_parameters"):
            params += f" ({_count(m['active_parameters'])} active)"
        facts = [x for x in (m.get("architecture"), params if m.get("parameters") else None, m.get("quantization"),
                             f"{m['native_context']:,} ctx" if m.get("native_context") else None,
                             _bytes(m.get("size_bytes"))) if x]
        rows.append({"name": m["name"], "store": m["store"], "path": m["path"], "verdict": m.get("verdict") or "not judged",
                     "mark": MARKS.get(m.get("verdict"), "?"), "speed": speed_text(m) if m.get("speed") else "",
                     "facts": " · ".join(facts), "why": m.get("why") or "", "aliases": m.get("aliases") or []})
    disk = sum(m.get("counted_bytes") or 0 for m in judged)
    places = [f"{s['store']} ({s['path']})" for s in (searched or [])]
    return {"rows": rows, "count": len(rows), "disk": _bytes(disk) or "0 bytes",
            "none_line": ("No models found. Looked in: " + ", ".join(places) + "." if places else
                          "No models found in Ollama, the Hugging Face cache, LM Studio, llama.cpp's cache or "
                          "GPT4All (readiness models lists the folders).") if not rows else None}


def web_link(value) -> str | None:
    """A reference becomes a link only when it is an http(s) address (never javascript:, data:, file:)."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    return v if v.lower().startswith(("https://", "http://")) and not any(c in v for c in "\x00\n\r\t ") else None
