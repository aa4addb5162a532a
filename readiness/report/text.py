"""The terminal summary."""

from __future__ import annotations


def render(view: dict) -> str:
    lines = [f"readiness {view['tool_version']} · {view['hostname'] or 'this machine'} · {view['origin']}", ""]
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
    for p in view["problems"]:
        lines.append(f"  [!] probe {p['name']}: {p['status']}: {p['reason']}")
    return "\n".join(lines) + "\n"


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
    lines += ["", "Assumptions"] + [f"  - {a}" for a in result["assumptions"]]
    return "\n".join(lines) + "\n"
