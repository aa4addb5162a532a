"""Do estimates from a measured RAM bandwidth beat the generic CPU assumption?

Run:  python benchmarks/bench_validation.py [--validation PATH] [--rows]
For every CPU-only decode row of validation.toml whose machine has a measured RAM bandwidth
(readiness/data/ram_bandwidth_measured.toml, or `ram_bandwidth_gbps_measured` on the row itself),
it prints the error of the decode estimate made two ways:
  generic  - readiness's CPU model: bandwidth assumed from the CPU class, capped per thread;
  measured - the measured bandwidth, entered as `readiness bench` results are (apply.to_hardware).
tinymembench's 'C copy' counts bytes copied; the memory traffic is twice that, which is what a
read-bandwidth figure (and `readiness bench`'s read) measures, so it is doubled.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from readiness import data  # noqa: E402
from readiness.bench import apply  # noqa: E402
from readiness.errors import ReadinessError  # noqa: E402
from readiness.workloads import catalogue, hardware, llm  # noqa: E402


def measured_gbps(row: dict, table: dict[str, dict]) -> tuple[float | None, str]:
    if row.get("ram_bandwidth_gbps_measured"):
        return float(row["ram_bandwidth_gbps_measured"]), "row"
    m = table.get(row["gpu"])
    if not m:
        return None, ""
    if "ram_bandwidth_gbps" in m:
        return float(m["ram_bandwidth_gbps"]), m["method"]
    return 2 * float(m["tinymembench_c_copy_mbps"]) / 1000, m["method"] + ", doubled"


def _hw(name: str, threads: int | None, bandwidth: float | None) -> hardware.Hardware:
    notes: list[str] = []
    tflops, bw = hardware.cpu_model(name, threads, None, ["avx2", "fma"], notes)
    hw = hardware.Hardware(gpus=[], ram_total_mib=1e7, ram_available_mib=1e7, cpu_name=name, cpu_cores=threads,
                           cpu_tflops=tflops, cpu_bandwidth_gbps=bw, assumptions=notes)
    if bandwidth:
        apply.to_hardware(hw, {"date": "source", "ram_bandwidth_gbps": bandwidth, "ram_method": "source"})
    return hw


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--validation", default=None, help="a validation.toml (default: readiness's own)")
    ap.add_argument("--rows", action="store_true")
    a = ap.parse_args()
    rows = (tomllib.load(open(a.validation, "rb")).get("decode", []) if a.validation
            else data.rows("validation", "decode"))
    table = {m["machine"]: m for m in data.rows("ram_bandwidth_measured", "machine")}
    generic, measured = [], []
    for row in rows:
        if not (row["gpu"].startswith("CPU") or row.get("backend") == "cpu"):
            continue
        bw, how = measured_gbps(row, table)
        if bw is None:
            continue
        try:
            model = catalogue.find_model(row["model"])
            quant = catalogue.find_quant(row.get("quant") or "")
        except ReadinessError:
            continue
        context = int(row.get("context") or 128)
        threads = row.get("threads")
        name = row["gpu"].removeprefix("CPU: ")
        out = []
        for bandwidth, errs in ((None, generic), (bw, measured)):
            est = llm.estimate(model, quant, context, _hw(name, threads, bandwidth))["decode_tokens_per_s"]
            err = (est - row["tokens_per_s"]) / row["tokens_per_s"]
            errs.append(abs(err))
            out.append(f"{est:6.2f} ({err:+.0%})")
        if a.rows:
            print(f"  {name[:40]:40} {row['model']:16} {row.get('quant') or '?':7} threads {threads or '?'}: measured "
                  f"{row['tokens_per_s']:6.2f} tokens/s; generic {out[0]}; from {bw:.1f} GB/s measured {out[1]}")
    if not generic:
        print("no CPU-only decode rows with a measured RAM bandwidth")
        return
    pct = lambda v: f"{statistics.median(v) * 100:.1f}%"  # noqa: E731
    print(f"CPU-only decode rows with a measured RAM bandwidth: {len(generic)} "
          f"(machines: {len({r for r in table})} in ram_bandwidth_measured.toml)")
    print(f"median absolute error, generic CPU assumption : {pct(generic)}")
    print(f"median absolute error, measured RAM bandwidth : {pct(measured)}")


if __name__ == "__main__":
    main()
