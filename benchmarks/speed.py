"""How fast readiness is, in one run and as ratios (issue 18): against the import floor, torch, PyTorch's
collect_env and llmfit, each run as a fresh process (interpreter start-up and imports included), as a
user would run it.

Run:  python benchmarks/speed.py [--runs N] [--no-llmfit | --llmfit PATH]

- llmfit is installed with pip into this benchmark's own temporary venv under /tmp (or --llmfit names
  its executable); when it cannot be installed its rows are skipped with a note.
- Our processes run with a temporary READINESS_CACHE_DIR: "first" runs get an empty one each time
  (nothing remembered: the TOML tables parsed, the what-if costs worked out, torch imported in its
  child), "second" runs a warm one. Both are printed for --no-torch too: the targets are checked on
  the warm run, and the empty-cache ratios are printed beside them so the cache's share is seen.
- PYTHONDONTWRITEBYTECODE is removed from the children's environment: an installed package has its
  bytecode, and compiling every module on every run is not what a user pays.
The machine may be shared: run it twice and quote both (the figures move with other load). Each row
also gives the CPU seconds (user + system) of the process and its children, which move far less with
other load than wall time does; the targets are on wall time, as the issue states them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PY = sys.executable
CPU: dict[int, list[float]] = {}  # CPU seconds of each timed list's runs (children included), by the list's id
TARGETS = """targets (issue 18): no-torch <= 0.5x llmfit recommend, <= 0.1x collect_env, <= 2x (floor + slowest probe);
  torch second run <= 1.2x no-torch; torch first run <= import torch + 0.4 s; estimate <= 0.25 s; JSON <= 64 KB"""


def _env(cache: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if cache is not None:
        env["READINESS_CACHE_DIR"] = cache
    return env


def timed(argv: list[str], runs: int, cache=None, fresh_cache: bool = False, cwd: str | None = None,
          argv_for=None) -> list[float] | None:
    """Wall seconds of ``runs`` fresh processes. ``fresh_cache``: an empty READINESS_CACHE_DIR each
    run; ``argv_for(i)``: the argv of run i (a new capture folder each time)."""
    times: list[float] = []
    CPU[id(times)] = []  # a fresh entry: an id may be reused once a list is gone
    for i in range(runs):
        with tempfile.TemporaryDirectory(prefix="readiness-speed-") as empty:
            env = _env(empty if fresh_cache else cache)
            args = argv_for(i) if argv_for else argv
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600, env=env,
                                  cwd=cwd)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            CPU[id(times)].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in (0, 1):  # check exits 1 when a rule fails: still a full run
            print(f"  {' '.join(args)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace').strip()[-300:]}")
            return None
    return times


def line(label: str, t: list[float] | None) -> float | None:
    if t is None:
        print(f"{label:<44} not available")
        return None
    m = statistics.median(t)
    cpu = CPU.pop(id(t), None)
    spent = f"; CPU {statistics.median(cpu):.3f} s" if cpu else ""
    print(f"{label:<44} median {m:6.3f} s  (min {min(t):.3f}, max {max(t):.3f}, {len(t)} runs{spent})")
    return m


def sizes(ours: list[str], cache: str | None = None) -> tuple[float, float]:
    """How big the outputs are (issue 13, 17 and 18 targets: JSON <= 64 KB, HTML <= 150 KB here)."""
    out = subprocess.run(ours + ["--no-torch"], capture_output=True, timeout=300, env=_env(cache)).stdout
    report = json.loads(out)
    parts = {f"judgments.{k}": len(json.dumps(v)) for k, v in report["judgments"].items()}
    parts["facts"] = len(json.dumps(report["facts"]))
    biggest = ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in sorted(parts.items(), key=lambda kv: -kv[1])[:3])
    with tempfile.TemporaryDirectory() as d:
        html = os.path.join(d, "r.html")
        subprocess.run(ours[:-1] + ["--no-torch", "-o", html], capture_output=True, timeout=300, env=_env(cache))
        html_kb = os.path.getsize(html) / 1024 if os.path.exists(html) else float("nan")
    print(f"sizes: check --json {len(out) / 1024:.0f} KB (largest parts: {biggest}); HTML report {html_kb:.0f} KB")
    return len(out) / 1024, html_kb


def slowest_probe(ours: list[str], cache: str) -> tuple[str, float]:
    """The slowest single probe of a --no-torch check, as the report's own timings give it."""
    out = subprocess.run(ours + ["--no-torch"], capture_output=True, timeout=300, env=_env(cache)).stdout
    probes = json.loads(out)["facts"]["probes"]
    p = max(probes, key=lambda p: p.get("seconds") or 0)
    return p["name"], float(p.get("seconds") or 0)


