"""Fresh-data figures for benchmarks/accuracy.py --shipped.

Rows of validation.toml that carry ``added = DATE`` were added after readiness/data/efficiency.toml was
fitted, so the shipped table has never seen them. Scoring them with that table as shipped (no refit, no
leave-one-source-out) is the honest out-of-sample figure for new data.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict

from readiness.workloads import calibrate, speed

ADDED = "2026-12-03"


def _pct(values):
    return f"{statistics.median(values) * 100:.1f}%" if values else "n/a"


def shipped_report(samples, targets, added=ADDED, show_rows=False):
    """Print median absolute error, range coverage and median bias per group over the samples whose row
    has ``added == added``, each scored with the shipped efficiency table."""
    fresh = [s for s in samples if str(s["row"].get("added", "")) == added]
    tbl = speed.load_table()
    scored = [(s, calibrate.predict(s, tbl)) for s in fresh]
    sources = {s["source"] for s in fresh}
    print(f"rows added {added}: {len(fresh)} scored measurements from {len(sources)} sources, "
          f"scored with the SHIPPED readiness/data/efficiency.toml (not refitted; never fitted on these rows)")
    for phase in calibrate.PHASES:
        e = [abs(p - s["measured"]) / s["measured"] for s, p in scored if s["phase"] == phase and p]
        print(f"fresh (shipped) {phase:6} tokens/s: median absolute error {_pct(e)} over {len(e)} rows "
              f"(target ≤ {targets[phase]:.0%})")
    inside, total = defaultdict(int), defaultdict(int)
    for s, p in scored:
        if not p:
            continue
        f = speed.range_factors(s["phase"], s["backend"], s["generation"], s["moe"], tbl)
        total[s["phase"]] += 1
        if math.log(f["low"]) <= math.log(s["measured"] / p) <= math.log(f["high"]):
            inside[s["phase"]] += 1
    for phase in calibrate.PHASES:
        share = inside[phase] / total[phase] if total[phase] else 0
        print(f"fresh (shipped) {phase:6} range coverage: {share:.0%} of {total[phase]} measurements inside the "
              f"shipped range (target 75-85%)")
    groups = defaultdict(list)
    for s, p in scored:
        if not p:
            continue
        for g in (f"backend {s['backend']}", "MoE" if s["moe"] else "dense", f"vendor {s['vendor']}",
                  f"{s['backend']} × {s['generation']}"):
            groups[(s["phase"], g)].append(p / s["measured"] - 1)
    print("\nfresh (shipped), median bias (estimated ÷ measured − 1) per group; * = beyond ±15%:")
    for (phase, g), ratios in sorted(groups.items()):
        m = statistics.median(ratios)
        print(f"  {phase:6} {g:40} {m:+6.0%} over {len(ratios):3} rows" + (" *" if abs(m) > 0.15 else ""))
    by_source = defaultdict(list)
    for s, p in scored:
        if p:
            by_source[s["source"]].append(abs(p - s["measured"]) / s["measured"])
    print("\nfresh (shipped), median absolute error per source:")
    for src, e in sorted(by_source.items()):
        print(f"  {_pct(e):>7} over {len(e):3} rows  {src}")
    if show_rows:
        for s, p in scored:
            r = s["row"]
            print(f"  {s['phase']:6} {r['gpu'][:34]:34} ×{r.get('gpu_count', 1)} {r['model']:16} "
                  f"{r.get('quant') or '?':7} {s['backend']:6} measured {s['measured']:8.1f} "
                  + (f"estimated {p:8.1f} ({p / s['measured'] - 1:+.0%})" if p else "no estimate"))
