"""The facts `check --from` makes of one hand-written paste, for the batch-variant logic tests
(tests/test_bN_variants.py): written to a file, read as --from reads it, gathered."""

from __future__ import annotations

from readiness.collect import gather
from readiness.host import replay
from readiness.probes import registry


def facts_of(tmp_path, text: str, name: str = "paste.txt") -> dict:
    path = tmp_path / name
    path.write_text(text)
    host, _ = replay.load([str(path)], registry.detectors())
    return gather(host)