def llmfit_exe(given: str | None, skip: bool, keep: list) -> str | None:
    if skip:
        print("llmfit: skipped (--no-llmfit)")
        return None
    if given:
        return given
    venv = tempfile.mkdtemp(prefix="readiness-speed-llmfit-", dir="/tmp")
    keep.append(venv)
    try:
        subprocess.run([PY, "-m", "venv", venv], check=True, capture_output=True, timeout=300)
        subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "llmfit"], check=True,
                       capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as e:
        print(f"llmfit: not installed ({type(e).__name__}); its rows are skipped")
        return None
    exe = os.path.join(venv, "bin", "llmfit")
    return exe if os.path.exists(exe) else None


def ratio(label: str, a: float | None, b: float | None, limit: float | None = None) -> None:
    if a is None or b is None or not b:
        print(f"  {label:<58} n/a")
        return
    r = a / b
    verdict = "" if limit is None else ("  holds" if r <= limit else f"  does NOT hold (target <= {limit:g}x)")
    print(f"  {label:<58} {r:5.2f}x{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-llmfit", action="store_true", help="do not install or time llmfit")
    parser.add_argument("--llmfit", help="an llmfit executable to time instead of installing one")
    args = parser.parse_args()
    exe = shutil.which("readiness")
    ours = [exe, "check", "--json"] if exe else [PY, "-m", "readiness", "check", "--json"]
    base = ours[:-2]
    keep: list[str] = []
    warm = tempfile.mkdtemp(prefix="readiness-speed-cache-")
    keep.append(warm)
    try:
        timed(ours + ["--no-torch"], 1, warm)  # warm the file cache and the data tables
        timed(ours, 1, warm)  # remember the torch child's answer
        json_kb, _ = sizes(ours, warm)
        probe, probe_s = slowest_probe(ours, warm)
        n = args.runs
        m = {}
        m["floor"] = line('python -c "import click, jinja2, psutil"',
                          timed([PY, "-c", "import click, jinja2, psutil"], n))
        m["quick"] = line("check --json --no-torch", timed(ours + ["--no-torch"], n, warm))
        m["quick_first"] = line("check --json --no-torch (empty cache dir)",
                                timed(ours + ["--no-torch"], n, fresh_cache=True))
        m["torch_first"] = line("check --json (torch; empty cache dir)", timed(ours, n, fresh_cache=True))
        m["torch_second"] = line("check --json (torch; second run)", timed(ours, n, warm))
        m["estimate"] = line("estimate --gpu 'RTX 4090' --model llama-3.1-8b",
                             timed(base + ["estimate", "--gpu", "RTX 4090", "--model", "llama-3.1-8b", "--quant",
                                           "Q4_K_M"], n, warm))
        with tempfile.TemporaryDirectory() as d:
            m["capture"] = line("capture DIR --no-torch", timed([], n, warm, argv_for=lambda i: base + [
                "capture", os.path.join(d, str(i)), "--no-torch"]))
        m["import_torch"] = line('python -c "import torch"', timed([PY, "-c", "import torch"], n))
        m["collect_env"] = line("python -m torch.utils.collect_env",
                                timed([PY, "-m", "torch.utils.collect_env"], n))
        fit = llmfit_exe(args.llmfit, args.no_llmfit, keep)
        m["llmfit_rec"] = line("llmfit --json recommend", timed([fit, "--json", "recommend"], n) if fit else None)
        m["llmfit_sys"] = line("llmfit --json system", timed([fit, "--json", "system"], n) if fit else None)
        print(f"slowest single probe (--no-torch, the report's own timing): {probe} {probe_s:.3f} s")
        print("ratios:")
        q = m["quick"]
        ratio("check --no-torch / llmfit --json recommend", q, m["llmfit_rec"], 0.5)
        ratio("check --no-torch / llmfit --json system", q, m["llmfit_sys"])
        ratio("check --no-torch / collect_env", q, m["collect_env"], 0.1)
        ratio("check --no-torch, empty cache dir / llmfit --json recommend", m["quick_first"], m["llmfit_rec"], 0.5)
        ratio("check --no-torch, empty cache dir / collect_env", m["quick_first"], m["collect_env"], 0.1)
        floor_probe = m["floor"] + probe_s if m["floor"] is not None else None
        ratio("check --no-torch / (import floor + slowest probe)", q, floor_probe, 2.0)
        ratio("check with torch, second run / check --no-torch", m["torch_second"], q, 1.2)
        first_limit = m["import_torch"] + 0.4 if m["import_torch"] is not None else None
        ratio("check with torch, first run / (import torch + 0.4 s)", m["torch_first"], first_limit, 1.0)
        ratio("estimate / 0.25 s", m["estimate"], 0.25, 1.0)
        ratio("capture --no-torch / check --no-torch", m["capture"], q)
        ratio("check --json size / 64 KB", json_kb, 64.0, 1.0)
        print(TARGETS)
    finally:
        for path in keep:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    main()
