"""Unknown stays unknown: a fact that could not be read makes a verdict "unknown" with the reason,
never "does not fit"; the headline, the fleet tier and `fleet require` follow. Real fixtures
(tests/fixtures/README.md) where GPU memory or RAM cannot be read; the assumed machine of
`check --assume-gpu` is shown as assumed."""

import json
from pathlib import Path

import pytest

from readiness.fleet import store
from conftest import assumptions_of, report_from

FIX = Path(__file__).parent / "fixtures"
LSPCI_ONLY = FIX / "lspci" / "zareason-zeto-desktop-nvidia-gtx-titan-x.lspci-vmmnn.txt"  # no memory, not catalogued
LSPCI_L4 = FIX / "lspci" / "aws-g6-kvm-epyc-4x-nvidia-l4.lspci-grep-nvidia.txt"  # no memory, catalogued
COLLECT_ENV_AMD = FIX / "collect_env" / "rocm6.4-wsl2-rx7900xt.txt"  # AMD card seen only through collect_env
WINDOWS_CAPPED = FIX / "windows" / "wmic-videocontroller-rtx4090-uhd770-adapterram-cap.txt"  # AdapterRAM capped
WINDOWS_RX580 = FIX / "windows" / "get-wmiobject-list-rx580-2048sp-adapterram-cap-excerpt.txt"  # not catalogued
COLLECT_ENV_APU = FIX / "collect_env" / "windows-rocm7.2-radeon8050s-gfx1151.txt"  # AMD APU, collect_env only


def _verdicts(report):
    return {v["id"]: v for v in report["judgments"]["verdicts"]}


def test_gpu_seen_only_through_lspci_is_unknown_not_does_not_fit(run):
    rep = report_from(LSPCI_ONLY, run=run)
    facts = rep["facts"]
    assert facts["gpus"] and facts["gpus"][0]["memory_total_mib"] is None
    for v in rep["judgments"]["verdicts"]:
        assert v["verdict"] == "unknown", v
        assert "memory size" in v["why"] and "lspci" in v["why"] and v["unknown"]
    r = run("check", "--no-html", "--no-costs", "--from", str(LSPCI_ONLY))
    headline = r.stdout.splitlines()[2]
    assert headline.startswith("Could not judge") and "buy" not in headline and "No LLM" not in headline


@pytest.mark.parametrize("path, source", [(WINDOWS_RX580, "cim"), (COLLECT_ENV_APU, "collect_env")])
def test_windows_and_collect_env_cards_without_memory_are_unknown(run, path, source):
    rep = report_from(path, run=run)
    facts = rep["facts"]
    assert facts["gpus"] and all(g["memory_total_mib"] is None for g in facts["gpus"])
    for v in rep["judgments"]["verdicts"]:
        assert v["verdict"] == "unknown" and f"seen through {source}" in v["why"], v["why"]


def test_catalogue_fill_in_is_marked(run):
    rep = report_from(LSPCI_L4, run=run)
    v = _verdicts(rep)["chat-llama-3.1-8b"]
    assert v["verdict"] == "runs well"
    assert any("catalogue fill-in" in a and "lspci did not report it" in a for a in assumptions_of(rep, v))


@pytest.mark.parametrize("path", [COLLECT_ENV_AMD, WINDOWS_CAPPED])
def test_ram_not_read_makes_only_the_work_that_needs_ram_unknown(run, path):
    rep = report_from(path, run=run)
    facts = rep["facts"]
    assert facts["memory"]["total_mib"] is None
    v = _verdicts(rep)
    assert v["chat-llama-3.1-8b"]["verdict"] == "runs well"  # fits on the GPU: RAM does not matter
    big = v["chat-llama-3.1-70b"]
    assert big["verdict"] == "unknown" and "RAM" in big["why"] and big["placement"] == "unknown"
    assert all(x["verdict"] != "does not fit" for x in rep["judgments"]["verdicts"])


