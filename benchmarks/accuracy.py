"""How close readiness's estimates are to public measurements (readiness/data/validation.toml).

Run:  python benchmarks/accuracy.py [--data DIR] [--rows] [--fit] [--shipped [--added DATE]]
--shipped scores only the rows carrying `added = DATE` (default 2026-12-03: rows added after the shipped
efficiency.toml was fitted) with the SHIPPED table, no refit: the fresh-data figure.
Every figure printed as "out of sample" is leave-one-source-out: for each source (a benchmark table,
an issue, a discussion; rows sharing a `source_group`, e.g. one repository's pages, count as one source
unless --by-url) the speed factors are refitted on the other sources only
(readiness.workloads.calibrate.fit) and the held-out source's rows are scored with them. The
in-sample figures (fitted and scored on every row) are printed too, labelled as such.
--fit writes the table fitted on every row, with ranges from the out-of-sample residuals, to
readiness/data/efficiency.toml. --data DIR reads data files from DIR first (unmerged rows).
The ranges' coverage is doubly out of sample: the held-out source's range is built from the other
sources' residuals, with its percentiles chosen (readiness.workloads.ranges.choose) by holding out each
of those other sources in turn.
"""

from __future__ import annotations

import argparse
import datetime
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from readiness import catalog, data  # noqa: E402
from readiness.errors import ReadinessError  # noqa: E402
from readiness.workloads import calibrate, catalogue, llm, ranges, speed  # noqa: E402

GIB = 2**30
TARGETS = {"decode": 0.12, "prompt": 0.20}


def load_samples():
    samples, skipped = [], defaultdict(int)
    for phase in calibrate.PHASES:
        for row in data.rows("validation", phase):
            s, why = calibrate.sample(row, phase)
            if s is None:
                skipped[why] += 1
            else:
                samples.append(s)
    return samples, skipped


def score(samples, tables):
    """[(sample, predicted)] with each sample scored by the table of its fold (tables: source -> table)."""
    out = []
    for s in samples:
        p = calibrate.predict(s, tables[s["source"]])
        out.append((s, p))
    return out


def loso_tables(samples):
    sources = sorted({s["source"] for s in samples})
    return {src: calibrate.fit([s for s in samples if s["source"] != src]) for src in sources}


def pct(values):
    return f"{statistics.median(values) * 100:.1f}%" if values else "n/a"


def errors(scored, phase):
    return [abs(p - s["measured"]) / s["measured"] for s, p in scored if s["phase"] == phase and p]


def residuals(scored):
    return [{"phase": s["phase"], "backend": s["backend"], "generation": s["generation"], "moe": s["moe"],
             "source": s["source"], "log_ratio": math.log(s["measured"] / p)} for s, p in scored if p]


def coverage(res):
    """Share of held-out measurements inside the range built from the OTHER sources' residuals, with
    the tails also chosen without that source (ranges.choose: an inner leave-one-source-out)."""
    inside, total = defaultdict(int), defaultdict(int)
    by_source = defaultdict(list)
    for r in res:
        by_source[r["source"]].append(r)
    for src, rows in by_source.items():
        tail = ranges.choose(res, exclude_source=src)
        tbl = {"range": ranges.range_rows(res, exclude_source=src, tail=tail)}
        for r in rows:
            f = speed.range_factors(r["phase"], r["backend"], r["generation"], r["moe"], tbl)
            total[r["phase"]] += 1
            if math.log(f["low"]) <= r["log_ratio"] <= math.log(f["high"]):
                inside[r["phase"]] += 1
    return {p: inside[p] / total[p] for p in total}


def bias_table(scored):
    groups = defaultdict(list)
    for s, p in scored:
        if not p:
            continue
        ratio = p / s["measured"] - 1
        for g in (f"backend {s['backend']}", "MoE" if s["moe"] else "dense", f"vendor {s['vendor']}",
                  f"{s['backend']} × {s['generation']}"):
            groups[(s["phase"], g)].append(ratio)
    return groups


#: The `added` date --shipped selects by default: rows added after efficiency.toml was last fitted.
ADDED = "2026-12-03"


