"""Reading rules that the real pastes of the corpus (tests/test_corpus.py) needed, checked on
small hand-made inputs so that each rule can fail on its own. Every input here is logic, not a
fixture: the real outputs behind each rule are named in the comments."""

from __future__ import annotations

from readiness import derive
from readiness.probes import nvidia_smi as ns
from readiness.probes.cpu import parse_lscpu
from readiness.probes.windows import dxdiag_system


def test_csv_columns_named_by_the_command_line():
    # logic; real: nvidia/paste/csv-noheader-quoted-lines-2-gpus-clic89.txt (once unquoted)
    text = "nvidia-smi --query-gpu=memory.total,name --format=csv,noheader,nounits\n24564, NVIDIA GeForce RTX 4090\n"
    assert ns.detect(text) == "csv"
    (gpu,) = ns.parse(text)["gpus"]
    assert (gpu["name"], gpu["memory_total_mib"]) == ("NVIDIA GeForce RTX 4090", 24564)
    assert ns.detect("nvidia-smi --query-gpu=name --format=csv\n" "a, b\n") is None  # header expected, none given


def test_r610_header_names():
    # logic; real: nvidia/paste/table-2xb200-r610-kmd-header-sglang27487-truncated.txt
    head = "| NVIDIA-SMI 610.43.02              KMD Version: 610.43.02     CUDA UMD Version: 13.3     |"
    m = ns.table._TABLE_HEAD_RE.search(head)
    assert (m.group("drv"), m.group("cuda")) == ("610.43.02", "13.3")


def test_lscpu_tree_wrapped_flags_and_hybrid_cores():
    # logic; real: linux/paste/lscpu-tree-cortex-x925-a725-hyperion842-truncated.txt
    text = ("Architecture:            aarch64\n  CPU op-mode(s):        64-bit\nCPU(s):                  12\n"
            "Vendor ID:               ARM\n  Model name:            Cortex-X4\n    Core(s) per socket:  4\n"
            "    Socket(s):           1\n    Flags:               fp asimd sve2 i8m\n"
            "                         m bf16\n  Model name:            Cortex-A520\n    Core(s) per cluster: 8\n")
    kv = parse_lscpu(text)
    assert kv["Architecture"] == "aarch64" and kv["CPU(s)"] == "12" and kv["Vendor ID"] == "ARM"
    assert kv["Model name"] == "Cortex-X4" and kv["Flags"] == "fp asimd sve2 i8mm bf16"
    assert kv["_cores"] == "12"  # 4 x 1 + 8 (a cluster count alone means one cluster)
    cut = text.replace("    Core(s) per cluster: 8\n", "")
    assert parse_lscpu(cut)["_cores"] == ""  # a core type without counts: unknown, not 4


def test_dxdiag_system_information():
    # logic; real: windows/dxdiag-t-rtx4060ti-8gb-desktop-win11-first-display-excerpt.txt
    text = ("         Operating System: Windows 10 Pro 64-bit (10.0, Build 19045)\n"
            "                Processor: Intel(R) Core(TM) i5-8400 CPU @ 2.80GHz (6 CPUs), ~2.8GHz\n"
            "                   Memory: 16384MB RAM\n")
    assert dxdiag_system(text) == {"processor": "Intel(R) Core(TM) i5-8400 CPU @ 2.80GHz", "logical": 6,
                                   "memory_mib": 16384, "os": "Windows 10 Pro"}


def test_architecture_is_derived_once_and_marked():
    # logic: printed values win; derived ones say where they came from
    printed = {"name": "NVIDIA H100 80GB HBM3", "architecture": "Hopper", "compute_capability": None, "derived": {}}
    derive.fill_gpu(printed)
    assert printed["derived"] == {}
    from_cc = {"name": None, "architecture": None, "compute_capability": "8.9", "derived": {}}
    derive.fill_gpu(from_cc)
    assert (from_cc["architecture"], from_cc["derived"]) == ("Ada Lovelace", {"architecture": "compute capability"})
    unknown = {"name": "Some Future GPU", "architecture": None, "compute_capability": None, "derived": {}}
    derive.fill_gpu(unknown)
    assert unknown["architecture"] is None and unknown["derived"] == {}


def test_listing_pasted_above_a_csv_keeps_the_csv_columns(run):
    # logic: the "CSV pasted after nvidia-smi -L loses its memory column"
    import json

    text = ("GPU 0: NVIDIA GeForce RTX 4090 (UUID: GPU-11111111-2222-3333-4444-555555555555)\n"
            "GPU 1: NVIDIA GeForce RTX 4090 (UUID: GPU-66666666-7777-8888-9999-000000000000)\n"
            "name, memory.total [MiB], memory.used [MiB]\n"
            "NVIDIA GeForce RTX 4090, 24564 MiB, 1583 MiB\n"
            "NVIDIA GeForce RTX 4090, 24564 MiB, 12 MiB\n")
    path = __import__("pathlib").Path("pasted.txt")
    path.write_text(text)
    result = run("check", "--json", "--no-costs", "--from", str(path))
    doc = json.loads(result.stdout)
    gpus = (doc.get("facts") or doc)["gpus"]  # schema 2 nests the facts; schema 1 is the facts
    assert [g["memory_total_mib"] for g in gpus] == [24564, 24564]
    assert [g["memory_used_mib"] for g in gpus] == [1583, 12]
    assert gpus[1]["uuid"] == "GPU-66666666-7777-8888-9999-000000000000"
