"""Fleet at 100,000 hosts (issue 18) without giving up issue 19's checks: the compiled validator
agrees with the schema walk, reports compressed against the inventory's dictionary read back (and
so do blobs from before it), `fleet require` judges hosts with equal inputs once and hosts that
differ apart, the report counts problems per machine. Report variants are "logic" inputs built on
the real schema-1/2 fixtures."""

import json
import random
import zlib
from pathlib import Path

from readiness import cli_options, pipeline
from readiness.fleet import report, store, validate

FIXTURES = Path(__file__).parent / "fixtures" / "report"
REAL = sorted((FIXTURES / "schema1").glob("*.json")) + sorted((FIXTURES / "schema2").glob("*.json"))
BASE = json.loads((FIXTURES / "schema1" / "live-dev-machine.json").read_text())


def variant(host="ws-1", machine_id=None, when="2026-11-01T08:00:00Z", **changes) -> dict:
    d = json.loads(json.dumps(BASE))
    d["host"]["hostname"], d["host"]["machine_id"], d["collected_at"] = host, machine_id, when
    d.update(changes)
    return d


def put(folder: Path, name: str, doc: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(doc))
    return folder / name


# --- the compiled validator ----------------------------------------------------------------------

HOSTILE = [None, True, False, 0, -1, 1.5, 1.0, 2**63, -(2**63), 2**63 - 1, float("inf"), "x", "y" * 4097,
           "y" * 4096, [], {}, ["a"], [1], [None], {"a": 1}, "runs well", "ok", "nvidia", "fail"]


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            yield from _paths(v, path + (i,))


def _walk_ok(key, value) -> bool:
    try:
        validate.check(value, validate._schemas()[key], key)
        return True
    except validate.Invalid:
        return False


def test_the_compiled_validator_agrees_with_the_schema_walk_on_mutated_real_reports():
    """The fast check decides alone whether a report is stored: it must never accept a value the
    schema walk refuses (and it accepts every real report, or it would be no faster)."""
    rng = random.Random(18)
    slims = [validate.slim(json.loads(p.read_bytes()))[0] for p in REAL]
    fast = validate._fast()
    for doc in slims:
        assert all(fast[k](v) for k, v in doc.items() if k in fast and k != "schema_version")
    refused = 0
    for _ in range(3000):
        doc = json.loads(json.dumps(rng.choice(slims)))
        path = rng.choice([p for p in _paths(doc) if len(p) > 1])
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = json.loads(json.dumps(rng.choice(HOSTILE))) if rng.random() < 0.5 else rng.choice(HOSTILE)
        key = path[0]
        if key not in fast or key == "schema_version":
            continue
        walk = _walk_ok(key, doc[key])
        refused += not walk
        assert fast[key](doc[key]) == walk, (path, target[path[-1]])
    assert refused > 500  # the mutations did reach typed fields


def test_a_refused_report_still_gets_the_schema_walks_reason():
    reason = None
    try:
        validate.slim(variant(gpus=[{**BASE["gpus"][0], "memory_total_mib": "lots"}] if BASE["gpus"] else [{"name": 5}]))
    except validate.Invalid as e:
        reason = str(e)
    assert reason and reason.startswith("gpus[0].") and "should be" in reason


# --- dictionary compression ----------------------------------------------------------------------

def test_reports_are_compressed_against_the_inventorys_dictionary_and_old_blobs_still_read(tmp_path):
    db = str(tmp_path / "f.sqlite")
    conn = store.connect(db)
    store.ingest(conn, [str(put(tmp_path / "a", f"{i}.json", variant(host=f"ws-{i}", machine_id=f"{i:032x}")))
                        for i in range(3)])
    zdict = store.dictionary(conn)
    assert zdict and json.loads(zdict)["schema_version"] == 1
    # a second ingest, on another connection, keeps the dictionary the first one set
    store.ingest(store.connect(db), [str(put(tmp_path / "b", "x.json", variant(host="other", machine_id="f" * 32)))])
    assert store.dictionary(conn) == zdict
    blobs = [b for (b,) in conn.execute("SELECT doc FROM reports ORDER BY id")]
    docs = [store.load_doc({"doc": b}, zdict) for b in blobs]
    assert [d["host"]["hostname"] for d in docs] == ["ws-0", "ws-1", "ws-2", "other"]
    plain = zlib.compress(json.dumps(docs[3], sort_keys=True, separators=(",", ":")).encode(), 1)
    assert len(blobs[3]) * 3 < len(plain)
    # a blob written by a readiness from before the dictionary: plain zlib, read as it always was
    conn.execute("UPDATE reports SET doc = ? WHERE host = 'other'", (plain,))
    assert store.load_doc({"doc": plain}, zdict) == docs[3]
    rows = {row["host"]: doc for row, doc in store.latest_docs(conn)}
    assert rows["other"] == docs[3] and rows["ws-1"] == docs[1]


