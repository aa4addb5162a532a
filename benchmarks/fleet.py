"""Fleet scale: ingest N synthetic reports, then build the fleet report from them.

Run:  python benchmarks/fleet.py [--hosts 100000] [--workdir DIR] [--corrupt 0.01]
Prints wall seconds (and CPU seconds: on a shared machine the wall figure includes waiting for
the core) and each step's own peak memory (Linux: VmHWM after resetting it through
/proc/self/clear_refs; elsewhere resource.getrusage, the process's peak so far). The synthetic reports are
variants of this machine's real `readiness check --json --no-costs` (different hosts, machine
identities, GPUs, drivers, findings, timestamp spellings), 1% of them corrupt by default (deep
JSON, wrong types, truncated): every good one must be stored and every bad one named.
Targets (issue 18): 100,000 hosts ingested in <= 60 s on one core, peak <= 300 MB, report <= 5 s.
For a one-core figure: taskset -c 1 python benchmarks/fleet.py --hosts 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from readiness import outputs  # noqa: E402
from readiness.fleet import report, store  # noqa: E402

GPUS = [("NVIDIA GeForce RTX 4090", 24564), ("NVIDIA GeForce RTX 3060", 12288), ("NVIDIA RTX A6000", 49140),
        ("NVIDIA H100 80GB HBM3", 81559), ("AMD Radeon RX 7900 XTX", 24560), (None, None)]
FINDINGS = [("cuda-toolkit-differs-from-torch", "warn"), ("low-disk-for-models", "warn"),
            ("torch-cpu-build-with-nvidia-gpu", "error"), ("gpu-power-limit-below-default", "warn")]

#: What the benchmark's `fleet require` asks of every host (two catalogue workloads).
REQUIRE = ("chat-llama-3.1-8b", "chat-qwen2.5-32b")


def synth(base: dict, i: int, rng: random.Random) -> dict:
    d = json.loads(json.dumps(base))
    # Schema 2 (check --json since issue 13) keeps facts and judgments apart; schema 1 had them side by side.
    doc = d
    d, judged = (doc["facts"], doc["judgments"]) if doc.get("schema_version") == 2 else (doc, doc)
    d["host"]["hostname"] = f"ws-{i % (len(str(i)) * 9000):05d}"  # some hostnames repeat: identity keeps them apart
    d["host"]["machine_id"] = f"{i:032x}"
    month, day, hour = rng.randint(6, 11), rng.randint(1, 28), rng.randint(0, 23)
    d["collected_at"] = rng.choice([f"2026-{month:02d}-{day:02d}T{hour:02d}:00:00Z",
                                    f"2026-{month:02d}-{day:02d} {hour:02d}:00:00.5+02:00"])
    name, mem = rng.choice(GPUS)
    d["gpus"] = [] if name is None else [{"index": 0, "vendor": "amd" if "AMD" in name else "nvidia", "name": name,
                                          "memory_total_mib": mem, "memory_free_mib": mem - rng.randrange(300, 4000),
                                          "status": "ok",
                                          "driver_version": rng.choice(["550.54.14", "570.86.10", "580.65.06"]),
                                          "virtual": False, "uuid": f"GPU-{i:08d}"}]
    # Free memory differs from host to host, as in a real fleet: `fleet require` can't share judgments
    # between hosts that look alike but for it.
    d["memory"]["total_mib"] = rng.choice([16384, 32768, 65536, 131072])
    d["memory"]["available_mib"] = rng.randrange(d["memory"]["total_mib"] // 4, d["memory"]["total_mib"])
    judged["findings"] = [{"id": f, "severity": s, "outcome": "fail" if s == "error" else "warn", "title": f,
                      "message": "", "fix": "", "reference": None} for f, s in FINDINGS if rng.random() < 0.2]
    for v in judged.get("verdicts", []):
        v["verdict"] = rng.choice(["runs well", "runs slowly", "does not fit"])
    return doc


def facts_of(doc: dict) -> dict:
    return doc["facts"] if doc.get("schema_version") == 2 else doc


def corrupt(base: dict, **facts) -> dict:
    if base.get("schema_version") == 2:
        return {**base, "facts": {**base["facts"], **facts}}
    return {**base, **facts}


def reset_peak() -> None:
    """Linux: forget the peak resident size so far, so each step's peak is its own (proc(5), clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass  # elsewhere the figure is the process's peak so far


