"""Files read and facts right on the new-format corpus entries (tests/fixtures/expected/newformats).

    python benchmarks/newformats_figures.py [CODE_ROOT]

CODE_ROOT: a checkout of readiness to measure (default: this one), e.g. an older commit unpacked
with `git archive COMMIT readiness | tar -x -C DIR` for the before-figure."""
from pathlib import Path
import sys, tomllib, math, re, io, contextlib
from pathlib import Path
sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[1]))
from readiness.collect import gather
from readiness.host import replay
from readiness.probes import registry
from readiness.errors import ReadinessError
F = Path(__file__).resolve().parents[1] / "tests" / "fixtures"
def at(doc, path):
    node = doc
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else (len(node) if part == "length" else node[part])
    return node
def same(e, g):
    if isinstance(e, float) and isinstance(g, (int, float)) and not isinstance(g, bool): return math.isclose(e, g, rel_tol=0.005)
    if isinstance(e, str) and isinstance(g, str): return e.strip() == g.strip()
    return type(e) is type(g) and e == g
files = read = right = total = 0
per = {}
for p in sorted((F / "expected" / "newformats").glob("*.toml")):
    spec = tomllib.loads(p.read_text()); files += 1
    try:
        host, rep = replay.load([str(F / i) for i in spec["inputs"]], registry.detectors())
        doc = gather(host); ok = bool(rep.used)
    except ReadinessError:
        doc, ok = {}, False
    read += ok
    r = 0
    for k, e in spec["facts"].items():
        try: g = at(doc, k)
        except Exception: g = None
        r += same(e, g)
    right += r; total += len(spec["facts"])
    f = per.setdefault(spec["format"], [0, 0, 0, 0]); f[0] += 1; f[1] += ok; f[2] += r; f[3] += len(spec["facts"])
print(f"files read {read}/{files}  facts right {right}/{total}")
for k, v in per.items(): print(f"  {k:12} files {v[1]}/{v[0]}  facts {v[2]}/{v[3]}")
