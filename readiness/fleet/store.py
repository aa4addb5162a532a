"""The inventory: one row per host per report, with history, in SQLite (WAL, transactions).

Reports are stored slimmed (facts, findings and verdicts; never the bulky cost tables) and
compressed; the same report ingested twice is stored once (keyed by a digest of its content).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

from readiness.errors import ReadinessError

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
    doc BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_host ON reports (host, collected_at);
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

# The keys a report must have to be stored (the facts document, schema version 1).
_REQUIRED = {"schema_version": int, "tool": dict, "collected_at": str, "host": dict, "cpu": dict, "memory": dict,
             "gpus": list, "stack": dict, "probes": list}
_SLIM = ("schema_version", "tool", "collected_at", "host", "cpu", "memory", "disks", "gpus", "stack", "power",
         "probes", "findings", "checks", "verdicts", "models")

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


def connect(path: str) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
    except sqlite3.Error as e:
        raise ReadinessError(f"cannot open {path}: {e}") from e
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA synchronous=NORMAL")
    try:
        db.executescript(SCHEMA)
    except sqlite3.DatabaseError as e:
        raise ReadinessError(f"{path} is not a readiness fleet database: {e}") from e
    return db


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
    for m in doc.get("models") or []:
        m["name"] = None  # a model's name can say what a host is for; only the count is kept
    for g in doc.get("gpus") or []:
        if g.get("uuid"):
            g["uuid"] = pseudonym(g["uuid"], salt, "gpu")
        if g.get("serial"):
            g["serial"] = pseudonym(g["serial"], salt, "serial")
    return doc


def flatten(doc):
    """A schema-2 report (facts apart from judgments) in the inventory's flat shape, which is
    schema 1's: the facts with checks, findings and verdicts beside them. Schema 1 as it is."""
    if not isinstance(doc, dict) or doc.get("schema_version") != 2:
        return doc
    facts, judged = doc.get("facts"), doc.get("judgments")
    if not isinstance(facts, dict) or not isinstance(judged, dict):
        return {"schema_version": 2}
    flat = {**facts, "schema_version": 2, "tool": doc.get("tool")}
    for key in ("checks", "findings", "verdicts", "models"):
        if judged.get(key) is not None:
            flat[key] = judged[key]
    return flat


def validate(doc) -> str | None:
    """Why a document can't be stored, or None."""
    if not isinstance(doc, dict):
        return "not a JSON object"
    version = doc.get("schema_version")
    if isinstance(version, int) and version not in (1, 2):
        return f"unknown schema_version {version} (this readiness reads versions 1 and 2)"
    if version == 2 and "host" not in doc:
        return "a schema 2 report needs 'facts' and 'judgments' objects"
    for key, typ in _REQUIRED.items():
        if not isinstance(doc.get(key), typ):
            return f"missing or malformed {key!r}"
    if doc["tool"].get("name") != "readiness":
        return "not a readiness report"
    try:
        datetime.fromisoformat(doc["collected_at"].replace("Z", "+00:00"))
    except ValueError:
        return "collected_at is not an ISO 8601 time"
    return None


def tier(verdicts: list[dict]) -> str:
    good = {v["id"] for v in verdicts if v.get("verdict") == "runs well"}
    if not verdicts:
        return "unknown"
    unknown = {v["id"] for v in verdicts if v.get("verdict") == "unknown"}
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
        elif os.path.exists(p):
            out.append(p)
        else:
            raise ReadinessError(f"cannot read {p}: no such file or folder")
    return out


def _slim(doc: dict) -> dict:
    """What the inventory keeps: the facts, findings and verdicts (without their long assumption lists)."""
    slim = {k: doc[k] for k in _SLIM if k in doc}
    if "verdicts" in slim:
        slim["verdicts"] = [{k: v.get(k) for k in ("id", "name", "kind", "verdict", "placement", "why")}
                            for v in slim["verdicts"]]
    if "models" in slim:
        slim["models"] = [{k: m.get(k) for k in ("name", "store", "verdict", "size_bytes")} for m in slim["models"]
                          if isinstance(m, dict)]
    return slim


