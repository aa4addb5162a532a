"""Image-generation accuracy for benchmarks/accuracy.py: diffusion steps per second, leave-one-source-out."""

from __future__ import annotations

import statistics
from collections import defaultdict

from readiness import data
from readiness.workloads import images


def image_samples():
    samples, skipped = [], defaultdict(int)
    for row in data.rows("validation", "image"):
        s, why = images.sample(row)
        if s is None:
            skipped[why] += 1
        else:
            samples.append(s)
    return samples, skipped


def image_report(show_rows: bool) -> list[dict]:
    """Prints the figures; returns the table fitted on every row (for --fit)."""
    samples, skipped = image_samples()
    if not samples:
        print("\nimages: no scorable rows")
        return []
    full = {"image": images.fit(samples)}
    sources = {s["source"] for s in samples}
    folds = {src: {"image": images.fit([s for s in samples if s["source"] != src])} for src in sources}
    print(f"\nimages: {len(samples)} it/s measurements from {len(sources)} sources; skipped: "
          + ("; ".join(f"{v} {k}" for k, v in sorted(skipped.items())) or "none"))
    for label, pick in (("in-sample", lambda s: full), ("out of sample", lambda s: folds[s["source"]])):
        errs = [abs(p / s["measured"] - 1) for s in samples if (p := images.predict(s, pick(s)))]
        print(f"{label:14} image it/s: median absolute error {statistics.median(errs) * 100:.1f}% over {len(errs)} rows "
              "(no target)")
    by_model = defaultdict(list)
    for s in samples:
        p = images.predict(s, folds[s["source"]])
        if p:
            by_model[s["model"]].append(p / s["measured"] - 1)
            if show_rows:
                print(f"  image  {s['row']['gpu'][:30]:30} {s['model']:22} b{s['row'].get('batch', 1)} measured "
                      f"{s['measured']:6.2f} it/s estimated {p:6.2f} ({p / s['measured'] - 1:+.0%})")
    for model, ratios in sorted(by_model.items()):
        print(f"  out of sample  {model:24} median bias {statistics.median(ratios):+.0%} over {len(ratios)} rows")
    return full["image"]
