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
    for p in view["problems"]:
        lines.append(f"  [!] probe {p['name']}: {p['status']}: {p['reason']}")
    return "\n".join(lines) + "\n"
