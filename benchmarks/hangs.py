"""How long `readiness check --timeout 3` takes when a tool or a vendor library hangs (issue 19).

Run:  python benchmarks/hangs.py [--timeout 3] [--runs 3]

Each case puts a fake on the front of PATH (a shell script that daemonises a `setsid sleep 999`
child and then sleeps) or a fake `pynvml` whose `nvmlInit` sleeps, runs the real
`python -m readiness check --json --no-costs --no-torch --timeout T` in a temporary folder and
prints, per case: the median wall seconds, whether the probes name the hung source with
"timed out", whether the other facts (memory, CPU) are kept, and how many of the fakes' escaped
children are still alive afterwards. The issue's target: under 10 s at --timeout 3, nothing left
behind. The same fakes are asserted (without times) in tests/test_faults.py.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ["nvidia-smi", "lscpu", "rocm-smi", "nvcc", "amd-smi"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def hung_tool(work: Path, name: str) -> dict:
    bin_dir, pids = work / "bin", work / "pids"
    bin_dir.mkdir(parents=True, exist_ok=True)
    fake = bin_dir / name
    fake.write_text(f"#!/bin/sh\nsetsid sleep 999 &\necho $! >> {pids}\nsleep 999\n")
    fake.chmod(0o755)
    return {"PATH": f"{bin_dir}:{os.environ['PATH']}"}


def hung_nvml(work: Path) -> dict:
    lib = work / "lib"
    lib.mkdir(parents=True, exist_ok=True)
    (lib / "pynvml.py").write_text(textwrap.dedent("""\
        import time
        class NVMLError(Exception):
            pass
        def nvmlInit():
            time.sleep(999)
        """))
    (lib / "libnvidia-ml.so.1").write_bytes(b"")  # where dlopen looks first (host/live.py)
    return {"PYTHONPATH": f"{lib}{os.pathsep}{ROOT}", "LD_LIBRARY_PATH": str(lib)}


def one(case: str, timeout: float) -> tuple[float, bool, bool, int]:
    with tempfile.TemporaryDirectory(prefix="readiness-hang-") as tmp:
        work = Path(tmp)
        extra = hung_nvml(work) if case == "nvml" else hung_tool(work, case)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env = {**env, "PYTHONPATH": str(ROOT), **extra}
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "readiness", "check", "--json", "--no-costs", "--no-torch",
                               "--timeout", str(timeout)], capture_output=True, text=True, cwd=work, env=env,
                              timeout=120)
        wall = time.perf_counter() - start
        named = kept = False
        try:
            facts = json.loads(proc.stdout)["facts"]
            reasons = " ".join(p.get("reason") or "" for p in facts["probes"])
            named = "timed out" in reasons and (case in reasons or case == "nvml" and "nvml" in reasons)
            kept = bool(facts["memory"]["total_mib"]) and bool(facts["cpu"]["logical_cpus"] or facts["cpu"]["model"])
        except (ValueError, KeyError, TypeError):
            pass
        pids = work / "pids"
        left = sum(alive(int(p)) for p in pids.read_text().split()) if pids.exists() else 0
        return wall, named, kept, left


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"check --json --no-costs --no-torch --timeout {args.timeout:g}, median of {args.runs} runs")
    print(f"{'hung source':14} {'wall s':>7}  {'named timed out':15} {'facts kept':10} {'left running':12}")
    worst = 0.0
    for case in [*TOOLS, "nvml"]:
        runs = [one(case, args.timeout) for _ in range(args.runs)]
        wall = statistics.median(r[0] for r in runs)
        worst = max(worst, max(r[0] for r in runs))
        print(f"{case:14} {wall:7.2f}  {str(all(r[1] for r in runs)):15} {str(all(r[2] for r in runs)):10} "
              f"{sum(r[3] for r in runs):12d}")
    print(f"slowest single run: {worst:.2f} s")


if __name__ == "__main__":
    main()