# --- fleet require -------------------------------------------------------------------------------

def test_a_hosts_inputs_are_judged_as_its_whole_facts_are():
    """judge_inputs must keep every field the estimators read: judged on the inputs alone, each real
    report gets the very verdict, placement and reason that its whole facts get."""
    workloads = cli_options.all_workloads()
    for path in REAL:
        doc = json.loads(path.read_bytes())
        facts = doc["facts"] if doc.get("schema_version") == 2 else doc
        inputs = pipeline.judge_inputs(facts)
        assert len(json.dumps(inputs)) < len(json.dumps(facts))
        for w in workloads:
            assert pipeline.judge_one(inputs, w) == pipeline.judge_one(facts, w), (path.name, w["id"])


def test_require_shares_judgments_only_between_hosts_with_equal_inputs(tmp_path):
    gpu = {"index": 0, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564,
           "memory_free_mib": 24000, "status": "ok", "virtual": False}
    reports = tmp_path / "r"
    mem = BASE["memory"]
    # two hosts alike but for their GPU's UUID and their name: one judgment
    put(reports, "a.json", variant("a", "a" * 32, gpus=[{**gpu, "uuid": "GPU-1"}]))
    put(reports, "b.json", variant("b", "b" * 32, gpus=[{**gpu, "uuid": "GPU-2"}]))
    # alike but for free RAM, or free GPU memory: judged apart
    put(reports, "c.json", variant("c", "c" * 32, gpus=[gpu], memory={**mem, "available_mib": 1024}))
    put(reports, "d.json", variant("d", "d" * 32, gpus=[{**gpu, "memory_free_mib": 2000}]))
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(reports)])
    seen = []

    def judge(facts, w):
        seen.append(facts)
        return pipeline.judge_one(facts, w)

    workloads = cli_options.chosen_workloads(("chat-llama-3.1-8b", "chat-qwen2.5-32b"), None, None, None)
    failing, unknown = report.require_all(conn, workloads, judge, pipeline.judge_inputs)
    assert len(seen) == 3 * len(workloads)
    assert all("uuid" not in g for f in seen for g in f["gpus"])
    expected = []
    for host in "abcd":
        doc = json.loads((reports / f"{host}.json").read_text())
        for w in workloads:
            r = pipeline.judge_one(doc, w)
            if r["verdict"] != "runs well":
                expected.append((w["id"], host, r["verdict"], r["why"]))
    got = [(f["workload"], f["host"], f["verdict"], f["why"]) for f in failing + unknown]
    assert sorted(got) == sorted(expected) and expected


# --- the report ----------------------------------------------------------------------------------

def test_problems_are_counted_per_machine_not_per_hostname(tmp_path):
    finding = {"id": "low-disk-for-models", "severity": "warn", "outcome": "warn", "title": "Low disk",
               "message": "", "fix": "", "reference": None}
    reports = tmp_path / "r"
    put(reports, "1.json", variant("localhost", "1" * 32, findings=[finding]))
    put(reports, "2.json", variant("localhost", "2" * 32, findings=[finding]))
    put(reports, "3.json", variant("clean", "3" * 32, findings=[]))
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(reports)])
    view = report.build(conn)
    (problem,) = view["problems"]
    assert problem["hosts"] == 2
    assert sorted(r["problems"] for r in view["rows"]) == [0, 1, 1]


