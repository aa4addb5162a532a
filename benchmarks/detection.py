"""How well readiness reads real outputs: the fixture corpus against its expected facts.

Run:  python benchmarks/detection.py [--batch b2] [--misses]
Each tests/fixtures/expected/**/*.toml names raw outputs (``inputs``) and the facts a person
wrote down by reading them (``[facts]``, see docs/detection.md). The inputs are read the way
``readiness check --from`` reads them; the figures are files read / files and facts right /
facts expected, over the corpus and split by batch, format and vendor. The tests
(tests/test_corpus.py) use the same comparison, one test per expected file.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
EXPECTED = FIXTURES / "expected"
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_MISSING = object()


@dataclass
class Outcome:
    """One expected file's result: which inputs were read, and each fact's produced value."""

    name: str
    batch: str
    format: str
    vendor: str
    inputs: list[str]
    pending: str | None = None
    unread: list[str] = field(default_factory=list)
    facts: list[tuple[str, object, object, bool]] = field(default_factory=list)  # key, expected, got, right

    @property
    def right(self) -> int:
        return sum(1 for *_, ok in self.facts if ok)


def expected_files() -> list[Path]:
    return sorted(EXPECTED.rglob("*.toml"))


def load_entry(path: Path) -> dict:
    with open(path, "rb") as f:
        entry = tomllib.load(f)
    for name in ("inputs", "batch", "format", "vendor", "facts"):
        if name not in entry:
            raise ValueError(f"{path}: no {name!r}")
    return entry


def lookup(doc: object, key: str) -> object:
    """The value at a dotted path with [i] list steps; ``X.length`` is len(X)."""
    steps = [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _STEP.finditer(key)]
    if steps and steps[-1] == "length":
        value = lookup(doc, key[: -len(".length")])
        return len(value) if isinstance(value, list) else _MISSING
    value = doc
    for step in steps:
        if isinstance(step, int):
            if not isinstance(value, list) or step >= len(value):
                return _MISSING
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return _MISSING
            value = value[step]
    return value


def same(expected: object, got: object) -> bool:
    if got is _MISSING or got is None:
        return False
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected is got
    if isinstance(expected, int) and isinstance(got, int):
        return expected == got
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return abs(got - expected) <= abs(expected) * 0.005
    if isinstance(expected, str) and isinstance(got, str):
        return expected.strip() == got.strip()
    if isinstance(expected, list) and isinstance(got, list):
        return len(expected) == len(got) and all(same(e, g) for e, g in zip(expected, got))
    return expected == got


def evaluate(path: Path) -> Outcome:
    from readiness.collect import gather
    from readiness.errors import ReadinessError
    from readiness.host import replay
    from readiness.probes import registry

    entry = load_entry(path)
    inputs = [str(FIXTURES / p) for p in entry["inputs"]]
    out = Outcome(str(path.relative_to(EXPECTED)), entry["batch"], entry["format"], entry["vendor"], entry["inputs"],
                  entry.get("pending"))
    try:
        host, report = replay.load(inputs, registry.detectors())
        used = {p for p, _ in report.used}
    except ReadinessError:
        host, used = None, set()
    out.unread = [p for p, full in zip(entry["inputs"], inputs) if full not in used]
    doc = gather(host) if host is not None and used else {}
    for key, want in entry["facts"].items():
        got = lookup(doc, key)
        out.facts.append((key, want, None if got is _MISSING else got, same(want, got)))
    return out


def _line(label: str, outs: list[Outcome]) -> str:
    files = len(outs)
    read = sum(1 for o in outs if not o.unread)
    facts = sum(len(o.facts) for o in outs)
    right = sum(o.right for o in outs)
    pct = f"{100 * right / facts:.1f}%" if facts else "-"
    return f"{label:<34} files {read:>3}/{files:<3} read   facts {right:>4}/{facts:<4} right ({pct})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", help="only this batch (base, b1, b2, ...)")
    ap.add_argument("--misses", action="store_true", help="list every unread file and wrong fact")
    args = ap.parse_args(argv)
    outs = [evaluate(p) for p in expected_files()]
    if args.batch:
        outs = [o for o in outs if o.batch == args.batch]
    if not outs:
        print("no expected files" + (f" in batch {args.batch}" if args.batch else ""))
        return 1
    print(_line("corpus" + (f" (batch {args.batch})" if args.batch else ""), outs))
    for title, attr in (("batch", "batch"), ("format", "format"), ("vendor", "vendor")):
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for o in outs:
            groups[getattr(o, attr)].append(o)
        print(f"\nby {title}:")
        for name in sorted(groups):
            print("  " + _line(name, groups[name]))
    if args.misses:
        print("\nmisses:")
        for o in outs:
            for p in o.unread:
                print(f"  {o.name}: {p} not read")
            for key, want, got, ok in o.facts:
                if not ok:
                    print(f"  {o.name}: {key} expected {want!r}, got {got!r}")
        pending = [o for o in outs if o.pending]
        if pending:
            print("\npending (fix belongs to other work):")
            for o in pending:
                print(f"  {o.name}: {o.pending}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
