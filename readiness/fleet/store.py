"""The inventory: one row per host per report, with history, in SQLite (WAL, transactions).

Reports are stored slimmed (facts, findings and verdicts; never the bulky cost tables) and
compressed; the same report ingested twice is stored once (keyed by a digest of its content).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import secrets
import sqlite3
import stat
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

import orjson

from readiness.errors import ReadinessError
from readiness.fleet import db as fleet_db
from readiness.fleet import validate as checks

# Tiers, from the largest LLM a host runs well (catalogue ids of the headline set).
TIERS = [("70B-class", ("chat-llama-3.1-70b", "chat-gpt-oss-120b")),
         ("30B-class", ("chat-qwen2.5-32b", "chat-qwen3-30b-a3b")),
         ("14B-class", ("chat-qwen2.5-14b", "chat-gpt-oss-20b")),
         ("8B-class", ("chat-llama-3.1-8b",)),
         ("3B-class", ("chat-llama-3.2-3b",))]


@dataclass
class IngestResult:
    stored: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def connect(path: str, create: bool = True) -> sqlite3.Connection:
    return fleet_db.connect(path, create)


def _salt(db: sqlite3.Connection) -> str:
    """A per-database secret so that redacted names are stable within one inventory, and not guessable."""
    row = db.execute("SELECT value FROM meta WHERE key = 'redact_salt'").fetchone()
    if row:
        return row[0]
    salt = secrets.token_hex(16)
    db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('redact_salt', ?)", (salt,))
    return db.execute("SELECT value FROM meta WHERE key = 'redact_salt'").fetchone()[0]


def pseudonym(value: str, salt: str, prefix: str) -> str:
    return f"{prefix}-{hashlib.sha256((salt + value).encode()).hexdigest()[:12]}"


def redact(doc: dict, salt: str) -> dict:
    """Hostnames, serial numbers and UUIDs replaced by stable pseudonyms (same input, same name)."""
    doc = json.loads(json.dumps(doc))
    host = doc.get("host") or {}
    if host.get("hostname"):
        host["hostname"] = pseudonym(host["hostname"], salt, "host")
    if host.get("machine_id"):
        host["machine_id"] = pseudonym(host["machine_id"], salt, "machine")
    for g in doc.get("gpus") or []:
        if g.get("uuid"):
            g["uuid"] = pseudonym(g["uuid"], salt, "gpu")
        if g.get("serial"):
            g["serial"] = pseudonym(g["serial"], salt, "serial")
    for m in doc.get("models") or []:
        m["name"] = None  # a model's name can say what a host is for; only the count is kept
    return doc


def tier(verdicts: list[dict]) -> str:
    # .get: a verdict without an id (a fuzzed report, #19) names no tier instead of a KeyError
    good = {v.get("id") for v in verdicts if v.get("verdict") == "runs well"}
    if not verdicts:
        return "unknown"
    unknown = {v.get("id") for v in verdicts if v.get("verdict") == "unknown"}
    for name, ids in TIERS:
        if good & set(ids):
            return name
    if unknown & {i for _, ids in TIERS for i in ids}:
        return "unknown"  # never "no local LLM" for want of a fact
    return "no local LLM"


def _files(paths: Iterable[str]) -> list[str]:
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                out += [os.path.join(root, f) for f in sorted(files) if f.endswith(".json")]
        elif os.path.lexists(p):
            out.append(p)
        else:
            raise ReadinessError(f"cannot read {p}: no such file or folder")
    return out


#: Reports written per transaction; each one inside its own savepoint.
BATCH = 256


def host_key(slim: dict, digest: str) -> str:
    """A host is its machine identity; the hostname is only its label. Without either, a report
    stands alone rather than being merged with every other nameless host."""
    host = slim["host"]
    mid = host.get("machine_id")
    if isinstance(mid, str) and mid.strip():
        return "mid:" + mid.strip().lower()
    if host.get("hostname"):
        return "name:" + host["hostname"]
    return "report:" + digest


def _read(path: str) -> bytes:
    """A report file's bytes; a FIFO, device or folder is refused without being read. Opened
    non-blocking (a FIFO's open would wait for a writer) and checked on the open descriptor, so the
    file judged is the file read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise checks.Invalid("not a regular file")
        if st.st_size > checks.MAX_REPORT_BYTES:
            raise checks.Invalid(f"larger than {checks.MAX_REPORT_BYTES // 2**20} MiB; not a report")
        chunks, budget = [], checks.MAX_REPORT_BYTES + 1
        while budget > 0:  # a file that grows while read still stops at the budget
            chunk = os.read(fd, min(budget, max(st.st_size + 1, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            budget -= len(chunk)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)


#: How an inventory writes a report's canonical form (its digest and its stored blob): "orjson"
#: (sorted keys, UTF-8) for inventories made since #18, ~4x faster than the standard library's
#: encoder; "json" (json.dumps, sorted, ASCII) for the older ones, whose digests must keep matching
#: so that a report ingested again is still found as a duplicate. Kept in the meta table.
FORMS = ("orjson", "json")


def canonical(slim: dict, form: str) -> bytes:
    if form == "orjson":
        return orjson.dumps(slim, option=orjson.OPT_SORT_KEYS)
    return json.dumps(slim, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _form_tx(db: sqlite3.Connection) -> str:
    with fleet_db.immediate(db):
        row = db.execute("SELECT value FROM meta WHERE key = 'canonical_form'").fetchone()
        if row and row[0] in FORMS:
            return row[0]
        if row:
            raise ReadinessError(f"the inventory's canonical form {row[0]!r} is unknown to this readiness",
                                 hint="ingest with the readiness version that made the inventory, or a newer one")
        form = "json" if db.execute("SELECT 1 FROM reports LIMIT 1").fetchone() else "orjson"
        db.execute("INSERT INTO meta (key, value) VALUES ('canonical_form', ?)", (form,))
        return form


def _prepare(path: str, do_redact: bool, salt: str, result: IngestResult, form: str):
    """Read and validate one file outside any transaction; None when it is skipped."""
    try:
        doc = checks.parse(_read(path))
        slim, notes = checks.slim(doc)
        if do_redact:
            slim = redact(slim, salt)
        blob = canonical(slim, form)
    except orjson.JSONEncodeError as e:  # a lone surrogate ("\ud800") is no UTF-8 text to store
        result.skipped.append((path, f"cannot be stored: {e}"))
        return None
    except OSError as e:
        result.skipped.append((path, f"unreadable: {e.strerror or e}"))
        return None
    except checks.Invalid as e:
        result.skipped.append((path, str(e)))
        return None
    except (RecursionError, ValueError, TypeError) as e:
        result.skipped.append((path, f"cannot be stored: {type(e).__name__}"))
        return None
    if notes:
        result.notes += [(path, n) for n in notes]
    return path, slim, hashlib.sha256(blob).hexdigest(), blob


# Reports from one fleet are nearly the same document: compressed against one of them (zlib's preset
# dictionary, kept in the meta table) a report takes ~400 bytes instead of ~3,300 and half the time.
# A blob says in its zlib header whether it needs the dictionary, so blobs stored without one (by an
# older readiness) read as before.
_FDICT = 0x20


def dictionary(db: sqlite3.Connection) -> bytes | None:
    row = db.execute("SELECT value FROM meta WHERE key = 'zdict'").fetchone()
    return row[0].encode("utf-8") if row else None


def _dictionary_tx(db: sqlite3.Connection, candidate: bytes) -> bytes:
    """The inventory's dictionary: the first report ever stored in it (another ingest may have set it first)."""
    with fleet_db.immediate(db):
        db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('zdict', ?)", (candidate.decode("utf-8"),))
        return dictionary(db)


def _compressor(zdict: bytes):
    """A compressor primed with the dictionary once per ingest; each report gets a copy (#18).
    A 16 KB window and memLevel 5 (a report and the dictionary are ~10 KB): zlib's default state
    is ~256 KB, which the allocator handed back and faulted in again for every report, and priming
    hashed the dictionary each time: 75 µs a report, now ~19 µs, for blobs 3% larger. Any zlib
    stream reads back the same (load_doc's default window takes every size)."""
    return zlib.compressobj(1, zlib.DEFLATED, 14, 5, zlib.Z_DEFAULT_STRATEGY, zdict)


def _compress(canonical: bytes, primed) -> bytes:
    c = primed.copy()
    return c.compress(canonical) + c.flush()


def load_doc(row, zdict: bytes | None = None) -> dict:
    """A stored document; ``zdict``: the inventory's dictionary (dictionary(db)), for blobs that need it."""
    blob = row["doc"]
    if len(blob) > 1 and blob[1] & _FDICT:
        if zdict is None:
            raise ReadinessError("the inventory's compression dictionary is missing; the database is damaged")
        d = zlib.decompressobj(zdict=zdict)
        return _loads(d.decompress(blob) + d.flush())
    return _loads(zlib.decompress(blob))


def _loads(text: bytes):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # an older inventory's blob may spell a lone surrogate as an escape
        return json.loads(text)


def ingest(db: sqlite3.Connection, paths: Iterable[str], do_redact: bool = False) -> IngestResult:
    """Store the reports in short transactions of up to BATCH files, each file in its own savepoint:
    one corrupt report is named and skipped and never rolls back the others, and another ingest
    running at the same time gets the lock between batches."""
    # json.loads makes thousands of containers per report and a batch holds 256 reports' worth: the
    # cycle collector's passes over them cost ~5% of the time, and parsed JSON has no cycles to
    # find (#18). Switched back on however the ingest ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _ingest(db, paths, do_redact)
    finally:
        if collecting:
            gc.enable()


def _ingest(db: sqlite3.Connection, paths: Iterable[str], do_redact: bool) -> IngestResult:
    result = IngestResult()
    salt = fleet_db.retry(lambda: _salt_tx(db)) if do_redact else ""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    files = _files(paths)
    form = fleet_db.retry(lambda: _form_tx(db))
    zdict = dictionary(db)
    primed = _compressor(zdict) if zdict is not None else None
    for start in range(0, len(files), BATCH):
        ready = [p for p in (_prepare(f, do_redact, salt, result, form) for f in files[start:start + BATCH]) if p]
        if ready and primed is None:
            primed = _compressor(fleet_db.retry(lambda: _dictionary_tx(db, ready[0][3])))
        ready = [(path, slim, digest, _compress(canonical, primed)) for path, slim, digest, canonical in ready]
        stored, dupes, failed = fleet_db.retry(lambda: _write_batch(db, ready, now))
        result.stored += stored
        result.duplicates += dupes
        result.skipped += failed
    return result


def _salt_tx(db: sqlite3.Connection) -> str:
    with fleet_db.immediate(db):
        return _salt(db)


#: What SQLite refuses of a validated report (a value it can't bind, a constraint): that report is
#: named and skipped. UnicodeEncodeError: JSON may spell a lone surrogate ("\ud800"), which Python
#: reads into a string UTF-8 can't encode; it used to end the whole ingest as an internal error.
_REFUSED = (sqlite3.IntegrityError, sqlite3.InterfaceError, OverflowError, UnicodeEncodeError, orjson.JSONEncodeError)

#: Each verdict packed into one character, the workloads they judge kept once per distinct list in
#: verdict_sets (#18): as rows, a fleet report read 16 verdict rows a host, 1.6 million at 100,000
#: hosts, to count a few dozen (workload, verdict) pairs. A report with a verdict outside these
#: (none passes validation today) keeps its verdicts as rows, as older inventories do.
CODES = {"runs well": "w", "runs slowly": "s", "runs with offload": "o", "does not fit": "n", "unknown": "u"}
VERDICTS = {code: verdict for verdict, code in CODES.items()}


def _packed(verdicts: list[dict]) -> tuple[str, str] | None:
    """(the judged workloads as JSON, one code per verdict in that order), or None."""
    codes = [CODES.get(v.get("verdict")) for v in verdicts]
    if None in codes:
        return None
    return orjson.dumps([[v.get("id"), v.get("name")] for v in verdicts]).decode(), "".join(codes)


def _write_batch(db: sqlite3.Connection, ready: list, now: str):
    stored, dupes, failed = [], [], []
    sets: dict[str, int] = {}  # this transaction's verdict_sets ids: a rolled-back one must not outlive it
    with fleet_db.immediate(db):
        for path, slim, digest, blob in ready:
            db.execute("SAVEPOINT one")
            added: list[str] = []
            try:
                (stored if _store_one(db, slim, digest, blob, now, sets, added) else dupes).append(path)
                db.execute("RELEASE one")
            except _REFUSED as e:
                db.execute("ROLLBACK TO one")
                db.execute("RELEASE one")
                for key in added:
                    del sets[key]
                failed.append((path, f"cannot be stored: {e}"))
    return stored, dupes, failed


def _verdict_set(db: sqlite3.Connection, workloads: str, sets: dict, added: list) -> int:
    sid = sets.get(workloads)
    if sid is None:
        db.execute("INSERT OR IGNORE INTO verdict_sets (workloads) VALUES (?)", (workloads,))
        sid = sets[workloads] = db.execute("SELECT id FROM verdict_sets WHERE workloads = ?", (workloads,)).fetchone()[0]
        added.append(workloads)
    return sid


def _utc(shown: str) -> str:
    """The fixed-width UTC form back from the one slim() keeps (checks.shown drops only '.000000'),
    without parsing the time a second time."""
    return shown if "." in shown else shown[:-1] + ".000000Z"


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _store_one(db: sqlite3.Connection, slim: dict, digest: str, blob: bytes, now: str, sets: dict,
               added: list) -> bool:
    host = slim["host"].get("hostname") or "(unknown host)"
    verdicts = slim.get("verdicts") or []
    packed = _packed(verdicts) if verdicts else None
    vset = _verdict_set(db, packed[0], sets, added) if packed else None
    gpus = slim.get("gpus", [])
    driver = next((g.get("driver_version") for g in gpus if g.get("driver_version")), None)
    torch = (slim["stack"].get("torch") or {}).get("version")
    cur = db.execute(
        "INSERT OR IGNORE INTO reports (digest, host, collected_at, ingested_at, tool_version, os, cpu_model, "
        "ram_mib, gpu_summary, driver_version, cuda_driver, torch, tier, doc, host_key, collected_utc, verdict_set, "
        "verdict_codes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (digest, host, slim["collected_at"], now, _text(slim["tool"].get("version")),
         slim["host"].get("os_release") or slim["host"].get("os"), slim["cpu"].get("model"),
         slim["memory"].get("total_mib"),
         ", ".join(g.get("name") or g.get("vendor") or "?" for g in gpus if not g.get("virtual")) or "none",
         driver, (slim["stack"].get("cuda") or {}).get("driver_version"), torch, tier(slim.get("verdicts", [])), blob,
         host_key(slim, digest), _utc(slim["collected_at"]), vset, packed[1] if packed else None))
    if cur.rowcount == 0:
        return False
    rid = cur.lastrowid
    # An empty list still costs a statement step each: most reports have no findings and no models.
    if gpus:
        db.executemany("INSERT INTO gpus VALUES (?,?,?,?,?,?,?)",
                       [(rid, g.get("index"), g.get("vendor"), g.get("name"), g.get("memory_total_mib"),
                         g.get("driver_version"), g.get("uuid")) for g in gpus])
    if slim.get("findings"):
        db.executemany("INSERT INTO findings VALUES (?,?,?,?,?)",
                       [(rid, f.get("id"), f.get("severity"), f.get("outcome"), f.get("title"))
                        for f in slim["findings"]])
    if verdicts and not packed:
        db.executemany("INSERT INTO verdicts VALUES (?,?,?,?,?)",
                       [(rid, v.get("id"), v.get("name"), v.get("verdict"), v.get("placement"))
                        for v in slim["verdicts"]])
    if slim.get("models"):
        db.executemany("INSERT INTO models VALUES (?,?,?,?)",
                       [(rid, m.get("name"), m.get("store"), m.get("verdict")) for m in slim["models"]])
    return True


LATEST = ("SELECT {columns} FROM reports r JOIN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY host_key "
           "ORDER BY collected_utc DESC, id DESC) AS rn FROM reports) WHERE rn = 1) USING (id) ORDER BY r.host, r.host_key")
#: Every column but the stored document (3 KB a report: a fleet's worth would not fit in memory).
_ROW_COLUMNS = ("id, digest, host, collected_at, ingested_at, tool_version, os, cpu_model, ram_mib, gpu_summary, "
                "driver_version, cuda_driver, torch, tier, host_key, collected_utc")


def latest(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """Each host's newest report, by its UTC time (text order of the normalised form is time order);
    the stored documents stay in the database (latest_docs streams them)."""
    db.row_factory = sqlite3.Row
    return db.execute(LATEST.format(columns=", ".join("r." + c.strip() for c in _ROW_COLUMNS.split(",")))).fetchall()


def latest_docs(db: sqlite3.Connection):
    """(row, document) for each host's newest report, one at a time: memory stays flat at any fleet size."""
    # In host order without dragging every document through the sort, and in one query rather than
    # one per host (#18): the order into a temporary table first, then the documents along it.
    for statement in ("DROP TABLE IF EXISTS temp.latest_docs_order",
                      "CREATE TEMP TABLE latest_docs_order (pos INTEGER PRIMARY KEY, id INTEGER NOT NULL)"):
        db.execute(statement)
    db.execute("INSERT INTO temp.latest_docs_order (id) " + LATEST.format(columns="r.id"))
    zdict = dictionary(db)
    cur = db.cursor()
    cur.row_factory = sqlite3.Row
    for row in cur.execute("SELECT r.id, r.host, r.host_key, r.collected_at, r.doc FROM temp.latest_docs_order l "
                           "JOIN reports r ON r.id = l.id ORDER BY l.pos"):
        yield row, load_doc(row, zdict)
