"""Seeded, bounded fuzzing (issue 19): mutations of the real fixtures fed to the --from recogniser
and every probe's parser, to capture replay and to fleet ingest. Nothing may escape as an
exception (exit 3), every output must be schema-valid JSON, and no run may pass its budget (a hang
bound, not a speed figure: benchmarks/fuzz.py prints those). Minimised crashers found on the way
are kept in fixtures/fuzz/ and replayed here first. All inputs are "logic" inputs."""

import json
import random
from pathlib import Path

import pytest

import fuzzing

CRASHERS = Path(__file__).parent / "fixtures" / "fuzz"


def _assert_clean(tally):
    bad = [(t, note) for t, note, _ in tally.crashers]
    assert tally.counts["escaped"] == 0 and tally.counts["invalid"] == 0 and tally.counts["slow"] == 0, bad[:10]


def test_fuzz_capture_replay():
    tally = fuzzing.Tally()
    fuzzing.fuzz_capture(tally, random.Random(19), 300)
    assert tally.counts["inputs"] == 300
    _assert_clean(tally)


def test_fuzz_fleet_ingest():
    tally = fuzzing.Tally()
    fuzzing.fuzz_fleet(tally, random.Random(19), 600)
    assert tally.counts["ok"] >= 600  # each ingest ends normally: a bad report is skipped by name
    _assert_clean(tally)


# 1,500 inputs in three seeded streams, so pytest-xdist can run them side by side (#13: the
# parser fuzz was the longest single test of the suite).
@pytest.mark.parametrize("seed", [19, 20, 21])
def test_fuzz_parsers_and_the_from_recogniser(seed):
    texts = [t for _, t in fuzzing.fixture_texts()]
    tally = fuzzing.Tally()
    fuzzing.fuzz_parsers(tally, texts, random.Random(seed), 500, stop_at_first=True)
    _assert_clean(tally)
    assert tally.counts["inputs"] == 500


@pytest.mark.parametrize("path", sorted(CRASHERS.glob("*.json")), ids=lambda p: p.stem)
def test_kept_crashers_stay_fixed(path):
    case = json.loads(path.read_text())
    outcome, doc, seconds, note = fuzzing._timed(lambda: fuzzing.parse_one(case["text"], case["key"], case["system"]))
    assert outcome in ("ok", "refused"), note
    if outcome == "ok":
        assert fuzzing._valid(doc)


def test_json_in_tries_a_bounded_number_of_starts(monkeypatch):
    # fixtures/fuzz/json-in-bracket-lines.json: every '[' line was a decode attempt, each failure
    # costing the text before it; the document that ends the text is still found after a banner
    from readiness.probes import util

    calls = []
    real = util._DECODER.raw_decode

    class Counting:
        def raw_decode(self, text, at):
            calls.append(at)
            return real(text, at)

    monkeypatch.setattr(util, "_DECODER", Counting())
    # lines that cannot open JSON are not tried at all; the document after them is found
    assert util.json_in("[o]\n" * 5000 + "[1]\n") == [1] and len(calls) == 1
    calls.clear()
    # lines that could each open one: a bounded number of tries, then unknown
    assert util.json_in("[1,\n" * 5000 + "]\n") is None
    assert len(calls) <= util._JSON_TRIES
    assert util.json_in('[root@host ~]# amd-smi static --json\n[{"gpu": 0}]\n') == [{"gpu": 0}]


def test_kept_fleet_crasher_is_ingested(tmp_path):
    # fixtures/fuzz/fleet/verdict-without-id.json: a mutated report (fuzz seed 19, the 100k run) whose
    # "runs well" verdict lost its id; ingest raised KeyError: 'id' in the fleet tier (exit 3)
    from readiness.fleet import store

    conn = store.connect(str(tmp_path / "f.sqlite"))
    result = store.ingest(conn, [str(CRASHERS / "fleet" / "verdict-without-id.json")])
    assert len(result.stored) + len(result.skipped) == 1
