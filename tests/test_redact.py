"""Redaction of serial numbers and UUIDs in captures.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

import json

import pytest

from conftest import APPLE


@pytest.mark.parametrize("name", ["system-profiler-hardware-text-m3-macbookpro-mac15,3-prompt.txt",
                                  "system-profiler-hardware-json-anka-vm-virtualmac2,1-chip-unknown.json"])
def test_redaction_removes_mac_serials_and_uuids(name):
    from readiness.redact import scrub

    text = (APPLE / name).read_text()
    out = scrub(text, set())
    for secret in ("FC4PK6W1J4", "B382C8B4-D4AF-594C-B235-7E700F336892", "ZNNF3941VQ",
                   "E465E3CB-0162-5E0E-9CEA-FED57C72BE74"):
        assert secret not in out
    assert ("Apple M3" in out) == ("Apple M3" in text)  # the facts that matter survive
