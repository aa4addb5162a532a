"""The bench result in words, and llama-bench's measurement set against readiness's estimate."""

from __future__ import annotations


def _fig(f: dict | None, digits: int = 1) -> str:
    if not f:
        return "not measured"
    if "error" in f:
        return f"failed: {f['error']}"
    iqr = f.get("iqr") or [f["min"], f["max"]]
    return (f"{f['median']:.{digits}f} {f['unit']} (median of {f['repeats']}; min {f['min']:.{digits}f}, "
            f"max {f['max']:.{digits}f}, IQR {iqr[0]:.{digits}f}-{iqr[1]:.{digits}f})"
            + (", cut short by its time bound" if f.get("cut_short") else ""))


def text(doc: dict) -> str:
    lines = [f"readiness bench, {doc['measured_at']} ({doc['seconds']:.1f} s, size {doc['size']})"]
    m = doc["machine"]
    lines.append(f"machine id from {m['source']}" + ("" if m["stable"] else " (not stable: a renamed host looks new)"))
    cpu = doc.get("cpu") or {}
    ram = cpu.get("ram") or {}
    lines.append(f"\nCPU {cpu.get('model') or '?'}, {cpu.get('threads') or '?'} threads; "
                 f"RAM buffer {cpu.get('ram_buffer_bytes', 0) // 2**20} MiB")
    lines.append(f"  how: {cpu.get('ram_method')}")
    if "error" in ram:
        lines.append(f"  RAM: failed: {ram['error']}")
    else:
        lines.append(f"  RAM read   {_fig(ram.get('read_gbps'))}")
        lines.append(f"  RAM copy   {_fig(ram.get('copy_gbps'))} (read + write)")
    for dt, f in (cpu.get("matmul") or {}).items():
        lines.append(f"  {dt:<5} matmul {_fig(f, 3)}")
    for g in doc.get("gpus") or []:
        lines.append(f"\nGPU {g.get('name')} ({g.get('backend')}, driver {g.get('driver_version') or '?'})")
        if "error" in g:
            lines.append(f"  failed: {g['error']}")
            continue
        mem = g.get("memory") or {}
        lines.append(f"  memory read {_fig(mem.get('read_gbps'), 0)}")
        lines.append(f"  memory copy {_fig(mem.get('copy_gbps'), 0)}")
        for dt, f in (g.get("matmul") or {}).items():
            lines.append(f"  {dt:<5} matmul {_fig(f)}")
        t = g.get("transfer") or {}
        lines.append(f"  host->device {_fig(t.get('h2d_gbps'))}" + (" (pinned)" if t.get("pinned") else ""))
        lines.append(f"  device->host {_fig(t.get('d2h_gbps'))}")
    d = doc.get("disk")
    if d:
        lines.append(f"\nDisk {d.get('folder', '')}: " + (f"failed: {d['error']}" if "error" in d else
                     f"read {_fig(d.get('read_gbps'), 2)}; {d['file_bytes'] // 2**20} MiB file, "
                     f"page cache {d['cache']}"))
    lb = doc.get("llama_bench")
    if lb:
        lines.append("")
        lines += compare_lines(lb)
    for note in doc.get("notes") or []:
        lines.append(f"note: {note}")
    if doc.get("stored_in"):
        lines.append(f"\nStored in {doc['stored_in']}; `readiness check` now uses these figures "
                     "(`--no-bench-cache` ignores them, `readiness bench --clear` deletes them).")
    return "\n".join(lines) + "\n"


def compare(measured: dict, estimate: dict | None) -> dict:
    """Measured against estimated, per phase, with the ratio."""
    out = {}
    for key in ("prompt_tokens_per_s", "decode_tokens_per_s"):
        m, e = measured.get(key), (estimate or {}).get(key)
        out[key] = {"measured": m, "estimated": e,
                    "estimate_over_measured": round(e / m, 3) if m and e else None}
    return out


def compare_lines(lb: dict) -> list[str]:
    if lb.get("status") != "ok":
        return [f"llama-bench: {lb.get('status')}: {lb.get('reason')}"]
    lines = [f"llama-bench ({' '.join(lb['argv'])}):"]
    for key, label in (("prompt_tokens_per_s", "prompt pp512"), ("decode_tokens_per_s", "generation tg128")):
        c = (lb.get("comparison") or {}).get(key) or {}
        m, e, r = c.get("measured"), c.get("estimated"), c.get("estimate_over_measured")
        lines.append(f"  {label:<17} measured {m if m is not None else '?'} tokens/s, estimated "
                     f"{e if e is not None else '?'} tokens/s" + (f" (estimate {r:.0%} of measured)" if r else ""))
    return lines