def shipped_report(samples, added, show_rows):
    """Median absolute error, range coverage and median bias per group over the samples whose row has
    ``added == added``, each scored with the shipped efficiency table (never fitted on them)."""
    fresh = [s for s in samples if str(s["row"].get("added", "")) == added]
    tbl = speed.load_table()
    scored = [(s, calibrate.predict(s, tbl)) for s in fresh]
    fitted = max(str(r.get("date", "")) for rows in tbl.values() for r in (rows if isinstance(rows, list) else [rows]))
    seen = fitted >= added  # a --fit on or after the rows' day took them in: the figures below are in sample
    print(f"rows added {added}: {len(fresh)} scored measurements from {len({s['source'] for s in fresh})} sources, "
          f"scored with the SHIPPED readiness/data/efficiency.toml (not refitted; "
          + (f"it was fitted on {fitted}, with these rows: IN SAMPLE)" if seen else "never fitted on these rows)"))
    for phase in calibrate.PHASES:
        e = errors(scored, phase)
        print(f"fresh (shipped) {phase:6} tokens/s: median absolute error {pct(e)} over {len(e)} rows "
              f"(target ≤ {TARGETS[phase]:.0%})")
    inside, total = defaultdict(int), defaultdict(int)
    for s, p in scored:
        if not p:
            continue
        f = speed.range_factors(s["phase"], s["backend"], s["generation"], s["moe"], tbl)
        total[s["phase"]] += 1
        inside[s["phase"]] += math.log(f["low"]) <= math.log(s["measured"] / p) <= math.log(f["high"])
    for phase in calibrate.PHASES:
        share = inside[phase] / total[phase] if total[phase] else 0
        print(f"fresh (shipped) {phase:6} range coverage: {share:.0%} of {total[phase]} measurements inside the "
              f"shipped range (target 75-85%)")
    print("\nfresh (shipped), median bias (estimated ÷ measured − 1) per group; * = beyond ±15%:")
    for (phase, g), ratios in sorted(bias_table(scored).items()):
        m = statistics.median(ratios)
        print(f"  {phase:6} {g:40} {m:+6.0%} over {len(ratios):3} rows" + (" *" if abs(m) > 0.15 else ""))
    by_source = defaultdict(list)
    for s, p in scored:
        if p:
            by_source[s["source"]].append(abs(p - s["measured"]) / s["measured"])
    print("\nfresh (shipped), median absolute error per source:")
    for src, e in sorted(by_source.items()):
        print(f"  {pct(e):>7} over {len(e):3} rows  {src}")
    if show_rows:
        for s, p in scored:
            r = s["row"]
            print(f"  {s['phase']:6} {r['gpu'][:34]:34} ×{r.get('gpu_count', 1)} {r['model']:16} "
                  f"{r.get('quant') or '?':7} {s['backend']:6} measured {s['measured']:8.1f} "
                  + (f"estimated {p:8.1f} ({p / s['measured'] - 1:+.0%})" if p else "no estimate"))


def memory_errors(show_rows):
    errs = []
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
        errs.append(abs(predicted - size) / size)
        if show_rows:
            print(f"  gguf   {row['model']:16} {row['quant']:7} file {size / GIB:6.2f} GiB "
                  f"estimated {predicted / GIB:6.2f} GiB ({(predicted - size) / size:+.1%})")
    return errs


