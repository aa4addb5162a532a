"""The house's shape (issue 13): each layer imports only from its own layer or those below it, no
import cycles between modules, and no module over 500 lines."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "readiness"

# Lowest first. A module may import from its own layer and the layers before it, never after.
LAYERS = [
    # shared ground: the version, errors, exit codes, data tables and the facts' shape
    {"readiness", "readiness.errors", "readiness.exitcodes", "readiness.versions", "readiness.data",
     "readiness.facts", "readiness.schema", "readiness.redact", "readiness.sanitize", "readiness.catalog",
     "readiness.jsonout", "readiness.outputs"},
    {"readiness.host"},  # the only code that touches the machine
    {"readiness.probes"},  # collect through the host, parse
    {"readiness.collect", "readiness.compat", "readiness.derive"},  # assembly and derivation
    {"readiness.rules", "readiness.workloads", "readiness.costs", "readiness.models", "readiness.bench"},  # engines
    # the only callers of the engines: a check, and a bench run (which probes, measures and estimates)
    {"readiness.pipeline", "readiness.bench.session"},
    {"readiness.report", "readiness.fleet"},  # view and renderers
    {"readiness.cli", "readiness.cli_options", "readiness.cli_bench", "readiness.cli_models", "readiness.cli_fleet",
     "readiness.cli_progress", "readiness.__main__"},
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    """The layer of the longest entry of LAYERS that is the module or a package above it."""
    best = None
    for i, rooms in enumerate(LAYERS):
        for r in rooms:
            # "readiness" alone is the package's __init__, not everything in it
            if (module == r or (r != "readiness" and module.startswith(r + "."))) and (best is None or len(r) > len(best[1])):
                best = (i, r)
    if best is None:
        raise AssertionError(f"{module} is in no layer: add its room to LAYERS in tests/test_structure.py")
    return best[0]


def imports(path: Path) -> set[str]:
    """readiness modules imported by a file (at any depth: lazy imports count too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("readiness"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                base = PACKAGE.parent / Path(*candidate.split("."))
                out.add(candidate if base.with_suffix(".py").exists() or base.is_dir() else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("readiness")}
    return out


FILES = sorted(PACKAGE.rglob("*.py"))
GRAPH = {module_name(f): imports(f) for f in FILES}


def test_every_module_has_a_layer():
    for module in GRAPH:
        layer_of(module)


def test_no_import_runs_up_the_layers():
    upward = [f"{m} (layer {layer_of(m)}) imports {d} (layer {layer_of(d)})"
              for m, deps in GRAPH.items() for d in deps if layer_of(d) > layer_of(m)]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    graph = defaultdict(set)
    for m, deps in GRAPH.items():
        graph[m] |= {d for d in deps if d in GRAPH and d != m}
    # A package imports its own modules lazily (registry style) without that being a cycle.
    seen, stack, cycles = set(), [], []

    def visit(m):
        if m in stack:
            cycles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for d in sorted(graph[m]):
            visit(d)
        stack.pop()

    for m in sorted(graph):
        visit(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_500_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_the_checker_sees_an_upward_import(tmp_path):
    """The check can fail: a probe importing the pipeline is caught."""
    bad = tmp_path / "readiness" / "probes" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from readiness.pipeline import check\n")
    deps = imports(bad)
    assert deps == {"readiness.pipeline"} and layer_of("readiness.pipeline") > layer_of("readiness.probes.bad")
