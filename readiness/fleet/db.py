"""Opening the inventory: only our own SQLite file, never another application's.

A file given as ``--db`` is checked before SQLite is allowed to change anything in it (WAL mode,
tables): it must be missing, empty, or a SQLite database that is ours (our application id, or the
tables of an older readiness inventory and nothing else).
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager

from readiness.errors import ReadinessError

#: PRAGMA application_id of a readiness inventory ("RDYF").
APPLICATION_ID = 0x52445946
#: Seconds a writer waits for another writer's transaction before giving up.
BUSY_SECONDS = 60
CACHE_KIB = 64 * 1024
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OUR_TABLES = {"meta", "reports", "gpus", "findings", "verdicts", "verdict_sets"}

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    host TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    tool_version TEXT,
    os TEXT, cpu_model TEXT, ram_mib INTEGER,
    gpu_summary TEXT, driver_version TEXT, cuda_driver TEXT, torch TEXT,
    tier TEXT,
    doc BLOB NOT NULL,
    host_key TEXT,
    collected_utc TEXT,
    verdict_set INTEGER,
    verdict_codes TEXT
);
CREATE TABLE IF NOT EXISTS verdict_sets (id INTEGER PRIMARY KEY, workloads TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS gpus (report_id INTEGER NOT NULL, idx INTEGER, vendor TEXT, name TEXT,
                                 memory_mib INTEGER, driver_version TEXT, uuid TEXT);
CREATE INDEX IF NOT EXISTS gpus_report ON gpus (report_id);
CREATE TABLE IF NOT EXISTS findings (report_id INTEGER NOT NULL, rule_id TEXT, severity TEXT, outcome TEXT, title TEXT);
CREATE INDEX IF NOT EXISTS findings_report ON findings (report_id);
CREATE TABLE IF NOT EXISTS verdicts (report_id INTEGER NOT NULL, workload TEXT, name TEXT, verdict TEXT, placement TEXT);
CREATE INDEX IF NOT EXISTS verdicts_report ON verdicts (report_id);
CREATE TABLE IF NOT EXISTS models (report_id INTEGER NOT NULL, name TEXT, store TEXT, verdict TEXT);
CREATE INDEX IF NOT EXISTS models_report ON models (report_id);
"""
# Made after the migration: an inventory written by an older readiness lacks these columns.
_INDEXES = """
CREATE INDEX IF NOT EXISTS reports_host_key ON reports (host_key, collected_utc);
"""


def _check_file(path: str) -> None:
    if os.path.isdir(path):
        raise ReadinessError(f"{path} is a folder, not a fleet database")
    if not os.path.exists(path):
        return
    if not os.path.isfile(path):
        raise ReadinessError(f"{path} is not a regular file; not opening it as a fleet database")
    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as e:
        raise ReadinessError(f"cannot open {path}: {e.strerror or e}") from e
    if head and head != _SQLITE_MAGIC:
        raise ReadinessError(f"{path} is not a SQLite database; not touching it",
                             hint="give --db a new file name or an inventory made by readiness fleet ingest")


def _is_ours(db: sqlite3.Connection, path: str) -> bool:
    """True for a readiness inventory, False for an empty database; refuses anything else."""
    try:
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as e:
        raise ReadinessError(f"{path} is not a readiness fleet database: {e}") from e
    if app_id == APPLICATION_ID:
        return True
    if app_id == 0 and not tables:
        return False
    if app_id == 0 and "reports" in tables and tables <= _OUR_TABLES:
        return True  # an inventory from before the application id
    raise ReadinessError(f"{path} belongs to another application; not adding tables to it",
                         hint="give --db a new file name or an inventory made by readiness fleet ingest")


def connect(path: str, create: bool = True) -> sqlite3.Connection:
    _check_file(path)
    if not create and not os.path.exists(path):
        raise ReadinessError(f"{path} does not exist", hint="readiness fleet ingest REPORT.json... first")
    try:
        db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)
        db.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        # 64 MiB of page cache, taken only as pages are read (#18): with SQLite's default 2 MB, the
        # digest and host indexes of 100,000 reports no longer fit, and every insert paged them back
        # in from the OS (ingest 66 s -> 42 s at 100,000 hosts on one core; none of it at 10,000).
        db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        ours = _is_ours(db, path)
    except sqlite3.Error as e:
        raise ReadinessError(f"cannot open {path}: {e}") from e
    try:
        retry(lambda: _prepare(db, ours))
    except sqlite3.DatabaseError as e:
        raise ReadinessError(f"{path} is not a readiness fleet database: {e}") from e
    return db


@contextmanager
def immediate(db: sqlite3.Connection):
    """One write transaction that takes the write lock at its start, so two ingests never both
    read and then fail to upgrade; anything that escapes rolls it back whole."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _prepare(db: sqlite3.Connection, ours: bool) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    with immediate(db):
        if not ours:
            _is_ours(db, "the database")  # another process may have created it meanwhile: ask again
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        _migrate(db)
        for statement in _INDEXES.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA application_id={APPLICATION_ID}")


def _migrate(db: sqlite3.Connection) -> None:
    """An inventory from an older readiness: add the identity and UTC-time columns and fill them,
    and the packed verdict columns (left empty: its reports' verdicts stay in the verdicts table)."""
    from readiness.fleet import validate

    columns = {r[1] for r in db.execute("PRAGMA table_info(reports)")}
    for name, kind in (("host_key", "TEXT"), ("collected_utc", "TEXT"), ("verdict_set", "INTEGER"),
                       ("verdict_codes", "TEXT")):
        if name not in columns:
            db.execute(f"ALTER TABLE reports ADD COLUMN {name} {kind}")
    rows = db.execute("SELECT id, host, collected_at FROM reports WHERE host_key IS NULL OR collected_utc IS NULL")
    for rid, host, at in rows.fetchall():
        try:
            utc, _ = validate.parse_time(at)
        except validate.Invalid:
            utc = "0000-00-00T00:00:00.000000Z"  # sorts first: never chosen over a readable time
        db.execute("UPDATE reports SET host_key = ?, collected_utc = ? WHERE id = ?", (f"name:{host}", utc, rid))


def retry(fn, attempts: int = 5):
    """SQLite's busy timeout covers most waits; a 'locked' that still escapes (a writer holding
    the lock longer than the timeout, or a WAL switch racing another process) is tried again."""
    for n in range(attempts):
        try:
            return fn()
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e) or n == attempts - 1:
                raise
            time.sleep(0.2 * (n + 1))
    return None