def summary(label, scored, samples):
    for phase in calibrate.PHASES:
        e = errors(scored, phase)
        print(f"{label:14} {phase:6} tokens/s: median absolute error {pct(e)} over {len(e)} rows "
              f"(target ≤ {TARGETS[phase]:.0%})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", help="read data files from this folder first (e.g. a colleague's worktree)")
    parser.add_argument("--rows", action="store_true", help="print every row (out of sample)")
    parser.add_argument("--fit", action="store_true", help="write readiness/data/efficiency.toml")
    parser.add_argument("--shipped", action="store_true",
                        help="score only rows with `added = DATE` using the shipped efficiency.toml (no refit)")
    parser.add_argument("--added", default=None, help="the `added` date --shipped selects (default 2026-12-03)")
    parser.add_argument("--by-url", action="store_true",
                        help="hold out each source URL alone (default: rows sharing a source_group are held out together)")
    args = parser.parse_args()
    if args.data:
        data.use_overlay(args.data)
        catalog.all_gpus.cache_clear()
        for f in (catalogue.models, catalogue.quants, catalogue.backends):
            f.cache_clear()
    samples, skipped = load_samples()
    if args.shipped:
        added = args.added or ADDED
        fresh_skips = defaultdict(int)
        for phase in calibrate.PHASES:
            for row in data.rows("validation", phase):
                if str(row.get("added", "")) == added and calibrate.sample(row, phase)[0] is None:
                    fresh_skips[calibrate.sample(row, phase)[1]] += 1
        print(f"rows added {added} not scored: " + ("; ".join(f"{v} {k}" for k, v in sorted(fresh_skips.items()))
                                                     or "none"))
        shipped_report(samples, added, args.rows)
        return
    if args.by_url:
        for s in samples:
            s["source"] = s["row"]["source"]
    sources = {s["source"] for s in samples}
    print(f"{len(samples)} scored measurements from {len(sources)} sources; skipped: "
          + "; ".join(f"{v} {k}" for k, v in sorted(skipped.items())))
    full = calibrate.fit(samples)
    in_sample = score(samples, defaultdict(lambda: full))
    folds = loso_tables(samples)
    held_out = score(samples, folds)
    summary("in-sample", in_sample, samples)
    summary("out of sample", held_out, samples)
    res = residuals(held_out)
    cov = coverage(res)
    for phase in calibrate.PHASES:
        print(f"out of sample  {phase:6} range coverage: {cov.get(phase, 0):.0%} of held-out measurements inside "
              f"the stated range (target 75-85%)")
    tails = ranges.choose(res)
    print("range rule chosen out of sample on every source (what --fit ships): "
          + "; ".join(f"{p} {q:.1%}-{1 - q:.1%} of its group's residuals" + (f" ± {m:g} (log)" if m else "")
                      for p, (q, m) in sorted(tails.items())))
    gpu_rows = [s for s in samples if s["backend"] != "cpu"]
    placed = sum(1 for s in gpu_rows if s["placement"] in ("gpu", "multi-gpu"))
    print(f"fit agreement  : {placed}/{len(gpu_rows)} = {placed / len(gpu_rows):.1%} of measured GPU runs placed on "
          f"the GPU (target ≥ 98%; not fitted)")
    mem = memory_errors(args.rows)
    print(f"weights vs GGUF: median absolute error {pct(mem)} over {len(mem)} files (target ≤ 3%; not fitted)")
    print("\nout of sample, median bias (estimated ÷ measured − 1) per group; * = beyond ±15%:")
    groups = bias_table(held_out)
    thin = []
    for (phase, g), ratios in sorted(groups.items()):
        m = statistics.median(ratios)
        flag = " *" if abs(m) > 0.15 else ""
        print(f"  {phase:6} {g:40} {m:+6.0%} over {len(ratios):3} rows{flag}")
        if len(ratios) < calibrate.RANGE_MIN_ROWS:
            thin.append(f"{phase} {g} ({len(ratios)})")
    print("\nthin groups (< %d rows): " % calibrate.RANGE_MIN_ROWS + (", ".join(thin) or "none"))
    if args.rows:
        for s, p in held_out:
            r = s["row"]
            print(f"  {s['phase']:6} {r['gpu'][:34]:34} ×{r.get('gpu_count', 1)} {r['model']:16} "
                  f"{r.get('quant') or '?':7} {s['backend']:6} measured {s['measured']:8.1f} "
                  + (f"estimated {p:8.1f} ({p / s['measured'] - 1:+.0%})" if p else "no estimate"))
    from benchmarks_images import image_report  # noqa: E402

    full["image"] = image_report(args.rows)
    if args.fit:
        full["range"] = ranges.range_rows(res, tail=ranges.choose(res))
        today = datetime.date.today().isoformat()
        text = calibrate.to_toml(full, f"fitted by benchmarks/accuracy.py --fit on validation.toml rows, {today}", today)
        path = Path(data.DATA_DIR) / "efficiency.toml"
        path.write_text(text, encoding="utf-8")
        print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