def test_tier_never_turns_unknown_into_no():
    unknown = [{"id": "chat-llama-3.2-3b", "verdict": "unknown"}, {"id": "chat-llama-3.1-8b", "verdict": "unknown"}]
    assert store.tier(unknown) == "unknown"
    some = [{"id": "chat-llama-3.1-8b", "verdict": "runs well"}, {"id": "chat-llama-3.1-70b", "verdict": "unknown"}]
    assert store.tier(some) == "8B-class"
    none = [{"id": "chat-llama-3.2-3b", "verdict": "does not fit"}]
    assert store.tier(none) == "no local LLM"


def test_fleet_require_lists_unknown_hosts_apart_and_the_policy_decides(run, tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    r = run("check", "--json", "--no-costs", "--from", str(LSPCI_ONLY))
    doc = json.loads(r.stdout)
    doc["facts"]["host"]["hostname"] = "lspci-box"
    (reports / "a.json").write_text(json.dumps(doc))
    db = str(tmp_path / "fleet.sqlite")
    assert run("fleet", "ingest", str(reports), "--db", db).exit_code == 0
    strict = run("fleet", "require", "chat-llama-3.1-8b", "--db", db)
    assert strict.exit_code == 1
    assert "0 hosts do not meet" in strict.stdout and "lspci-box: chat-llama-3.1-8b: unknown" in strict.stdout
    assert "unknown fail (--unknown fail)" in strict.stdout
    lenient = run("fleet", "require", "chat-llama-3.1-8b", "--db", db, "--unknown", "pass", "--json")
    out = json.loads(lenient.stdout)
    assert lenient.exit_code == 0 and out["failing"] == [] and [u["host"] for u in out["unknown"]] == ["lspci-box"]


def test_assumed_apple_gpu_is_judged_and_shown_as_assumed(run):
    r = run("check", "--no-html", "--no-costs", "--from", str(LSPCI_ONLY), "--assume-gpu", "M2 Ultra",
            "--ram-gib", "192")
    assert r.exit_code == 0, r.output
    gpu_line = next(line for line in r.stdout.splitlines() if line.strip().startswith("GPU"))
    assert "Apple M2 Ultra (60-core GPU)" in gpu_line and "assumed, not detected" in gpu_line
    assert "no GPU found" not in r.stdout
    j = json.loads(run("check", "--json", "--no-costs", "--from", str(LSPCI_ONLY), "--assume-gpu", "M2 Ultra",
                       "--ram-gib", "192").stdout)
    v = _verdicts(j)["chat-llama-3.1-70b"]
    assert v["placement"] == "gpu" and v["devices"] == ["Apple M2 Ultra (60-core GPU)"] and v["verdict"] == "runs well"
    assert j["assumed"]["ram_gib"] == 192 and "could be 2 GPUs" in j["assumed"]["note"]


def test_assumed_apu_uses_the_assumed_ram(run):
    j = json.loads(run("check", "--json", "--no-costs", "--from", str(LSPCI_ONLY), "--assume-gpu", "Strix Halo",
                       "--ram-gib", "128").stdout)
    v = _verdicts(j)["chat-llama-3.1-70b"]
    assert v["devices"] == ["AMD Radeon 8060S (Ryzen AI MAX+ 395, Strix Halo)"] and v["placement"] == "gpu"


def test_assumed_unified_gpu_without_ram_takes_the_smallest_config_or_stays_unknown(run):
    mac = json.loads(run("check", "--json", "--no-costs", "--from", str(LSPCI_ONLY), "--assume-gpu", "M2 Ultra").stdout)
    v = _verdicts(mac)["chat-llama-3.1-70b"]
    assert v["devices"] == ["Apple M2 Ultra (60-core GPU)"]  # on 64 GB, the smallest M2 Ultra
    apu = json.loads(run("check", "--json", "--no-costs", "--from", str(LSPCI_ONLY), "--assume-gpu", "Strix Halo").stdout)
    v = _verdicts(apu)["chat-llama-3.1-70b"]
    assert v["verdict"] == "unknown" and "which was not given" in v["why"]
