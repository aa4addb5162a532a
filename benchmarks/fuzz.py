"""The long fuzz run (issue 19): seeded mutations of the real fixtures through the --from
recogniser and every parser, capture replay and fleet ingest (in process), then through the real
CLI (`check --from F --json --no-torch`, one subprocess each).

Run:  python benchmarks/fuzz.py [--inputs 100000] [--seed 19] [--budget 10] [--workers 2] [--cli 300]
      [--save DIR] [--shards K,K] [--watchdog 60]
The in-process inputs come in shards of --shard inputs, shard k drawing from its own seed stream
(seed:k), so the inputs are the same whatever --workers is; the figure counts distinct inputs.
Prints the counts of escaped exceptions (exit 3), schema-invalid outputs, runs over the budget
(CPU seconds of the process, so that a shared machine's load does not count; each in-process run
is stopped at it; wall time is counted apart) and refusals (exit 2), with the first crashers of
each kind and their shard; --save writes each kept crasher as JSON (target, note, data: the input,
with the key and system a tests/fixtures/fuzz/ case needs) for minimising.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import fuzzing  # noqa: E402

_TEXTS: list[str] = []


def _init(budget: float, watchdog: float | None = None) -> None:
    global _TEXTS
    fuzzing.BUDGET_S = budget
    fuzzing.WATCHDOG_S = watchdog
    _TEXTS = [t for _, t in fuzzing.fixture_texts()]  # read once per process, not once per shard


def _job(job):
    kind, seed, shard, n = job
    if kind == "cli":
        return kind, shard, fuzzing.run_cli_shard(seed, shard, n)
    return kind, shard, fuzzing.run_shard(seed, shard, n, _TEXTS)


def _jobs(args) -> list:
    jobs = []
    only = {int(k) for k in args.shards.split(",")} if args.shards else None
    for k, start in enumerate(range(0, args.inputs, args.shard)):
        if only is None or k in only:
            jobs.append(("in", args.seed, k, min(args.shard, args.inputs - start)))
    per = max(1, args.cli // max(1, 2 * args.workers)) if args.cli else 0
    for k, start in enumerate(range(0, args.cli, per or 1)):
        jobs.append(("cli", args.seed, k, min(per, args.cli - start)))
    return jobs


def _summary(title: str, tally, seed: int, budget: float) -> list[str]:
    c = tally.counts
    lines = [f"{title}: {c['inputs']} inputs ({len(tally.seen)} distinct) "
             f"(seed {seed}, budget {budget:g} s)",
             f"  ok {c['ok']}, refused (exit 2) {c['refused']}, escaped exceptions (exit 3) {c['escaped']}, "
             f"invalid JSON {c['invalid']}, over the budget {c['slow']}; slowest run {tally.slowest:.2f} s of CPU",
             f"  in wall time: {c['over the budget in wall time']} over the budget, slowest {tally.slowest_wall:.2f} s "
             f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end)"]
    exits = sorted((k, v) for k, v in c.items() if k.startswith("cli exit "))
    if exits:
        lines.append("  exits: " + ", ".join(f"{k[9:]}: {v}" for k, v in exits))
    kinds = collections.Counter((t, note.splitlines()[-1][:120] if note else "schema-invalid output")
                                for t, note, _ in tally.crashers)
    for (target, note), n in kinds.most_common(20):
        lines.append(f"  {n:4d}x {target}: {note}")
    return lines


def _save(folder: str, kind: str, shard: int, tally) -> None:
    """One shard's crashers, written as soon as the shard ends: a run stopped before its end (a
    shard that never finished, 2026-12-03) keeps what the finished shards found."""
    os.makedirs(folder, exist_ok=True)
    for i, (target, note, data) in enumerate(tally.crashers):
        with open(os.path.join(folder, f"{kind}{shard:02d}-{target}-{i:03d}.json"), "w", encoding="utf-8",
                  errors="surrogatepass") as f:
            json.dump({"target": target, "note": note, "data": data}, f, indent=1)


def _progress(done: int, total: int, start: float, kind: str, shard: int, tally) -> None:
    c = tally.counts
    print(f"{done}/{total} done at {time.perf_counter() - start:.0f} s, {'CLI ' if kind == 'cli' else ''}shard {shard}: "
          f"{c['inputs']} inputs, escaped {c['escaped']}, "
          f"invalid {c['invalid']}, slow {c['slow']}, slowest {tally.slowest:.2f} s CPU, "
          f"{tally.slowest_wall:.2f} s wall", file=sys.stderr, flush=True)


def _finished(args, results, done: int, total: int, start: float, kind: str, shard: int, tally) -> None:
    results[kind].append(tally)
    _progress(done, total, start, kind, shard, tally)
    if args.save:
        _save(args.save, kind, shard, tally)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", type=int, default=100_000, help="in-process inputs")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--budget", type=float, default=10.0, help="CPU seconds one run may take")
    ap.add_argument("--workers", type=int, default=1, help="processes sharing the shards out")
    ap.add_argument("--shard", type=int, default=2000, help="in-process inputs per seed stream")
    ap.add_argument("--cli", type=int, default=300, help="fuzzed --from files through the CLI subprocess")
    ap.add_argument("--save", help="folder to write the crashers to")
    ap.add_argument("--shards", help="only these in-process shards (k,k,...): a crasher's shard re-run after a fix")
    ap.add_argument("--watchdog", type=float, help="print every thread's stack when one run passes this many "
                    "wall seconds (finds a pattern stuck in C, which no signal interrupts)")
    args = ap.parse_args()
    start = time.perf_counter()
    jobs = _jobs(args)
    results = collections.defaultdict(list)
    if args.workers > 1:
        with multiprocessing.get_context("fork").Pool(args.workers, _init, (args.budget, args.watchdog)) as pool:
            for done, (kind, shard, tally) in enumerate(pool.imap_unordered(_job, jobs), 1):
                _finished(args, results, done, len(jobs), start, kind, shard, tally)
    else:
        _init(args.budget, args.watchdog)
        for done, job in enumerate(jobs, 1):
            _finished(args, results, done, len(jobs), start, *_job(job))
    seconds = time.perf_counter() - start
    merged = [(kind, fuzzing.merge(results[kind])) for kind in ("in", "cli") if results[kind]]
    print(f"{len(jobs)} shards over {args.workers} worker(s), {seconds:.0f} s wall")
    for kind, tally in merged:
        title = "in process" if kind == "in" else "CLI subprocess"
        print("\n".join(_summary(title, tally, args.seed, args.budget)))


if __name__ == "__main__":
    main()
