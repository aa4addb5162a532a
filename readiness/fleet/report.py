"""Fleet views: tiers, who can run what, stack problems by frequency, GPU inventory, stale hosts,
changes between a host's last two reports; and policy checks (fleet require)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from datetime import datetime, timedelta, timezone

from readiness import jsonout
from readiness.fleet import store


def _utc_text(t: datetime) -> str:
    """A time in the stored normalised form, whose text order is time order (no parsing per host)."""
    t = t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(db, stale_days: int = 30, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    hosts = store.latest(db)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS latest_ids (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM latest_ids")
    db.executemany("INSERT INTO latest_ids VALUES (?)", [(h["id"],) for h in hosts])
    tiers = Counter(h["tier"] for h in hosts)
    order = [name for name, _ in store.TIERS] + ["no local LLM", "unknown"]
    workloads: dict[str, dict] = {}
    for wid, name, verdict, n in db.execute(
            "SELECT workload, name, verdict, COUNT(*) FROM verdicts WHERE report_id IN (SELECT id FROM latest_ids) "
            "GROUP BY workload, name, verdict ORDER BY workload"):
        w = workloads.setdefault(wid, {"id": wid, "name": name, "counts": {}})
        w["counts"][verdict] = n
    # Hosts are counted by report (one latest report per machine), never by hostname: two machines
    # with one name are two hosts.
    problems = [{"rule": r, "title": t, "severity": s, "hosts": n, "examples": (ex or "").split("\x1f")[:20]}
                for r, t, s, n, ex in db.execute(
                    "SELECT f.rule_id, f.title, f.severity, COUNT(DISTINCT f.report_id), group_concat(r.host, char(31)) "
                    "FROM findings f JOIN reports r ON r.id = f.report_id "
                    "WHERE f.report_id IN (SELECT id FROM latest_ids) GROUP BY f.rule_id ORDER BY COUNT(*) DESC, f.rule_id")]
    inventory = [{"name": name or f"unknown {vendor}", "vendor": vendor, "memory_mib": mem, "count": n}
                 for name, vendor, mem, n in db.execute(
                     "SELECT name, vendor, MAX(memory_mib), COUNT(*) FROM gpus WHERE report_id IN "
                     "(SELECT id FROM latest_ids) GROUP BY name, vendor ORDER BY COUNT(*) DESC, name")]
    # A time that could not be read is stored as one that sorts first ("0000-…"): it counts as oldest.
    cutoff = _utc_text(now - timedelta(days=stale_days))
    stale_ids = {h["id"] for h in hosts if (h["collected_utc"] or "") < cutoff}
    stale = [{"host": h["host"], "collected_at": h["collected_at"]} for h in hosts if h["id"] in stale_ids]
    changes = _changes(db)
    problems_by_report = dict(db.execute("SELECT report_id, COUNT(*) FROM findings WHERE report_id IN "
                                         "(SELECT id FROM latest_ids) GROUP BY report_id").fetchall())
    models_by_report = dict(db.execute("SELECT report_id, COUNT(*) FROM models WHERE report_id IN "
                                       "(SELECT id FROM latest_ids) GROUP BY report_id").fetchall())
    rows = [{"host": h["host"], "collected_at": h["collected_at"], "tier": h["tier"], "os": h["os"],
             "cpu": h["cpu_model"], "ram_gib": round((h["ram_mib"] or 0) / 1024, 1) if h["ram_mib"] else None,
             "gpus": h["gpu_summary"], "driver": h["driver_version"], "torch": h["torch"],
             "stale": h["id"] in stale_ids, "problems": problems_by_report.get(h["id"], 0),
             "models": models_by_report.get(h["id"], 0)} for h in hosts]
    # Names only where the reports were stored unredacted (fleet ingest --redact keeps counts alone).
    models = [{"name": n, "hosts": c} for n, c in db.execute(
        "SELECT m.name, COUNT(DISTINCT m.report_id) FROM models m WHERE m.report_id "
        "IN (SELECT id FROM latest_ids) AND m.name IS NOT NULL GROUP BY m.name ORDER BY COUNT(*) DESC, m.name LIMIT 50")]
    return {"hosts": len(hosts), "reports": db.execute("SELECT COUNT(*) FROM reports").fetchone()[0],
            "tiers": [{"tier": t, "hosts": tiers.get(t, 0)} for t in order if tiers.get(t)],
            "workloads": list(workloads.values()), "problems": problems, "models": models, "inventory": inventory,
            "stale": stale, "stale_days": stale_days, "changes": changes, "rows": rows,
            "generated_at": now.isoformat(timespec="seconds").replace("+00:00", "Z")}


def _changes(db) -> list[dict]:
    """What moved between each host's last two reports (by machine identity, in time order)."""
    out = []
    prev: dict[str, tuple] = {}
    for key, host, at, driver, gpus in db.execute(
            "SELECT host_key, host, collected_at, driver_version, gpu_summary FROM (SELECT id, host_key, host, "
            "collected_at, collected_utc, driver_version, gpu_summary, ROW_NUMBER() OVER (PARTITION BY host_key "
            "ORDER BY collected_utc DESC, id DESC) AS rn FROM reports) WHERE rn <= 2 "
            "ORDER BY host, host_key, collected_utc, id"):
        if key in prev:
            p_at, p_driver, p_gpus = prev[key]
            if p_driver != driver:
                out.append({"host": host, "when": at, "what": f"driver {p_driver or 'none'} → {driver or 'none'}"})
            if p_gpus != gpus:
                out.append({"host": host, "when": at, "what": f"GPUs {p_gpus} → {gpus}"})
        prev[key] = (at, driver, gpus)
    return out


# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A hostname like '=HYPERLINK(…)' or '@SUM(…)' stays text: a leading quote makes it inert.
    Control characters go too (a bare CR is not quoted by csv with a LF line end, and splits the row)."""
    if not isinstance(value, str):
        return value
    from readiness import sanitize

    return ("'" if value.startswith(_FORMULA_START) else "") + sanitize.line(value)


def to_csv(view: dict) -> str:
    buf = io.StringIO()
    cols = ["host", "collected_at", "tier", "os", "cpu", "ram_gib", "gpus", "driver", "torch", "problems", "models",
            "stale"]
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in view["rows"]:
        w.writerow({k: csv_cell(r.get(k)) for k in cols})
    return buf.getvalue()


def render_html(view: dict) -> str:
    from readiness import __version__
    from readiness.report.html import GENERATOR, environment

    # Inside <script>, "</script>" in a hostname must not end the script: escape <, > and &.
    rows_json = jsonout.dumps(view["rows"]).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return environment().get_template("fleet.html.j2").render(view=view, generator=GENERATOR, version=__version__,
                                                             rows_json=rows_json)


def require_all(db, workloads: list[dict], judge, inputs=None) -> tuple[list[dict], list[dict]]:
    """(hosts that can't run a workload well, hosts whose verdict is unknown), each per workload:
    unknown is kept apart so a policy decides it, never counted as a failure by itself.

    ``judge(facts, workload)`` is the pipeline's (fleet calls no engine itself); ``inputs(facts)``,
    where given, is the part of the facts the judge reads: hosts with equal inputs are judged once,
    on those inputs. Each host's document is read once for all the workloads."""
    cache: dict[bytes, list[dict]] = {}
    failing: list[list[dict]] = [[] for _ in workloads]
    unknown: list[list[dict]] = [[] for _ in workloads]
    for row, doc in store.latest_docs(db):
        facts = inputs(doc) if inputs else doc
        # A digest, not the text: 100,000 hosts' inputs (CPU flags and all) would be held in memory.
        signature = hashlib.sha256((json.dumps(facts, sort_keys=True) if inputs else _signature(doc)).encode()).digest()
        if signature not in cache:
            cache[signature] = [judge(facts, w) for w in workloads]
        for i, (w, r) in enumerate(zip(workloads, cache[signature])):
            if r["verdict"] == "runs well":
                continue
            entry = {"workload": w["id"], "host": row["host"], "collected_at": row["collected_at"],
                     "verdict": r["verdict"], "placement": r["placement"], "why": r["why"]}
            (unknown if r["verdict"] == "unknown" else failing)[i].append(entry)
    return [e for per in failing for e in per], [e for per in unknown for e in per]


def _signature(doc: dict) -> str:
    """Without ``inputs``: the whole of what the estimators may read (GPUs, memory, CPU, ROCm)."""
    return json.dumps([doc.get("gpus"), doc.get("memory"), doc.get("cpu"),
                       (doc.get("stack", {}).get("rocm") or {}).get("version")], sort_keys=True)
