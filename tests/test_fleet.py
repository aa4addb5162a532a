"""Fleet audits: ingest, history, idempotence, malformed reports, concurrency, redaction, the
report and CSV, policy checks, and the Ansible playbook against localhost."""

import hashlib
import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from readiness.fleet import report, store

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def base_report(tmp_path_factory):
    """A real report of this machine (without the cost tables, as the playbook collects it)."""
    r = subprocess.run([sys.executable, "-m", "readiness", "check", "--json", "--no-torch", "--no-costs"],
                       capture_output=True, text=True, cwd=tmp_path_factory.mktemp("r"))
    # exit 1 is a report too (a failing check on this machine, e.g. a probe that timed out under load)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def variant(doc: dict, host: str, when: str, driver: str | None = None, gpus=None) -> dict:
    d = json.loads(json.dumps(doc))
    f = d["facts"]  # a schema-2 report: the facts apart from the judgments
    f["host"]["hostname"] = host
    # Another host is another machine: hosts are keyed by machine identity (the live report has this one's).
    f["host"]["machine_id"] = hashlib.sha256(host.encode()).hexdigest()[:32]
    f["collected_at"] = when
    if gpus is not None:
        f["gpus"] = gpus
    if driver:
        for g in f["gpus"]:
            g["driver_version"] = driver
    return d


GPU = {"index": 0, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564,
       "driver_version": "550.54", "uuid": "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "virtual": False}


def write(folder: Path, name: str, doc: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(json.dumps(doc))
    return p


def test_ingest_is_idempotent_and_keeps_history(run, tmp_path, base_report):
    reports = tmp_path / "reports"
    write(reports, "a1.json", variant(base_report, "ws-001", "2026-10-01T08:00:00Z", gpus=[GPU]))
    write(reports, "a2.json", variant(base_report, "ws-001", "2026-11-01T08:00:00Z", driver="570.86", gpus=[GPU]))
    write(reports, "b1.json", variant(base_report, "ws-002", "2026-11-02T08:00:00Z", gpus=[]))
    db = str(tmp_path / "fleet.sqlite")
    first = run("fleet", "ingest", str(reports), "--db", db)
    assert first.exit_code == 0 and "stored 3 reports" in first.stdout
    again = run("fleet", "ingest", str(reports), "--db", db)
    assert again.exit_code == 0 and "stored 0 reports, 3 already stored" in again.stdout
    conn = store.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 3
    view = report.build(conn)
    assert view["hosts"] == 2
    assert any(c["host"] == "ws-001" and "driver 550.54 → 570.86" in c["what"] for c in view["changes"])


def test_a_removed_gpu_shows_up_as_a_change(tmp_path, base_report):
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(write(tmp_path, "1.json", variant(base_report, "h", "2026-10-01T00:00:00Z", gpus=[GPU])))])
    store.ingest(conn, [str(write(tmp_path, "2.json", variant(base_report, "h", "2026-11-01T00:00:00Z", gpus=[])))])
    changes = report.build(conn)["changes"]
    assert any("GPUs NVIDIA GeForce RTX 4090 → none" in c["what"] for c in changes)


def test_malformed_reports_are_skipped_by_name_and_the_rest_stored(run, tmp_path, base_report):
    reports = tmp_path / "reports"
    write(reports, "good.json", variant(base_report, "ok-host", "2026-11-01T00:00:00Z"))
    (reports / "truncated.json").write_text(json.dumps(base_report)[:500])
    (reports / "future.json").write_text(json.dumps({**base_report, "schema_version": 9}))
    (reports / "other.json").write_text(json.dumps({"hello": "world"}))
    db = str(tmp_path / "fleet.sqlite")
    r = run("fleet", "ingest", str(reports), "--db", db)
    assert r.exit_code == 2
    for name in ("truncated.json", "future.json", "other.json"):
        assert name in r.stderr
    assert "unknown schema_version 9" in r.stderr and "stored 1 reports" in r.stdout


def _ingest_many(args):
    db, folder = args
    conn = store.connect(db)
    return len(store.ingest(conn, [folder]).stored)


def test_concurrent_ingests_do_not_corrupt_the_database(tmp_path, base_report):
    folders = []
    for k in range(4):
        f = tmp_path / f"batch{k}"
        for i in range(25):
            write(f, f"{i}.json", variant(base_report, f"host-{k}-{i}", "2026-11-01T00:00:00Z"))
        folders.append(str(f))
    db = str(tmp_path / "fleet.sqlite")
    store.connect(db).close()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        stored = pool.map(_ingest_many, [(db, f) for f in folders])
    assert sum(stored) == 100
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 100


