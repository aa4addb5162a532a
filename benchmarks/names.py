"""How long typed GPU names take to resolve, hostile ones included (issue 19: a 40,000-digit name took 37 s).

    python benchmarks/names.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from readiness.catalog import names  # noqa: E402
from readiness.errors import ReadinessError  # noqa: E402

CASES = ["rtx4090", "2x 3090", "RTX 3090 x2", "M3 Max 40-core", "H100", "Voodoo 5 6000", "9" * 40_000,
         "2x " + "x" * 40_000, "rtx " + "4090 " * 20]


def main() -> None:
    names.resolve("RTX 4090")  # build the index once
    for text in CASES:
        start = time.perf_counter()
        try:
            r = names.resolve(text)
            what = f"{r.count}× {r.spec.id}"
        except ReadinessError as e:
            what = f"error: {e.message[:50]}"
        ms = (time.perf_counter() - start) * 1000
        print(f"{len(text):>6} chars  {ms:8.2f} ms  {text[:24]!r:28} {what}")


if __name__ == "__main__":
    main()
