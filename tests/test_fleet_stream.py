"""The fleet report streams (issue 18): its host rows are read from the database one at a time
and written as they come, never held whole; the streamed page and CSV say what the all-at-once
forms said. Report variants are "logic" inputs built on the real schema-1 fixture."""

import csv
import io
import json
from pathlib import Path

import pytest

from readiness import jsonout
from readiness.errors import ReadinessError
from readiness.fleet import report, store

FIXTURES = Path(__file__).parent / "fixtures" / "report"
BASE = json.loads((FIXTURES / "schema1" / "live-dev-machine.json").read_text())
GPU = {"index": 0, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 4090", "memory_total_mib": 24564,
       "driver_version": "550.54", "uuid": "GPU-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "virtual": False}
HOSTS = ["h-1", "h-2", "</script><b>h-3", "=h-4", "h-5&", "h-6", "h-7"]


def variant(host, machine_id, when="2026-11-01T08:00:00Z", **changes) -> dict:
    d = json.loads(json.dumps(BASE))
    d["host"]["hostname"], d["host"]["machine_id"], d["collected_at"] = host, machine_id, when
    d.update(changes)
    return d


def fleet(tmp_path, docs) -> object:
    folder = tmp_path / "r"
    folder.mkdir()
    for i, doc in enumerate(docs):
        (folder / f"{i}.json").write_text(json.dumps(doc))
    conn = store.connect(str(tmp_path / "f.sqlite"))
    assert not store.ingest(conn, [str(folder)]).skipped
    return conn


class Counting:
    """The view's rows, counting how many have been pulled out of the database so far."""

    def __init__(self, rows):
        self.rows, self.pulled = rows, []

    def __iter__(self):
        for r in self.rows:
            self.pulled.append(r["host"])
            yield r


def _held(pulled, written: str, spelled) -> list[str]:
    return [h for h in pulled if spelled(h) not in written]


@pytest.mark.parametrize("kind", ["html", "csv"])
def test_rows_are_written_as_they_are_read_never_all_held(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(report, "_CHUNK_ROWS", 2)
    conn = fleet(tmp_path, [variant(h, f"{i:032x}") for i, h in enumerate(HOSTS)])
    view = report.build(conn)
    rows = view["rows"] = Counting(view["rows"])
    if kind == "html":
        chunks, spelled = report.html_chunks(view), lambda h: report._script_safe(json.dumps(h))
    else:
        chunks, spelled = report.csv_chunks(view), report.csv_cell
    written, pulled_at = "", []
    for chunk in chunks:
        written += chunk
        # Whenever a piece goes out, every row read so far is in it or before it: none held back.
        assert not _held(rows.pulled, written, spelled)
        pulled_at.append(len(rows.pulled))
    assert sorted(rows.pulled) == sorted(HOSTS)
    # Read two at a time as the pieces went out, not all before the first one.
    assert sorted(set(pulled_at) - {0}) == [2, 4, 6, 7]


def test_the_streamed_page_and_csv_say_what_the_whole_table_said(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "_CHUNK_ROWS", 3)  # 7 rows: pieces of 3, 3 and 1 joined with ", "
    conn = fleet(tmp_path, [variant(h, f"{i:032x}") for i, h in enumerate(HOSTS)])
    view = report.build(conn)
    whole = list(view["rows"])
    assert [r["host"] for r in whole] == sorted(HOSTS)  # host order, as SQLite's text order
    assert list(view["rows"]) == whole  # read again from the database for the CSV: the same rows
    page = report.render_html(view)
    assert "const rows = " + report._script_safe(jsonout.dumps(whole)) + ";" in page
    assert "</script><b>" not in page.split("const rows = ")[1].split(";\n")[0]
    parsed = list(csv.DictReader(io.StringIO(report.to_csv(view))))
    assert [r["host"] for r in parsed] == [report.csv_cell(r["host"]) for r in whole]


def test_the_view_reads_rows_from_the_database_and_a_later_build_retires_it(tmp_path):
    conn = fleet(tmp_path, [variant(h, f"{i:032x}") for i, h in enumerate(HOSTS)])
    old = report.build(conn)
    assert not isinstance(old["rows"], (list, tuple))
    whole = list(old["rows"])
    assert old["hosts"] == len(whole) == len(old["rows"]) == len(HOSTS)
    # an index asks the database for that one row, in the same host order
    assert [old["rows"][i] for i in range(len(HOSTS))] == whole and old["rows"][-1] == whole[-1]
    with pytest.raises(IndexError):
        old["rows"][len(HOSTS)]
    new = report.build(conn)
    with pytest.raises(ReadinessError, match="build the view again"):
        list(old["rows"])
    with pytest.raises(ReadinessError, match="build the view again"):
        old["rows"][0]
    assert len(list(new["rows"])) == len(HOSTS)


def test_stale_hosts_are_counted_in_full_and_named_up_to_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "STALE_SHOWN", 2)
    docs = [variant(h, f"{i:032x}", when="2020-01-01T00:00:00Z" if i < 5 else "2026-11-01T00:00:00Z")
            for i, h in enumerate(HOSTS)]
    conn = fleet(tmp_path, docs)
    from datetime import datetime, timezone

    view = report.build(conn, 30, datetime(2026, 11, 2, tzinfo=timezone.utc))
    assert view["stale_count"] == 5 and len(view["stale"]) == 2
    assert sum(r["stale"] for r in view["rows"]) == 5
    page = report.render_html(view)
    assert "<p>5 hosts: " in page and ") …</p>" in page


def test_a_renamed_machine_s_change_runs_from_its_previous_report_to_its_latest(tmp_path):
    """Before the change list came from SQL, the two reports were paired in hostname order: a
    machine renamed to a name that sorts first had its change reported backwards, at the old time."""
    conn = fleet(tmp_path, [variant("zz-old-name", "9" * 32, "2026-10-01T00:00:00Z", gpus=[]),
                            variant("aa-new-name", "9" * 32, "2026-11-01T00:00:00Z", gpus=[GPU])])
    view = report.build(conn)
    assert view["changes"] == [{"host": "aa-new-name", "when": "2026-11-01T00:00:00Z",
                                "what": "driver none → 550.54"},
                               {"host": "aa-new-name", "when": "2026-11-01T00:00:00Z",
                                "what": "GPUs none → NVIDIA GeForce RTX 4090"}]
    assert view["changes_count"] == 2 and view["hosts"] == 1