def peak_mib() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=10000)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--corrupt", type=float, default=0.01, help="share of corrupt reports")
    ap.add_argument("--reuse", action="store_true", help="keep the reports already in --workdir (same --hosts)")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="fleet-bench-")
    base = json.loads(subprocess.run([sys.executable, "-m", "readiness", "check", "--json", "--no-torch", "--no-costs"],
                                     capture_output=True, text=True, check=True, cwd=work).stdout)
    folder = os.path.join(work, "reports")
    os.makedirs(folder, exist_ok=True)
    rng = random.Random(7)
    bad = 0
    marker = os.path.join(work, f"made-{args.hosts}-{args.corrupt}")
    if args.reuse and os.path.exists(marker):
        with open(marker) as f:
            bad = int(f.read())
        base = None
    for i in range(args.hosts if base is not None else 0):
        with open(os.path.join(folder, f"{i:06d}.json"), "w") as f:
            if rng.random() < args.corrupt:
                bad += 1
                f.write(rng.choice(["[" * 100000, json.dumps(corrupt(base, gpus=["x"])), json.dumps(base)[:300],
                                    json.dumps(corrupt(base, host={**facts_of(base)["host"], "hostname": ["a"]}))]))
            else:
                json.dump(synth(base, i, rng), f)
    if base is not None:
        with open(marker, "w") as f:
            f.write(str(bad))
    size = sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder)) / 2**20
    print(f"{args.hosts} synthetic reports ({bad} corrupt), {size:.0f} MiB of JSON in {folder}")
    # The reports just written are still being flushed to disk: without waiting for that, the timed
    # ingest would share the disk with the generator's own writeback (a fleet's reports are already on
    # disk when it is ingested).
    os.sync()
    db_path = os.path.join(work, "fleet.sqlite")
    if os.path.exists(db_path):
        os.remove(db_path)
    reset_peak()
    t, c = time.perf_counter(), time.process_time()
    conn = store.connect(db_path)
    result = store.ingest(conn, [folder])
    ingest_s, ingest_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"ingest: {len(result.stored)} stored, {len(result.skipped)} skipped by name, in {ingest_s:.2f} s "
          f"({ingest_cpu:.2f} s CPU) "
          f"(target <= 60 s for 100,000); peak memory {peak_mib():.0f} MiB (target <= 300 MB)")
    assert len(result.skipped) == bad and len(result.stored) == args.hosts - bad
    # As `fleet report -o … --csv …` does: the view, then both files written as they are made.
    html_path, csv_path = os.path.join(work, "fleet.html"), os.path.join(work, "hosts.csv")
    reset_peak()
    t, c = time.perf_counter(), time.process_time()
    view = report.build(conn)
    outputs.write_text(html_path, report.html_chunks(view))
    outputs.write_text(csv_path, report.csv_chunks(view), newline="")
    report_s, report_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"report: {view['hosts']} hosts, {os.path.getsize(html_path) / 2**20:.1f} MiB HTML, "
          f"{os.path.getsize(csv_path) / 2**20:.1f} MiB CSV in {report_s:.2f} s ({report_cpu:.2f} s CPU) "
          f"(target <= 5 s); peak memory {peak_mib():.0f} MiB (target <= 300 MB)")
    del view
    from readiness import cli_options, pipeline

    wanted = cli_options.chosen_workloads(REQUIRE, None, None, None)
    reset_peak()
    t, c = time.perf_counter(), time.process_time()
    failing, unknown = report.require_all(conn, wanted, pipeline.judge_one, pipeline.judge_inputs)
    require_s, require_cpu = time.perf_counter() - t, time.process_time() - c
    print(f"require {' '.join(REQUIRE)}: {len(failing)} failing, {len(unknown)} unknown (host x workload) in "
          f"{require_s:.2f} s ({require_cpu:.2f} s CPU); peak memory {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