def test_redaction_is_consistent_so_history_joins_up(tmp_path, base_report):
    conn = store.connect(str(tmp_path / "f.sqlite"))
    for i, when in enumerate(("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")):
        store.ingest(conn, [str(write(tmp_path, f"{i}.json", variant(base_report, "alice-laptop", when, gpus=[GPU])))],
                     do_redact=True)
    hosts = [r[0] for r in conn.execute("SELECT DISTINCT host FROM reports")]
    assert len(hosts) == 1 and hosts[0].startswith("host-") and "alice" not in hosts[0]
    uuids = {r[0] for r in conn.execute("SELECT uuid FROM gpus")}
    assert len(uuids) == 1 and next(iter(uuids)).startswith("gpu-")
    zdict = store.dictionary(conn)  # the compression dictionary is a stored report too: redacted as well
    docs = [json.dumps(store.load_doc({"doc": r[0]}, zdict)) for r in conn.execute("SELECT doc FROM reports")]
    assert len(docs) == 2 and "host-" in docs[0] and not any("alice" in d for d in docs) and b"alice" not in zdict


def test_report_html_csv_and_stale_hosts(run, tmp_path, base_report):
    reports = tmp_path / "reports"
    write(reports, "old.json", variant(base_report, "old-host", "2025-01-01T00:00:00Z"))
    write(reports, "new.json", variant(base_report, "new-host</script><b>", "2026-11-25T00:00:00Z"))
    db = str(tmp_path / "fleet.sqlite")
    assert run("fleet", "ingest", str(reports), "--db", db).exit_code == 0
    r = run("fleet", "report", "--db", db, "-o", str(tmp_path / "fleet.html"), "--csv", str(tmp_path / "hosts.csv"))
    assert r.exit_code == 0, r.output
    html = (tmp_path / "fleet.html").read_text()
    assert "new-host</script>" not in html  # a hostname can't break out of the page's script
    for section in ("tiers", "workloads", "problems", "inventory", "stale", "hosts"):
        assert f'id="{section}"' in html
    csv_text = (tmp_path / "hosts.csv").read_text().splitlines()
    assert csv_text[0].startswith("host,collected_at,tier")
    old = next(line for line in csv_text if line.startswith("old-host"))
    assert old.endswith(",True")  # stale
    assert run("fleet", "report", "--db", str(tmp_path / "none.sqlite")).exit_code == 2


def test_require_lists_failing_hosts_and_exits_1(run, tmp_path, base_report):
    reports = tmp_path / "reports"
    big = [{**GPU, "status": "ok", "memory_free_mib": 24000, "memory_bandwidth_gbps": 1008.0}]
    write(reports, "gpu.json", variant(base_report, "gpu-box", "2026-11-01T00:00:00Z", gpus=big))
    write(reports, "cpu.json", variant(base_report, "cpu-box", "2026-11-01T00:00:00Z", gpus=[]))
    db = str(tmp_path / "fleet.sqlite")
    run("fleet", "ingest", str(reports), "--db", db)
    r = run("fleet", "require", "chat-llama-3.1-8b", "--db", db, "--json")
    failing = {f["host"] for f in json.loads(r.stdout)["failing"]}
    assert r.exit_code == 1 and failing == {"cpu-box"}
    ok = run("fleet", "require", "--model", "llama-3.2-1b", "--quant", "Q4_K_M", "--db", db)
    assert ok.exit_code in (0, 1)
    assert run("fleet", "require", "nope", "--db", db).exit_code == 2


@pytest.mark.slow
def test_ansible_playbook_against_localhost(tmp_path):
    ansible = shutil.which("ansible-playbook") or str(Path(sys.executable).parent / "ansible-playbook")
    if not os.path.exists(ansible):
        if os.environ.get("CI"):
            pytest.fail("CI installs ansible-core (the [test] extra)")
        pytest.skip("ansible-core not installed")
    venv = tmp_path / "host-venv"
    out = tmp_path / "reports"
    db = tmp_path / "fleet.sqlite"
    cli = str(Path(sys.executable).parent / "readiness")
    cmd = [ansible, "-i", "localhost,", "-c", "local", str(ROOT / "deploy" / "ansible" / "readiness.yml"),
           "-e", f"readiness_package={ROOT}", "-e", f"readiness_venv={venv}", "-e", f"readiness_output={out}",
           "-e", f"readiness_db={db}", "-e", f"readiness_python={sys.executable}",
           "-e", f"readiness_controller_cli={cli}", "-e", "ansible_python_interpreter=" + sys.executable,
           "-e", '{"readiness_extra_args": ["--no-costs", "--no-html", "--no-torch"]}']
    env = {**os.environ, "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ans"), "ANSIBLE_HOME": str(tmp_path / "ans"),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (out / "localhost.json").is_file()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 1
