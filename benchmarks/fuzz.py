"""The long fuzz run (issue 19): seeded mutations of the real fixtures through the --from
recogniser and every parser, capture replay and fleet ingest.

Run:  python benchmarks/fuzz.py [--inputs 100000] [--seed 19] [--budget 10]
Prints the counts of escaped exceptions (exit 3), schema-invalid outputs, runs over the budget
(each run is stopped at it) and refusals (exit 2), with the first few crashers of each kind.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

import fuzzing  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--budget", type=float, default=10.0, help="seconds one run may take")
    args = ap.parse_args()
    fuzzing.BUDGET_S = args.budget
    start = time.perf_counter()
    tally = fuzzing.run(args.inputs, args.seed)
    c = tally.counts
    print(f"{c['inputs']} inputs in {time.perf_counter() - start:.0f} s (seed {args.seed}, budget {args.budget:g} s)")
    print(f"  ok {c['ok']}, refused (exit 2) {c['refused']}, escaped exceptions (exit 3) {c['escaped']}, "
          f"invalid JSON {c['invalid']}, over the budget {c['slow']}; slowest run {tally.slowest:.2f} s")
    kinds = collections.Counter((t, note.splitlines()[-1][:120] if note else "schema-invalid output")
                                for t, note, _ in tally.crashers)
    for (target, note), n in kinds.most_common(20):
        print(f"  {n:4d}× {target}: {note}")


if __name__ == "__main__":
    main()