def test_require_keeps_a_bounded_number_of_judgments_and_answers_the_same(tmp_path, monkeypatch):
    """Hosts alike (a, b, d) share one judgment while it is kept; with room for one, c's pushes it
    out and d is judged again: the same answers either way, and never more judgments held."""
    gpu = {"index": 0, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564,
           "memory_free_mib": 24000, "status": "ok", "virtual": False}
    reports = tmp_path / "r"
    for host in "abd":
        put(reports, f"{host}.json", variant(host, host * 32, gpus=[{**gpu, "uuid": f"GPU-{host}"}]))
    put(reports, "c.json", variant("c", "c" * 32, gpus=[{**gpu, "memory_free_mib": 2000}]))
    conn = store.connect(str(tmp_path / "f.sqlite"))
    store.ingest(conn, [str(reports)])
    workloads = cli_options.chosen_workloads(("chat-llama-3.1-8b", "chat-qwen2.5-32b"), None, None, None)
    answers, judged = [], []
    for room in (report.CACHED, 1):
        monkeypatch.setattr(report, "CACHED", room)
        seen = []

        def judge(facts, w):
            seen.append(facts)
            return pipeline.judge_one(facts, w)

        answers.append(report.require_all(conn, workloads, judge, pipeline.judge_inputs))
        judged.append(len(seen) // len(workloads))
    assert judged == [2, 3]
    assert answers[0] == answers[1] and answers[0][0]


# --- packed verdicts (one code a verdict; the workloads kept once per distinct list) ---------------

def _shuffled(rng: random.Random, i: int) -> dict:
    verdicts = [dict(v, verdict=rng.choice(sorted(store.CODES))) for v in BASE["verdicts"]]
    return variant(host=f"ws-{i}", machine_id=f"{i:032x}", verdicts=verdicts[: rng.randrange(1, len(verdicts) + 1)])


def _rows_only(db) -> None:
    """Each stored report's verdicts moved back into rows, as a readiness before the codes wrote them."""
    zdict = store.dictionary(db)
    for rid, blob in db.execute("SELECT id, doc FROM reports WHERE verdict_codes IS NOT NULL").fetchall():
        doc = store.load_doc({"doc": blob}, zdict)
        db.executemany("INSERT INTO verdicts VALUES (?,?,?,?,?)",
                       [(rid, v.get("id"), v.get("name"), v.get("verdict"), v.get("placement")) for v in doc["verdicts"]])
    db.execute("UPDATE reports SET verdict_set = NULL, verdict_codes = NULL")


def test_packed_verdicts_count_as_the_rows_did(tmp_path):
    rng = random.Random(3)
    for i in range(40):  # lists of different lengths: several verdict sets
        put(tmp_path / "reports", f"{i:02d}.json", _shuffled(rng, i))
    db = store.connect(str(tmp_path / "fleet.sqlite"))
    assert len(store.ingest(db, [str(tmp_path / "reports")]).stored) == 40
    assert db.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM verdict_sets").fetchone()[0] > 1
    packed = report.build(db)["workloads"]
    assert sum(sum(w["counts"].values()) for w in packed) == sum(
        len(store.load_doc({"doc": b}, store.dictionary(db))["verdicts"]) for b, in db.execute("SELECT doc FROM reports"))
    _rows_only(db)
    assert report.build(db)["workloads"] == packed


def test_an_inventory_from_before_the_codes_is_migrated_and_both_kinds_count(tmp_path, monkeypatch):
    rng = random.Random(4)
    path = str(tmp_path / "fleet.sqlite")
    for i in range(10):
        put(tmp_path / "old", f"{i:02d}.json", _shuffled(rng, i))
    for i in range(10, 20):
        put(tmp_path / "new", f"{i:02d}.json", _shuffled(rng, i))
    with monkeypatch.context() as m:  # as the readiness before the codes stored them: rows, no columns
        m.setattr(store, "_packed", lambda verdicts: None)
        db = store.connect(path)
        store.ingest(db, [str(tmp_path / "old")])
    for column in ("verdict_set", "verdict_codes"):
        db.execute(f"ALTER TABLE reports DROP COLUMN {column}")
    db.execute("DROP TABLE verdict_sets")
    db.close()
    db = store.connect(path)  # migrated: the columns back, empty for the old reports
    assert db.execute("SELECT COUNT(*) FROM reports WHERE verdict_codes IS NULL").fetchone()[0] == 10
    store.ingest(db, [str(tmp_path / "new")])
    assert db.execute("SELECT COUNT(*) FROM reports WHERE verdict_codes IS NOT NULL").fetchone()[0] == 10
    mixed = report.build(db)["workloads"]
    _rows_only(db)
    assert report.build(db)["workloads"] == mixed


def test_a_refused_report_leaves_no_verdict_set_behind_for_the_next(tmp_path, monkeypatch):
    """A report refused at insert time (a lone surrogate in its hostname, which an older inventory's
    ASCII form lets through to SQLite) rolls back to its savepoint, its new verdict set with it; the
    next report with the same workloads must not point at the set rolled back."""
    monkeypatch.setattr(store, "_form_tx", lambda db: "json")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "a-bad.json").write_text(json.dumps(variant(host="ws-\ud800", machine_id="b" * 32)))
    put(reports, "b-good.json", variant(host="ws-good", machine_id="c" * 32))
    db = store.connect(str(tmp_path / "fleet.sqlite"))
    result = store.ingest(db, [str(reports)])
    assert [p.endswith("a-bad.json") for p, _ in result.skipped] == [True] and len(result.stored) == 1
    assert db.execute("SELECT COUNT(*) FROM reports r JOIN verdict_sets s ON s.id = r.verdict_set").fetchone()[0] == 1