def ingest(db: sqlite3.Connection, paths: Iterable[str], do_redact: bool = False) -> IngestResult:
    """Store each report in one transaction, file by file, so memory stays flat for any fleet size."""
    result = IngestResult()
    salt = _salt(db) if do_redact else ""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    files = _files(paths)
    db.execute("BEGIN IMMEDIATE")
    try:
        for path in files:
            try:
                with open(path, "rb") as f:
                    raw = f.read()
                doc = flatten(json.loads(raw))
            except OSError as e:
                result.skipped.append((path, f"unreadable: {e.strerror or e}"))
                continue
            except ValueError as e:
                result.skipped.append((path, f"not valid JSON (truncated?): {getattr(e, 'msg', e)}"
                                             + (f" at line {e.lineno}" if hasattr(e, "lineno") else "")))
                continue
            why = validate(doc)
            if why:
                result.skipped.append((path, why))
                continue
            slim = _slim(doc)
            if do_redact:
                slim = redact(slim, salt)
            canonical = json.dumps(slim, sort_keys=True, separators=(",", ":")).encode()
            digest = hashlib.sha256(canonical).hexdigest()
            if _store_one(db, slim, digest, zlib.compress(canonical, 1), now):
                result.stored.append(path)
            else:
                result.duplicates.append(path)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return result


def _store_one(db: sqlite3.Connection, slim: dict, digest: str, blob: bytes, now: str) -> bool:
    host = slim["host"].get("hostname") or "(unknown host)"
    gpus = slim.get("gpus", [])
    driver = next((g.get("driver_version") for g in gpus if g.get("driver_version")), None)
    torch = (slim["stack"].get("torch") or {}).get("version")
    cur = db.execute(
        "INSERT OR IGNORE INTO reports (digest, host, collected_at, ingested_at, tool_version, os, cpu_model, "
        "ram_mib, gpu_summary, driver_version, cuda_driver, torch, tier, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (digest, host, slim["collected_at"], now, slim["tool"].get("version"),
         slim["host"].get("os_release") or slim["host"].get("os"), slim["cpu"].get("model"),
         slim["memory"].get("total_mib"),
         ", ".join(g.get("name") or g.get("vendor", "?") for g in gpus if not g.get("virtual")) or "none",
         driver, (slim["stack"].get("cuda") or {}).get("driver_version"), torch, tier(slim.get("verdicts", [])), blob))
    if cur.rowcount == 0:
        return False
    rid = cur.lastrowid
    db.executemany("INSERT INTO gpus VALUES (?,?,?,?,?,?,?)",
                   [(rid, g.get("index"), g.get("vendor"), g.get("name"), g.get("memory_total_mib"),
                     g.get("driver_version"), g.get("uuid")) for g in gpus])
    db.executemany("INSERT INTO findings VALUES (?,?,?,?,?)",
                   [(rid, f.get("id"), f.get("severity"), f.get("outcome"), f.get("title"))
                    for f in slim.get("findings", [])])
    db.executemany("INSERT INTO verdicts VALUES (?,?,?,?,?)",
                   [(rid, v.get("id"), v.get("name"), v.get("verdict"), v.get("placement"))
                    for v in slim.get("verdicts", [])])
    db.executemany("INSERT INTO models VALUES (?,?,?,?)",
                   [(rid, m.get("name"), m.get("store"), m.get("verdict")) for m in slim.get("models") or []])
    return True


def latest(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """Each host's newest report."""
    db.row_factory = sqlite3.Row
    return db.execute(
        "SELECT r.* FROM reports r JOIN (SELECT host, MAX(collected_at) AS last FROM reports GROUP BY host) m "
        "ON r.host = m.host AND r.collected_at = m.last GROUP BY r.host ORDER BY r.host").fetchall()


def load_doc(row) -> dict:
    return json.loads(zlib.decompress(row["doc"]))
