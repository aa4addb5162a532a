"""How close readiness's estimates are to public measurements (readiness/data/validation.toml).

Run:  python benchmarks/accuracy.py [--by-backend] [--rows]
Prints the median absolute % error for decode tokens/s, prompt tokens/s and GGUF weight memory,
and the agreement on fit / no fit. The same data-driven factors (backends.toml) serve every row;
nothing is tuned per row. Rows whose GPU is not in the catalogue, or that ran on the CPU
(readiness can't know those machines' RAM bandwidth), are counted as skipped.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from readiness import catalog, data  # noqa: E402
from readiness.errors import ReadinessError  # noqa: E402
from readiness.workloads import catalogue, hardware, llm  # noqa: E402

GIB = 2**30


def _estimate(row: dict, context: int):
    spec = catalog.lookup(row["gpu"])
    if spec is None:
        return None, "GPU not in the catalogue"
    try:
        model = catalogue.find_model(row["model"])
        quant = catalogue.find_quant(row.get("quant") or "")
    except ReadinessError as e:
        return None, e.message
    # Apple rows: the largest configuration of that chip, as these benchmarks were run on them.
    ram = max(spec.memory_options_gib) if spec.unified_memory and spec.memory_options_gib else None
    hw = hardware.from_specs([(spec, int(row.get("gpu_count", 1)))], ram)
    if hw.gpus and hw.gpus[0].backend != row["backend"]:
        for d in hw.gpus:
            d.backend = row["backend"] if row["backend"] in catalogue.backends() else d.backend
    return llm.estimate(model, quant, context, hw), None


def speed_errors(section: str, key: str, ctx_key: str, by_backend: bool, show_rows: bool):
    errors, skipped, fits, agree = [], defaultdict(int), 0, 0
    per_backend = defaultdict(list)
    for row in data.rows("validation", section):
        if row["gpu"].startswith("CPU") or row["backend"] == "cpu":
            skipped["CPU-only machine"] += 1
            continue
        context = int(row.get(ctx_key) or 512)
        est, why = _estimate(row, context)
        if est is None:
            skipped[why] += 1
            continue
        fits += 1
        if est["placement"] in ("gpu", "multi-gpu"):
            agree += 1
        predicted = est[key]
        if not predicted:
            skipped["no estimate (placement " + est["placement"] + ")"] += 1
            continue
        err = (predicted - row["tokens_per_s"]) / row["tokens_per_s"]
        errors.append(abs(err))
        per_backend[row["backend"]].append(predicted / row["tokens_per_s"])
        if show_rows:
            print(f"  {section:6} {row['gpu'][:34]:34} ×{row.get('gpu_count', 1)} {row['model']:14} "
                  f"{row.get('quant') or '?':7} {row['backend']:6} measured {row['tokens_per_s']:8.1f} "
                  f"estimated {predicted:8.1f} ({err:+.0%})")
    return errors, skipped, fits, agree, per_backend


def memory_errors(show_rows: bool):
    errors = []
    for row in data.rows("validation", "gguf_size"):
        try:
            model = catalogue.find_model(row["model"])
            quant = catalogue.find_quant(row["quant"])
        except ReadinessError:
            continue
        size = row.get("size_bytes") or (row["size_gib"] * GIB if "size_gib" in row else None)
        if not size:
            continue
        predicted = llm.weights_bytes(model, quant)
        errors.append(abs(predicted - size) / size)
        if show_rows:
            print(f"  gguf   {row['model']:16} {row['quant']:7} file {size / GIB:6.2f} GiB "
                  f"estimated {predicted / GIB:6.2f} GiB ({(predicted - size) / size:+.1%})")
    return errors


def image_errors(show_rows: bool):
    """Diffusion steps per second (it/s) at batch 1: FP16 TFLOPS × image efficiency ÷ TFLOPs per step."""
    from readiness.workloads import catalogue as cat

    work = {w["id"]: w for w in cat.builtin_workloads()}
    ids = {"sd15": "image-sd15", "sdxl": "image-sdxl"}
    errors = []
    for row in data.rows("validation", "image"):
        spec = catalog.lookup(row["gpu"])
        w = work.get(ids.get(row["model"], ""))
        if spec is None or w is None or row.get("batch", 1) != 1 or "it_per_s" not in row:
            continue
        hw = hardware.from_specs([(spec, 1)], None)
        eff = cat.backends()[hw.gpus[0].backend]["image_efficiency"]
        per_step = float(w["tflops_per_eval"]) * float(w["evals_per_step"])
        predicted = (hw.gpus[0].fp16_tflops or 0) * eff / per_step
        errors.append(abs(predicted - row["it_per_s"]) / row["it_per_s"])
        if show_rows:
            print(f"  image  {row['gpu'][:30]:30} {row['model']:5} measured {row['it_per_s']:6.1f} it/s "
                  f"estimated {predicted:6.1f} ({(predicted - row['it_per_s']) / row['it_per_s']:+.0%})")
    return errors


def pct(values):
    return f"{statistics.median(values) * 100:.1f}%" if values else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--by-backend", action="store_true", help="median estimated/measured ratio per backend")
    parser.add_argument("--rows", action="store_true", help="print every row")
    args = parser.parse_args()
    dec, dskip, dfit, dagree, dback = speed_errors("decode", "decode_tokens_per_s", "context", args.by_backend, args.rows)
    pro, pskip, pfit, pagree, pback = speed_errors("prompt", "prompt_tokens_per_s", "prompt_tokens", args.by_backend,
                                                   args.rows)
    mem = memory_errors(args.rows)
    print(f"decode tokens/s : median absolute error {pct(dec)} over {len(dec)} rows (target ≤ 20%)")
    print(f"prompt tokens/s : median absolute error {pct(pro)} over {len(pro)} rows (target ≤ 35%)")
    print(f"memory vs GGUF  : median absolute error {pct(mem)} over {len(mem)} files (target ≤ 5%)")
    img = image_errors(args.rows)
    print(f"image it/s      : median absolute error {pct(img)} over {len(img)} rows (no target; SD 1.5 and SDXL, "
          f"batch 1, across diffusers versions and compilers)")
    total, agree = dfit + pfit, dagree + pagree
    print(f"fit agreement   : {agree}/{total} = {agree / total * 100:.1f}% of measured runs placed on the GPU "
          f"(target ≥ 95%)" if total else "fit agreement: n/a")
    skipped = defaultdict(int)
    for k, v in [*dskip.items(), *pskip.items()]:
        skipped[k] += v
    if skipped:
        print("skipped rows    : " + "; ".join(f"{v} {k}" for k, v in sorted(skipped.items())))
    if args.by_backend:
        for name, back in (("decode", dback), ("prompt", pback)):
            for b, ratios in sorted(back.items()):
                print(f"  {name} {b:7} median estimated/measured {statistics.median(ratios):.2f} over {len(ratios)} rows")


if __name__ == "__main__":
    main()
