"""Fleet views: tiers, who can run what, stack problems by frequency, GPU inventory, stale hosts,
changes between a host's last two reports; and policy checks (fleet require).

The host table is never held whole (#18: 100,000 hosts' rows were 300 MB): the view keeps the
counts, and its ``rows`` read the database one row at a time each time they are iterated; the
HTML and the CSV are written as they are made (html_chunks, csv_chunks)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import sqlite3
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

from readiness import jsonout, sanitize
from readiness.errors import ReadinessError
from readiness.fleet import store

#: Stale hosts and changes named in the page (the page says how many there are in all).
STALE_SHOWN, CHANGES_SHOWN = 200, 500
#: Host rows per chunk of the page's inline data and of the CSV.
_CHUNK_ROWS = 1000


def _utc_text(t: datetime) -> str:
    """A time in the stored normalised form, whose text order is time order (no parsing per host)."""
    t = t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _cursor(db):
    """A cursor that yields plain tuples (store.latest may have set sqlite3.Row on the connection)."""
    cur = db.cursor()
    cur.row_factory = None
    return cur


def _latest_table(db) -> str:
    """Each host's newest report id, in host order (pos), in a temporary table: every count of the
    view and every row of its table are read against this one set, so an ingest running meanwhile
    can't make the rows disagree with the counts. Returns the table's token (see Rows)."""
    token = secrets.token_hex(8)
    for statement in ("DROP TABLE IF EXISTS temp.latest_hosts", "DROP TABLE IF EXISTS temp.latest_token",
                      "CREATE TEMP TABLE latest_hosts (pos INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE)",
                      "CREATE TEMP TABLE latest_token (token TEXT NOT NULL)"):
        db.execute(statement)
    db.execute("INSERT INTO temp.latest_token VALUES (?)", (token,))
    # INSERT … SELECT … ORDER BY numbers the rows in that order: the table is read back by pos, no sort.
    db.execute("INSERT INTO temp.latest_hosts (id) " + store.LATEST.format(columns="r.id"))
    return token


_IN_LATEST = "IN (SELECT id FROM temp.latest_hosts)"


def build(db, stale_days: int = 30, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    token = _latest_table(db)
    cur = _cursor(db)
    hosts = cur.execute("SELECT COUNT(*) FROM temp.latest_hosts").fetchone()[0]
    tiers = dict(cur.execute(f"SELECT tier, COUNT(*) FROM reports WHERE id {_IN_LATEST} GROUP BY tier").fetchall())
    order = [name for name, _ in store.TIERS] + ["no local LLM", "unknown"]
    workloads: dict[str, dict] = {}
    for (wid, name, verdict), n in sorted(_verdict_counts(db).items(), key=_verdict_order):
        w = workloads.setdefault(wid, {"id": wid, "name": name, "counts": {}})
        w["counts"][verdict] = n
    # Hosts are counted by report (one latest report per machine), never by hostname: two machines
    # with one name are two hosts.
    problems = [{"rule": r, "title": t, "severity": s, "hosts": n, "examples": (ex or "").split("\x1f")[:20]}
                for r, t, s, n, ex in cur.execute(
                    "SELECT f.rule_id, f.title, f.severity, COUNT(DISTINCT f.report_id), group_concat(r.host, char(31)) "
                    "FROM findings f JOIN reports r ON r.id = f.report_id "
                    f"WHERE f.report_id {_IN_LATEST} GROUP BY f.rule_id ORDER BY COUNT(*) DESC, f.rule_id").fetchall()]
    inventory = [{"name": name or f"unknown {vendor}", "vendor": vendor, "memory_mib": mem, "count": n}
                 for name, vendor, mem, n in cur.execute(
                     f"SELECT name, vendor, MAX(memory_mib), COUNT(*) FROM gpus WHERE report_id {_IN_LATEST} "
                     "GROUP BY name, vendor ORDER BY COUNT(*) DESC, name").fetchall()]
    # A time that could not be read is stored as one that sorts first ("0000-…"): it counts as oldest.
    cutoff = _utc_text(now - timedelta(days=stale_days))
    stale_count = cur.execute("SELECT COUNT(*) FROM temp.latest_hosts l JOIN reports r ON r.id = l.id "
                              "WHERE COALESCE(r.collected_utc, '') < ?", (cutoff,)).fetchone()[0]
    stale = [{"host": h, "collected_at": at} for h, at in cur.execute(
        "SELECT r.host, r.collected_at FROM temp.latest_hosts l JOIN reports r ON r.id = l.id "
        "WHERE COALESCE(r.collected_utc, '') < ? ORDER BY l.pos LIMIT ?", (cutoff, STALE_SHOWN)).fetchall()]
    changes, changes_count = _changes(db)
    # Names only where the reports were stored unredacted (fleet ingest --redact keeps counts alone).
    models = [{"name": n, "hosts": c} for n, c in cur.execute(
        f"SELECT m.name, COUNT(DISTINCT m.report_id) FROM models m WHERE m.report_id {_IN_LATEST} "
        "AND m.name IS NOT NULL GROUP BY m.name ORDER BY COUNT(*) DESC, m.name LIMIT 50").fetchall()]
    return {"hosts": hosts, "reports": cur.execute("SELECT COUNT(*) FROM reports").fetchone()[0],
            "tiers": [{"tier": t, "hosts": tiers.get(t, 0)} for t in order if tiers.get(t)],
            "workloads": list(workloads.values()), "problems": problems, "models": models, "inventory": inventory,
            "stale": stale, "stale_count": stale_count, "stale_days": stale_days,
            "changes": changes, "changes_count": changes_count, "rows": Rows(db, token, cutoff),
            "generated_at": now.isoformat(timespec="seconds").replace("+00:00", "Z")}


def _verdict_counts(db) -> Counter:
    """(workload, name, verdict) -> hosts, over each host's latest report: from the packed codes,
    one column of codes per workload counted at C speed (#18), and from the verdict rows of the
    reports stored before the codes (or with a verdict they have no code for)."""
    cur = _cursor(db)
    counts: Counter = Counter()
    by_set: dict[int, list[str]] = defaultdict(list)
    for vset, codes in cur.execute(f"SELECT verdict_set, verdict_codes FROM reports WHERE id {_IN_LATEST} "
                                   "AND verdict_codes IS NOT NULL"):
        by_set[vset].append(codes)
    for vset, packed in by_set.items():
        row = cur.execute("SELECT workloads FROM verdict_sets WHERE id = ?", (vset,)).fetchone()
        if row is None:
            raise ReadinessError("the inventory's verdict_sets table is missing a row; the database is damaged")
        judged = json.loads(row[0])
        by_length = Counter(len(codes) for codes in packed)
        if len(by_length) != 1 or next(iter(by_length)) != len(judged):
            raise ReadinessError("the inventory's packed verdicts disagree with their workloads; the database is damaged")
        for (wid, name), column in zip(judged, zip(*packed)):
            for code, n in Counter(column).items():
                if code not in store.VERDICTS:
                    raise ReadinessError(f"the inventory holds an unknown verdict code {code!r}; the database is damaged")
                counts[(wid, name, store.VERDICTS[code])] += n
    for wid, name, verdict, n in cur.execute(
            "SELECT workload, name, verdict, COUNT(*) FROM verdicts WHERE report_id IN (SELECT l.id FROM "
            "temp.latest_hosts l JOIN reports r ON r.id = l.id WHERE r.verdict_codes IS NULL) "
            "GROUP BY workload, name, verdict"):
        counts[(wid, name, verdict)] += n
    return counts


def _verdict_order(item):
    """SQL's ORDER BY workload, name, verdict, NULL first."""
    return tuple((v is not None, v if isinstance(v, str) else "") for v in item[0])


class Rows:
    """The host table of one view, read from the database one row at a time, each time it is
    iterated (the HTML and the CSV each read it once); ``rows[i]`` and ``len(rows)`` ask the
    database too. Only while the connection's latest_hosts table is this view's: a later build on
    the same connection replaces it, and then reading an older view is an error rather than
    another view's hosts."""

    _QUERY = ("SELECT r.host, r.collected_at, r.tier, r.os, r.cpu_model, r.ram_mib, r.gpu_summary, r.driver_version, "
              "r.torch, COALESCE(r.collected_utc, '') < ?, "
              "(SELECT COUNT(*) FROM findings f WHERE f.report_id = r.id), "
              "(SELECT COUNT(*) FROM models m WHERE m.report_id = r.id) "
              "FROM temp.latest_hosts l JOIN reports r ON r.id = l.id {where} ORDER BY l.pos")

    def __init__(self, db, token: str, cutoff: str):
        self._db, self._token, self._cutoff = db, token, cutoff

    def _checked(self):
        cur = _cursor(self._db)
        try:
            current = cur.execute("SELECT token FROM temp.latest_token").fetchone()
        except sqlite3.OperationalError:  # no such table: not the connection this view was built on
            current = None
        if current is None or current[0] != self._token:
            raise ReadinessError("this fleet view's host table is gone (a later report.build on the same "
                                 "connection replaced it); build the view again")
        return cur

    def __iter__(self):
        for row in self._checked().execute(self._QUERY.format(where=""), (self._cutoff,)):
            yield self._row(row)

    def __len__(self) -> int:
        return self._checked().execute("SELECT COUNT(*) FROM temp.latest_hosts").fetchone()[0]

    def __getitem__(self, i: int) -> dict:
        n = len(self)
        if not isinstance(i, int) or not -n <= i < n:
            raise IndexError(i)
        # pos numbers the hosts in order from the first (a new table's INTEGER PRIMARY KEY, filled in order)
        where = "WHERE l.pos = (SELECT MIN(pos) FROM temp.latest_hosts) + ?"
        row = self._checked().execute(self._QUERY.format(where=where), (self._cutoff, i % n)).fetchone()
        return self._row(row)

    @staticmethod
    def _row(row) -> dict:
        host, at, tier, os_, cpu, ram, gpus, driver, torch, stale, problems, models = row
        return {"host": host, "collected_at": at, "tier": tier, "os": os_, "cpu": cpu,
                "ram_gib": round((ram or 0) / 1024, 1) if ram else None, "gpus": gpus, "driver": driver,
                "torch": torch, "stale": bool(stale), "problems": problems, "models": models}


def _changes(db) -> tuple[list[dict], int]:
    """What moved between each host's last two reports (by machine identity, in time order): the
    first CHANGES_SHOWN, and how many there are. SQL pairs each host's latest report with the one
    before it (LAG), so no per-host state is held here."""
    out, count = [], 0
    for host, at, driver, gpus, p_driver, p_gpus in _cursor(db).execute(
            "SELECT host, collected_at, driver_version, gpu_summary, p_driver, p_gpus FROM (SELECT host, host_key, "
            "collected_at, collected_utc, id, driver_version, gpu_summary, "
            "LAG(driver_version) OVER w AS p_driver, LAG(gpu_summary) OVER w AS p_gpus, LAG(id) OVER w AS p_id, "
            "ROW_NUMBER() OVER (PARTITION BY host_key ORDER BY collected_utc DESC, id DESC) AS rn "
            "FROM reports WINDOW w AS (PARTITION BY host_key ORDER BY collected_utc, id)) "
            "WHERE rn = 1 AND p_id IS NOT NULL AND (p_driver IS NOT driver_version OR p_gpus IS NOT gpu_summary) "
            "ORDER BY host, host_key, collected_utc, id"):
        for what in ([f"driver {p_driver or 'none'} → {driver or 'none'}"] if p_driver != driver else []) + \
                    ([f"GPUs {p_gpus} → {gpus}"] if p_gpus != gpus else []):
            count += 1
            if len(out) < CHANGES_SHOWN:
                out.append({"host": host, "when": at, "what": what})
    return out, count


# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A hostname like '=HYPERLINK(…)' or '@SUM(…)' stays text: a leading quote makes it inert.
    Control characters go too (a bare CR is not quoted by csv with a LF line end, and splits the row)."""
    if not isinstance(value, str):
        return value
    return ("'" if value.startswith(_FORMULA_START) else "") + sanitize.line(value)


_CSV_COLUMNS = ["host", "collected_at", "tier", "os", "cpu", "ram_gib", "gpus", "driver", "torch", "problems", "models",
                "stale"]


def csv_chunks(view: dict):
    """The host table as CSV, a thousand rows at a time (write each as it comes)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=_CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for n, r in enumerate(view["rows"], 1):
        w.writerow({k: csv_cell(r.get(k)) for k in _CSV_COLUMNS})
        if n % _CHUNK_ROWS == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def to_csv(view: dict) -> str:
    return "".join(csv_chunks(view))


def _rows_json(rows):
    """The rows as one JSON list (jsonout.dumps's bytes), a thousand at a time. Inside <script>,
    "</script>" in a hostname must not end the script: <, > and & are escaped."""
    chunk, first = [], True
    yield "["
    for r in rows:
        chunk.append(jsonout.dumps(r))
        if len(chunk) == _CHUNK_ROWS:
            yield _script_safe(("" if first else ", ") + ", ".join(chunk))
            chunk, first = [], False
    if chunk:
        yield _script_safe(("" if first else ", ") + ", ".join(chunk))
    yield "]"


def _script_safe(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html_chunks(view: dict):
    """The page, piece by piece as the template makes it (the host rows stream from the database)."""
    from readiness import __version__
    from readiness.report.html import GENERATOR, environment

    return environment().get_template("fleet.html.j2").generate(view=view, generator=GENERATOR, version=__version__,
                                                               rows_json=_rows_json(view["rows"]))


def render_html(view: dict) -> str:
    return "".join(html_chunks(view))


#: Sets of judge inputs whose judgments require_all keeps (a fleet of alike hosts needs a few).
CACHED = 20000


def require_all(db, workloads: list[dict], judge, inputs=None) -> tuple[list[dict], list[dict]]:
    """(hosts that can't run a workload well, hosts whose verdict is unknown), each per workload:
    unknown is kept apart so a policy decides it, never counted as a failure by itself.

    ``judge(facts, workload)`` is the pipeline's (fleet calls no engine itself); ``inputs(facts)``,
    where given, is the part of the facts the judge reads: hosts with equal inputs are judged once,
    on those inputs. Each host's document is read once for all the workloads."""
    # Only what an entry shows of a judgment, and for at most CACHED sets of inputs: where every host
    # differs (free RAM does), whole judgments for 100,000 hosts were 700 MB (#18).
    cache: dict[bytes, list[tuple]] = {}
    failing: list[list[dict]] = [[] for _ in workloads]
    unknown: list[list[dict]] = [[] for _ in workloads]
    for row, doc in store.latest_docs(db):
        facts = inputs(doc) if inputs else doc
        # A digest, not the text: 100,000 hosts' inputs (CPU flags and all) would be held in memory.
        signature = hashlib.sha256((json.dumps(facts, sort_keys=True) if inputs else _signature(doc)).encode()).digest()
        judged = cache.get(signature)
        if judged is None:
            judged = [(r["verdict"], r["placement"], r["why"]) for r in (judge(facts, w) for w in workloads)]
            if len(cache) >= CACHED:
                del cache[next(iter(cache))]  # the oldest first
            cache[signature] = judged
        for i, (w, (verdict, placement, why)) in enumerate(zip(workloads, judged)):
            if verdict == "runs well":
                continue
            entry = {"workload": w["id"], "host": row["host"], "collected_at": row["collected_at"],
                     "verdict": verdict, "placement": placement, "why": why}
            (unknown if verdict == "unknown" else failing)[i].append(entry)
    return [e for per in failing for e in per], [e for per in unknown for e in per]


def _signature(doc: dict) -> str:
    """Without ``inputs``: the whole of what the estimators may read (GPUs, memory, CPU, ROCm)."""
    return json.dumps([doc.get("gpus"), doc.get("memory"), doc.get("cpu"),
                       (doc.get("stack", {}).get("rocm") or {}).get("version")], sort_keys=True)
