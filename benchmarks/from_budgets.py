"""Seconds `--from` takes on hostile inputs (issue 19 item 3): prints one line per input.

    python benchmarks/from_budgets.py

Before the paste normaliser and the pattern fixes (main at 6339f16, a 2-core machine shared with
other jobs): 20,000 `Slot:` lines 26 s, a 108 KB line of repeated `(UUID: ` 23 s; 100,000 blank
lines 103 s (measured under load; issue 19 reports 84 s). After: each under 1 s."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

INPUTS = {
    "100,000 blank lines": "\n" * 100_000,
    "20,000 Slot: lines": "Slot:\t00:01.0\n" * 20_000,
    "108 KB unclosed (UUID: line": "GPU 0: X " + "(UUID: " * 15_500 + "\n",
    "deep JSON (100,000 levels)": "[" * 100_000 + "]" * 100_000,
    "line over 128 KiB in a CSV": "name, memory.total [MiB]\n" + "a" * 140_000 + ", 1 MiB\n",
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for label, text in INPUTS.items():
            path = os.path.join(tmp, "input")
            with open(path, "w") as f:
                f.write(text)
            start = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "readiness", "check", "--json", "--no-costs", "--from", path],
                                  capture_output=True, timeout=600)
            print(f"{label:32} {time.monotonic() - start:6.2f} s  exit {done.returncode}")


if __name__ == "__main__":
    main()
