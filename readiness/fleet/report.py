"""Fleet views: tiers, who can run what, stack problems by frequency, GPU inventory, stale hosts,
changes between a host's last two reports; and policy checks (fleet require)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import datetime, timedelta, timezone

from readiness import jsonout
from readiness.fleet import store


def _when(row) -> datetime:
    """A report's time from its normalised UTC column; one that could not be read counts as oldest."""
    try:
        return datetime.strptime(row["collected_utc"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)


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
    problems = [{"rule": r, "title": t, "severity": s, "hosts": n, "examples": (ex or "").split("\x1f")[:20]}
                for r, t, s, n, ex in db.execute(
                    "SELECT f.rule_id, f.title, f.severity, COUNT(DISTINCT r.host), group_concat(r.host, char(31)) "
                    "FROM findings f JOIN reports r ON r.id = f.report_id "
                    "WHERE f.report_id IN (SELECT id FROM latest_ids) GROUP BY f.rule_id ORDER BY COUNT(*) DESC, f.rule_id")]
    inventory = [{"name": name or f"unknown {vendor}", "vendor": vendor, "memory_mib": mem, "count": n}
                 for name, vendor, mem, n in db.execute(
                     "SELECT name, vendor, MAX(memory_mib), COUNT(*) FROM gpus WHERE report_id IN "
                     "(SELECT id FROM latest_ids) GROUP BY name, vendor ORDER BY COUNT(*) DESC, name")]
    cutoff = now - timedelta(days=stale_days)
    stale = [{"host": h["host"], "collected_at": h["collected_at"]} for h in hosts if _when(h) < cutoff]
    changes = _changes(db)
    rows = [{"host": h["host"], "collected_at": h["collected_at"], "tier": h["tier"], "os": h["os"],
             "cpu": h["cpu_model"], "ram_gib": round((h["ram_mib"] or 0) / 1024, 1) if h["ram_mib"] else None,
             "gpus": h["gpu_summary"], "driver": h["driver_version"], "torch": h["torch"],
             "stale": _when(h) < cutoff} for h in hosts]
    problems_by_host = Counter(h for p in problems for h in p["examples"])
    models_by_report = dict(db.execute("SELECT report_id, COUNT(*) FROM models WHERE report_id IN "
                                       "(SELECT id FROM latest_ids) GROUP BY report_id").fetchall())
    for r, h in zip(rows, hosts):
        r["problems"] = problems_by_host.get(r["host"], 0)
        r["models"] = models_by_report.get(h["id"], 0)
    # Names only where the reports were stored unredacted (fleet ingest --redact keeps counts alone).
    models = [{"name": n, "hosts": c} for n, c in db.execute(
        "SELECT m.name, COUNT(DISTINCT r.host) FROM models m JOIN reports r ON r.id = m.report_id WHERE m.report_id "
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
            "SELECT host_key, host, collected_at, driver_version, gpu_summary FROM (SELECT r.*, ROW_NUMBER() OVER "
            "(PARTITION BY host_key ORDER BY collected_utc DESC, id DESC) AS rn FROM reports r) WHERE rn <= 2 "
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


def require(db, workload: dict, judge) -> list[dict]:
    """Each host's latest facts judged for one workload by ``judge(facts, workload)`` (the
    pipeline's: fleet calls no engine itself); hosts with the same hardware judged once."""
    cache: dict[str, dict] = {}
    out = []
    for row in store.latest(db):
        doc = store.load_doc(row)
        signature = json.dumps([doc.get("gpus"), doc.get("memory", {}).get("total_mib"),
                                doc.get("memory", {}).get("available_mib"), doc.get("cpu", {}).get("model"),
                                (doc.get("stack", {}).get("rocm") or {}).get("version")], sort_keys=True)
        if signature not in cache:
            cache[signature] = judge(doc, workload)
        r = cache[signature]
        out.append({"host": row["host"], "collected_at": row["collected_at"], "verdict": r["verdict"],
                    "placement": r["placement"], "why": r["why"]})
    return out


def require_all(db, workloads: list[dict], judge) -> tuple[list[dict], list[dict]]:
    """(hosts that can't run a workload well, hosts whose verdict is unknown), each per workload:
    unknown is kept apart so a policy decides it, never counted as a failure by itself."""
    failing, unknown = [], []
    for w in workloads:
        for r in require(db, w, judge):
            if r["verdict"] == "unknown":
                unknown.append({"workload": w["id"], **r})
            elif r["verdict"] != "runs well":
                failing.append({"workload": w["id"], **r})
    return failing, unknown
