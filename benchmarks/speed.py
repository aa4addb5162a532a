"""How long `readiness check --json` takes on this machine, next to `python -m torch.utils.collect_env`.

Run:  python benchmarks/speed.py [--runs N]
Both are run as fresh processes (interpreter start-up and imports included), as a user would run them.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def timed(argv: list[str], runs: int) -> list[float] | None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            print(f"  {' '.join(argv)} failed: {proc.stderr.decode(errors='replace').strip()[-200:]}")
            return None
    return times


def sizes(ours: list[str]) -> None:
    """How big the outputs are (issue 13 and 17 targets: JSON <= 64 KB, HTML <= 150 KB here)."""
    import json
    import os
    import tempfile

    out = subprocess.run(ours + ["--no-torch"], capture_output=True, timeout=300).stdout
    report = json.loads(out)
    parts = {f"judgments.{k}": len(json.dumps(v)) for k, v in report["judgments"].items()}
    parts["facts"] = len(json.dumps(report["facts"]))
    biggest = ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])[:3])
    with tempfile.TemporaryDirectory() as d:
        html = os.path.join(d, "r.html")
        subprocess.run(ours[:-1] + ["--no-torch", "-o", html], capture_output=True, timeout=300)
        html_kb = os.path.getsize(html) / 1024 if os.path.exists(html) else float("nan")
    print(f"sizes: check --json {len(out) / 1024:.0f} KB (largest parts: {biggest}); HTML report {html_kb:.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("readiness") or sys.executable
    ours = [exe, "check", "--json"] if exe != sys.executable else [sys.executable, "-m", "readiness", "check", "--json"]
    timed(ours, 1)  # warm the file cache
    sizes(ours)
    quick = timed(ours + ["--no-torch"], args.runs)
    print(f"readiness check --json --no-torch: median {statistics.median(quick):.3f}s, min {min(quick):.3f}s, "
          f"max {max(quick):.3f}s over {args.runs} runs")
    r = timed(ours, args.runs)
    print(f"readiness check --json: median {statistics.median(r):.3f}s, min {min(r):.3f}s, max {max(r):.3f}s "
          f"over {args.runs} runs (the PyTorch probe imports torch in a child process when it is installed)")
    c = timed([sys.executable, "-m", "torch.utils.collect_env"], args.runs)
    if c is None:
        print("torch.utils.collect_env: not available (install torch==2.13.0 to compare)")
        return
    print(f"torch.utils.collect_env: median {statistics.median(c):.3f}s, min {min(c):.3f}s, max {max(c):.3f}s")
    print(f"ratio collect_env / readiness --no-torch: {statistics.median(c) / statistics.median(quick):.1f}x; "
          f"collect_env / readiness with its torch probe: {statistics.median(c) / statistics.median(r):.1f}x")


if __name__ == "__main__":
    main()
