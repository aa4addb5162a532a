"""Raw samples (from child.py or fallback.py) -> figures with a median and a spread. Pure."""

from __future__ import annotations


def summary(samples: list[float], unit: str) -> dict:
    """Median, min, max and the interquartile range of per-repeat rates."""
    import statistics  # here: a check imports this module for median() alone (issue 18: statistics costs ~10 ms)

    s = sorted(samples)
    q = statistics.quantiles(s, n=4, method="inclusive") if len(s) >= 2 else [s[0], s[0], s[0]]
    return {"median": round(statistics.median(s), 3), "min": round(s[0], 3), "max": round(s[-1], 3),
            "iqr": [round(q[0], 3), round(q[2], 3)], "repeats": len(s), "unit": unit}


def rate(step: dict | None, work_key: str, scale: float, unit: str) -> dict | None:
    """One step's samples as a rate: work ÷ seconds per repeat, in ``unit`` (work / scale per second).

    None when the step is absent; {"error": ...} when it failed."""
    if not step:
        return None
    if "error" in step:
        return {"error": step["error"]}
    secs = [t for t in step.get("seconds") or [] if t > 0]
    work = step.get(work_key)
    if not secs or not work:
        return {"error": "no timed repeat"}
    out = summary([work / t / scale for t in secs], unit)
    out.update(budget_s=step.get("budget_s"), cut_short=bool(step.get("cut_short")))
    for extra in ("counts", "n"):
        if extra in step:
            out[extra] = step[extra]
    return out


def memory(raw: dict | None) -> dict | None:
    if not raw:
        return None
    if "error" in raw:
        return {"error": raw["error"]}
    return {"read_gbps": rate(raw.get("read"), "bytes", 1e9, "GB/s"),
            "copy_gbps": rate(raw.get("copy"), "bytes", 1e9, "GB/s")}


_DTYPES = {"float32": "fp32", "float16": "fp16", "bfloat16": "bf16", "int8": "int8"}


def matmul(raw: dict | None) -> dict:
    out = {}
    for dt, step in (raw or {}).items():
        unit = "TOPS" if dt == "int8" else "TFLOPS"
        out[_DTYPES.get(dt, dt)] = rate(step, "flops", 1e12, unit)
    return out


def from_child(doc: dict) -> dict:
    """The child's JSON -> {"torch": ..., "cpu": {...}, "gpus": [...]}."""
    cpu_raw = doc.get("cpu") or {}
    cpu = None
    if cpu_raw:
        cpu = {"threads": cpu_raw.get("threads"), "capability": cpu_raw.get("capability"),
               "ram": memory(cpu_raw.get("ram")), "matmul": matmul(cpu_raw.get("matmul")),
               "ram_method": "torch: tensor sum (read) and copy_ (read + write), all intra-op threads"}
    elif isinstance(doc.get("cpu_error"), dict):
        cpu = {"error": doc["cpu_error"]["error"]}
    gpus = []
    for g in doc.get("gpus") or []:
        item = {k: g.get(k) for k in ("backend", "device", "name", "memory_total_mib", "memory_free_mib",
                                      "compute_capability", "buffer_bytes") if g.get(k) is not None}
        if "error" in g:
            item["error"] = g["error"]
        else:
            item["memory"] = memory(g.get("memory"))
            item["matmul"] = matmul(g.get("matmul"))
            t = g.get("transfer") or {}
            item["transfer"] = {"error": t["error"]} if "error" in t else {
                "pinned": t.get("pinned"), "h2d_gbps": rate(t.get("h2d"), "bytes", 1e9, "GB/s"),
                "d2h_gbps": rate(t.get("d2h"), "bytes", 1e9, "GB/s")}
        gpus.append(item)
    return {"torch": doc.get("torch"), "torch_cuda": doc.get("cuda"), "torch_hip": doc.get("hip"),
            "cpu": cpu, "gpus": gpus, "gpu_error": doc.get("gpu_error")}


def median(figure: dict | None) -> float | None:
    """The median of a figure, or None when it is missing or failed."""
    if not figure or "error" in figure:
        return None
    return figure.get("median")
