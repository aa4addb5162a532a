"""The real-paste corpus: every expected file under tests/fixtures/expected/ (docs/detection.md).

One test per expected file: each input is read, and every fact a person wrote down by reading
the raw output is what readiness produces. The same comparison prints the corpus figures in
benchmarks/detection.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import detection  # noqa: E402

FILES = detection.expected_files()


def test_corpus_is_not_empty():
    assert len(FILES) >= 100


def _case(path):
    # An entry whose fix belongs to other work says so in `pending`: it must fail until that lands
    # (strict), so the mark is removed as soon as the entry passes.
    pending = detection.load_entry(path).get("pending")
    marks = [pytest.mark.xfail(reason=pending, strict=True)] if pending else []
    return pytest.param(path, marks=marks, id=str(path.relative_to(detection.EXPECTED)))


@pytest.mark.parametrize("path", [_case(p) for p in FILES])
def test_expected_facts(path):
    out = detection.evaluate(path)
    assert not out.unread, f"not read: {out.unread}"
    wrong = [f"{key}: expected {want!r}, got {got!r}" for key, want, got, ok in out.facts if not ok]
    assert not wrong, "\n".join(wrong)


def test_comparison_logic():
    # logic: hand-made values, not a fixture
    assert detection.same(24564, 24564) and not detection.same(24564, 24565)
    assert detection.same(2.5, 2.51) and not detection.same(2.5, 2.6)
    assert detection.same(" H100 ", "H100") and not detection.same("H100", None)
    assert not detection.same(True, 1) and not detection.same(0, None)
    doc = {"gpus": [{"name": "a"}, {"name": "b"}], "cpu": {"model": "x"}}
    assert detection.lookup(doc, "gpus.length") == 2
    assert detection.lookup(doc, "gpus[1].name") == "b"
    assert detection.lookup(doc, "gpus[2].name") is detection._MISSING
    assert detection.lookup(doc, "cpu.model") == "x"
