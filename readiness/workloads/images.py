"""Diffusion speed: steps per second from the work per denoiser evaluation and a fitted efficiency.

A small UNet at 512² (SD 1.5, 0.68 TFLOPs per evaluation) leaves a GPU mostly waiting on kernel
launches and memory; a 12B transformer over 4,608 tokens (FLUX.1, 125 TFLOPs) keeps its tensor
cores busy. So the share of peak grows with the work per call: efficiency = top × W ÷ (W + half),
W = TFLOPs per step (evaluations × batch). `top` and `half` are fitted per backend on image
measurements (calibrate.fit_images; efficiency.toml [[image]]).
"""

from __future__ import annotations

from readiness import catalog
from readiness.workloads import catalogue, hardware, speed

ANY = speed.ANY
HALF_GRID = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
# validation.toml [[image]] model names -> workload ids (precision picks the FLUX variant)
WORKLOADS = {"sd15": "image-sd15", "sdxl": "image-sdxl", "sd3": "image-sd3-medium", "sd3-medium": "image-sd3-medium",
             "flux1-dev": "image-flux1-dev", "flux-dev": "image-flux1-dev", "flux1-schnell": "image-flux1-schnell"}


def efficiency(backend: str, tflops_per_step: float, tbl: dict | None = None) -> float | None:
    rows = {r["backend"]: r for r in speed.table(tbl).get("image", [])}
    row = rows.get(backend) or rows.get(ANY)
    if row is None:
        return None
    half = float(row["half_tflops"])
    return float(row["top"]) * tflops_per_step / (tflops_per_step + half) if tflops_per_step > 0 else None


def workload_for(row: dict) -> dict | None:
    wid = WORKLOADS.get(str(row.get("model", "")).lower())
    if wid == "image-flux1-dev":
        wid += "-" + {"bf16": "fp16", "fp16": "fp16", "fp8": "fp8", "nf4": "nf4"}.get(row.get("precision", "fp16"), "fp16")
    return next((w for w in catalogue.builtin_workloads() if w["id"] == wid), None)


def sample(row: dict) -> tuple[dict | None, str | None]:
    if "it_per_s" not in row:
        return None, "no it/s figure"
    w = workload_for(row)
    spec = catalog.lookup(row["gpu"])
    if w is None:
        return None, f"image model {row.get('model')} not modelled"
    if spec is None:
        return None, "GPU not in the catalogue"
    backend = row.get("backend")
    hw = hardware.from_specs([(spec, 1)], None, backend=backend)
    if not hw.gpus or not hw.gpus[0].fp16_tflops:
        return None, "no FP16 figure"
    batch = int(row.get("batch", 1))
    per_step = float(w["tflops_per_eval"]) * float(w["evals_per_step"]) * batch
    return {"row": row, "source": row.get("source_group") or row["source"], "backend": hw.gpus[0].backend, "model": w["id"],
            "peak": hw.gpus[0].fp16_tflops, "per_step": per_step, "measured": float(row["it_per_s"])}, None


def predict(s: dict, tbl: dict) -> float | None:
    eff = efficiency(s["backend"], s["per_step"], tbl)
    return s["peak"] * eff / s["per_step"] if eff else None


def fit(samples: list[dict]) -> list[dict]:
    """One (top, half) per backend with rows from 2+ sources, and a pooled '*' row."""
    import statistics  # the benchmarks' fitting only: a check never pays its import (issue 18)

    rows = []
    groups = {ANY: samples}
    for b in {s["backend"] for s in samples}:
        mine = [s for s in samples if s["backend"] == b]
        if len({s["source"] for s in mine}) >= 2:
            groups[b] = mine
    for b, mine in groups.items():
        best = None
        for half in HALF_GRID:
            # implied top for each row: measured × per_step ÷ peak ÷ (W ÷ (W + half))
            tops = [s["measured"] * s["per_step"] / s["peak"] / (s["per_step"] / (s["per_step"] + half)) for s in mine]
            top = min(statistics.median(tops), 1.0)  # never above the peak
            tbl = {"image": [{"backend": ANY, "top": top, "half_tflops": half}]}
            err = statistics.median(abs(predict(s, tbl) / s["measured"] - 1) for s in mine)
            # where the rows can't tell halves apart (one model size), keep the smallest: a flat efficiency
            if best is None or err < best[0] - 0.005:
                best = (err, top, half)
        rows.append({"backend": b, "top": round(best[1], 4), "half_tflops": best[2], "rows": len(mine)})
    return rows
