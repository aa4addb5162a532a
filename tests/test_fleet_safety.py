"""Fleet ingest on hostile and broken input (issue 19, items 1, 8, 9 and 11's CSV part): each
corrupt report named and skipped without losing the good ones, timestamps compared as times,
machines kept apart by identity, other applications' files left alone, CSV cells inert.
Hand-made report variants below are "logic" inputs built on the real schema-1/2 fixtures."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from readiness.fleet import report, store

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "report"
BASE = json.loads((FIXTURES / "schema1" / "live-dev-machine.json").read_text())


def variant(host="ws-1", when="2026-11-01T08:00:00Z", machine_id=None, **changes) -> dict:
    d = json.loads(json.dumps(BASE))
    d["host"]["hostname"] = host
    d["host"]["machine_id"] = machine_id
    d["collected_at"] = when
    d.update(changes)
    return d


def put(folder: Path, name: str, doc) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return p


def hosts(db_path) -> list:
    return [(r["host"], r["collected_at"]) for r in store.latest(store.connect(str(db_path)))]


# --- item 1: one corrupt report never loses the others --------------------------------------------

CORRUPT = {
    "deep.json": "[" * 100000 + "]" * 100000,
    "hostname-list.json": variant(host=["a", "b"]),
    "gpus-strings.json": variant(gpus=["NVIDIA H100"]),
    "verdicts-strings.json": variant(verdicts=["runs well"]),
    "findings-strings.json": variant(findings=[1, 2]),
    "huge-int.json": json.dumps(variant(memory={**BASE["memory"], "total_mib": 0})).replace(
        '"total_mib": 0', '"total_mib": ' + "9" * 400),
    "nan.json": json.dumps(variant()).replace('"free_mib": ' + str(BASE["disks"][0]["free_mib"]), '"free_mib": NaN'),
    "bad-time.json": variant(when="yesterday"),
    "tool-list.json": variant(tool=["readiness"]),
    # Valid JSON that Python reads into a string UTF-8 can't encode: SQLite refuses it at insert time,
    # after validation (it used to end the whole ingest as an internal error, #18).
    "lone-surrogate.json": json.dumps(variant(host="HOST")).replace('"HOST"', '"ws-\\ud800"'),
}


def test_corrupt_reports_are_named_and_skipped_and_every_good_one_stored(run, tmp_path):
    reports = tmp_path / "reports"
    for i in range(30):
        put(reports, f"good-{i:02d}.json", variant(host=f"ws-{i:02d}"))
    for name, doc in CORRUPT.items():
        put(reports, name, doc)
    db = tmp_path / "fleet.sqlite"
    r = run("fleet", "ingest", str(reports), "--db", str(db))
    assert r.exit_code == 2, r.output
    assert "stored 30 reports" in r.stdout
    for name in CORRUPT:
        assert f"skipped {reports / name}:" in r.stderr, name
    assert "nested too deeply" in r.stderr and "hostname should be a string or a null" in r.stderr
    assert "out of range" in r.stderr and "not a JSON number" in r.stderr
    assert "lone-surrogate.json: cannot be stored:" in r.stderr and "surrogates not allowed" in r.stderr
    assert len(hosts(db)) == 30


def test_a_fifo_among_the_reports_is_skipped_not_opened(run, tmp_path):
    reports = tmp_path / "reports"
    put(reports, "good.json", variant())
    os.mkfifo(reports / "pipe.json")
    r = run("fleet", "ingest", str(reports), "--db", str(tmp_path / "f.sqlite"))
    assert r.exit_code == 2 and "stored 1 reports" in r.stdout and "not a regular file" in r.stderr


# --- schema 1 and schema 2 side by side ------------------------------------------------------------

def test_schema_1_and_schema_2_reports_are_read_side_by_side(run, tmp_path):
    db = tmp_path / "f.sqlite"
    r = run("fleet", "ingest", str(FIXTURES / "schema1"), str(FIXTURES / "schema2"), "--db", str(db))
    assert r.exit_code == 0, r.output
    # A machine's schema-2 report holds the same facts and judgments as its schema-1 report, so it is
    # read into the same stored document: the second of each pair is "already stored".
    assert "stored 5 reports, 5 already stored, 0 skipped" in r.stdout
    conn = store.connect(str(db))
    (tier,) = conn.execute("SELECT tier FROM reports WHERE gpu_summary = 'NVIDIA H200'").fetchone()
    assert tier == "70B-class"


# --- item 8: time, identity, concurrency ---------------------------------------------------------

def test_the_newest_report_wins_whatever_iso_8601_spelling_it_uses(tmp_path):
    reports = tmp_path / "r"
    put(reports, "old.json", variant(when="2026-11-01T09:00:00Z", cpu={**BASE["cpu"], "model": "old"}))
    # 10:30 at +02:00 is 08:30Z: older than 09:00Z although it sorts after it as text
    put(reports, "offset.json", variant(when="2026-11-01T10:30:00+02:00", cpu={**BASE["cpu"], "model": "offset"}))
    put(reports, "new.json", variant(when="2026-11-01 09:00:00.5Z", cpu={**BASE["cpu"], "model": "newest"}))
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(reports)])
    (row,) = store.latest(conn)
    assert row["cpu_model"] == "newest" and row["collected_at"] == "2026-11-01T09:00:00.500000Z"


def test_a_naive_timestamp_is_taken_as_utc_and_said_so(run, tmp_path):
    reports = tmp_path / "r"
    put(reports, "naive.json", variant(when="2026-11-01T08:00:00"))
    put(reports, "zoned.json", variant(host="ws-2", when="2026-11-02T08:00:00+01:00"))
    db = tmp_path / "f.sqlite"
    r = run("fleet", "ingest", str(reports), "--db", str(db))
    assert r.exit_code == 0 and "has no time zone; taken as UTC" in r.stderr
    assert dict(hosts(db)) == {"ws-1": "2026-11-01T08:00:00Z", "ws-2": "2026-11-02T07:00:00Z"}
    rep = run("fleet", "report", "--db", str(db), "-o", str(tmp_path / "f.html"))
    assert rep.exit_code == 0, rep.output


def test_machines_are_told_apart_by_identity_not_hostname(tmp_path):
    reports = tmp_path / "r"
    ids = ["0" * 31 + str(i) for i in range(1, 5)]
    for i, mid in enumerate(ids):  # four machines, all called "localhost"
        put(reports, f"m{i}.json", variant(host="localhost", machine_id=mid))
    put(reports, "renamed.json", variant(host="new-name", machine_id=ids[0], when="2026-11-05T00:00:00Z"))
    for i in range(3):  # three reports without a hostname or identity: none may swallow another
        put(reports, f"anon{i}.json", variant(host=None, when=f"2026-11-0{i + 1}T00:00:00Z"))
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(reports)])
    latest = store.latest(conn)
    assert len(latest) == 7
    assert sorted(r["host"] for r in latest).count("localhost") == 3  # the fourth was renamed
    assert "new-name" in {r["host"] for r in latest}


def _ingest_process(db, folder):
    from readiness.fleet import store as s

    r = s.ingest(s.connect(db), [folder])
    sys.exit(0 if not r.skipped else 5)


def test_two_concurrent_ingest_processes_both_succeed(tmp_path):
    """A long ingest must not hold the lock for its whole run: a second, short one started while
    the first is still working gets in between its batches and finishes first (with one
    transaction per run it waited for the whole run, and failed after the busy timeout)."""
    big, small = tmp_path / "big", tmp_path / "small"
    slim = variant()
    slim["verdicts"] = slim["verdicts"][:2]
    for i in range(2500):
        put(big, f"{i}.json", {**slim, "host": {**slim["host"], "hostname": f"big-{i}"}})
    for i in range(5):
        put(small, f"{i}.json", {**slim, "host": {**slim["host"], "hostname": f"small-{i}"}})
    db = str(tmp_path / "f.sqlite")
    store.connect(db).close()
    code = ("import sys; from readiness.fleet import store as s; r = s.ingest(s.connect(sys.argv[1]), [sys.argv[2]]);"
            "sys.exit(5 if r.skipped else 0)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.Popen([sys.executable, "-c", code, db, str(big)], env=env, stderr=subprocess.PIPE)
    conn = sqlite3.connect(db, timeout=60)
    while first.poll() is None and conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 0:
        subprocess.run(["sleep", "0.02"])
    second = subprocess.run([sys.executable, "-c", code, db, str(small)], env=env, capture_output=True, timeout=300)
    first_still_running = first.poll() is None
    first_err = first.communicate(timeout=300)[1]
    assert second.returncode == 0 and first.returncode == 0, (second.stderr, first_err)
    assert first_still_running, "the short ingest waited for the long one to finish"
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 2505


def test_kill_9_mid_ingest_leaves_the_database_intact_and_a_rerun_stores_everything(tmp_path):
    folder = tmp_path / "r"
    for i in range(3000):
        put(folder, f"{i:04d}.json", variant(host=f"h-{i}"))
    db = str(tmp_path / "f.sqlite")
    store.connect(db).close()
    code = "import sys; from readiness.fleet import store as s; s.ingest(s.connect(sys.argv[1]), [sys.argv[2]])"
    proc = subprocess.Popen([sys.executable, "-c", code, db, str(folder)], env={**os.environ, "PYTHONPATH": str(ROOT)})
    conn = sqlite3.connect(db)
    for _ in range(600):  # kill it once a first batch is in, mid-run
        try:
            if conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] > 0:
                break
        except sqlite3.OperationalError:
            pass
        proc.poll()
        if proc.returncode is not None:
            break
        subprocess.run(["sleep", "0.05"])
    proc.kill()
    proc.wait()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    result = store.ingest(store.connect(db), [str(folder)])
    assert not result.skipped
    assert store.connect(db).execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 3000


def test_redact_gives_the_machine_identity_a_stable_pseudonym(tmp_path):
    mid = "3d1219c7c4c5404aaa1f6d2a48adfda4"
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(put(tmp_path, "1.json", variant(machine_id=mid)))], do_redact=True)
    store.ingest(conn, [str(put(tmp_path, "2.json", variant(machine_id=mid, when="2026-11-03T00:00:00Z")))],
                 do_redact=True)
    keys = {r[0] for r in conn.execute("SELECT host_key FROM reports")}
    docs = [store.load_doc({"doc": d}, store.dictionary(conn)) for (d,) in conn.execute("SELECT doc FROM reports")]
    assert len(keys) == 1 and mid not in next(iter(keys))
    assert all(d["host"]["machine_id"].startswith("machine-") for d in docs)


# --- item 9: other applications' files, two outputs checked first ---------------------------------

def test_another_applications_sqlite_file_is_refused_untouched(run, tmp_path):
    other = tmp_path / "app.db"
    c = sqlite3.connect(other)
    c.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
    c.commit()
    c.close()
    before = other.read_bytes()
    r = run("fleet", "ingest", str(FIXTURES / "schema1"), "--db", str(other))
    assert r.exit_code == 2 and "another application" in r.stderr
    c = sqlite3.connect(other)
    assert {t for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type='table'")} == {"customers"}
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    c.close()
    assert other.read_bytes() == before


def test_a_text_file_as_db_is_exit_2(run, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("my notes\n" * 10)
    for args in (["ingest", str(FIXTURES / "schema1")], ["report"], ["require", "chat-llama-3.1-8b"]):
        r = run("fleet", *args, "--db", str(text))
        assert r.exit_code == 2 and "not a SQLite database" in r.stderr, (args, r.output)
    assert text.read_text() == "my notes\n" * 10


def test_report_checks_both_outputs_before_writing_either(run, tmp_path):
    db = tmp_path / "f.sqlite"
    run("fleet", "ingest", str(FIXTURES / "schema1"), "--db", str(db))
    existing = tmp_path / "hosts.csv"
    existing.write_text("precious\n")
    r = run("fleet", "report", "--db", str(db), "-o", str(tmp_path / "new.html"), "--csv", str(existing))
    assert r.exit_code == 2
    assert not (tmp_path / "new.html").exists() and existing.read_text() == "precious\n"


def test_csv_cells_that_spreadsheets_read_as_formulas_are_made_inert(tmp_path):
    reports = tmp_path / "r"
    names = ['=HYPERLINK("http://evil","x")', "@SUM(A1)", "+1", "-2", "\tx", "\rx", "plain"]
    for i, n in enumerate(names):
        put(reports, f"{i}.json", variant(host=n))
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(reports)])
    import csv
    import io

    cells = [row["host"] for row in csv.DictReader(io.StringIO(report.to_csv(report.build(conn))))]
    # the quote makes the cell text; the tab and CR themselves become spaces (a bare CR splits a row)
    assert sorted(cells) == sorted(["'" + n.replace("\t", " ").replace("\r", " ") if n != "plain" else n
                                    for n in names])


def test_fleet_lines_on_the_terminal_carry_no_escape_sequences(run, tmp_path):
    reports = tmp_path / "r"
    put(reports, "evil.json", variant(host="ws\x1b]0;pwned\x07\x1b[2J"))
    put(reports, "bad.json", variant(host="x\x1b[31m", gpus="no"))
    db = tmp_path / "f.sqlite"
    r = run("fleet", "ingest", str(reports), "--db", str(db))
    assert "\x1b" not in r.stdout + r.stderr
    req = run("fleet", "require", "chat-llama-3.1-70b", "--db", str(db))
    assert "\x1b" not in req.stdout + req.stderr and "ws" in req.stdout


# --- the canonical form (issue 18: orjson writes it for new inventories) -------------------------

def test_an_inventory_made_before_the_orjson_form_keeps_its_digests(tmp_path, monkeypatch):
    """An older inventory's digests are of json.dumps's form: the same report ingested again after
    the upgrade is still a duplicate, not a second history row."""
    reports = tmp_path / "reports"
    put(reports, "a.json", variant(host="ws-\u00e9", machine_id="m1"))  # non-ASCII: the two forms differ
    db_path = str(tmp_path / "fleet.sqlite")
    with monkeypatch.context() as m:  # as the readiness before the form existed wrote it
        m.setattr(store, "_form_tx", lambda db: "json")
        first = store.ingest(store.connect(db_path), [str(reports)])
    assert len(first.stored) == 1
    db = store.connect(db_path)
    assert db.execute("SELECT value FROM meta WHERE key = 'canonical_form'").fetchone() is None
    again = store.ingest(db, [str(reports)])
    assert again.stored == [] and len(again.duplicates) == 1
    assert db.execute("SELECT value FROM meta WHERE key = 'canonical_form'").fetchone()[0] == "json"
    fresh = store.connect(str(tmp_path / "new.sqlite"))
    assert len(store.ingest(fresh, [str(reports)]).stored) == 1
    assert fresh.execute("SELECT value FROM meta WHERE key = 'canonical_form'").fetchone()[0] == "orjson"
    assert len(store.ingest(fresh, [str(reports)]).duplicates) == 1
    for conn in (db, fresh):  # both forms read back as the same document
        (_, doc), = store.latest_docs(conn)
        assert doc["host"]["hostname"] == "ws-\u00e9"


def test_an_unknown_canonical_form_is_exit_2_and_nothing_stored(run, tmp_path):
    reports = tmp_path / "reports"
    put(reports, "a.json", variant())
    db_path = tmp_path / "fleet.sqlite"
    store.connect(str(db_path)).execute("INSERT INTO meta (key, value) VALUES ('canonical_form', 'cbor')")
    r = run("fleet", "ingest", str(reports), "--db", str(db_path))
    assert r.exit_code == 2 and r.stderr.startswith("error:") and "'cbor'" in r.stderr
    assert hosts(db_path) == []


def test_what_orjson_refuses_the_standard_parser_still_reads(tmp_path):
    """UTF-16 text (with its BOM, as PowerShell writes it) is JSON to the json module, not to orjson."""
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "utf16.json").write_bytes(json.dumps(variant(host="ws-16")).encode("utf-16"))
    put(reports, "utf8.json", variant(host="ws-8"))
    result = store.ingest(store.connect(str(tmp_path / "fleet.sqlite")), [str(reports)])
    assert result.skipped == [] and len(result.stored) == 2
