import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from referencing import Registry, Resource


FIXTURES = Path(__file__).parent / "fixtures"
_SCHEMAS = Path(__file__).parent.parent / "readiness" / "schema"
FACTS_SCHEMA = json.loads((_SCHEMAS / "facts.schema.json").read_text())
REPORT_SCHEMA = json.loads((_SCHEMAS / "report.schema.json").read_text())
_REGISTRY = Registry().with_resources([(FACTS_SCHEMA["$id"], Resource.from_contents(FACTS_SCHEMA))])


def validate(facts: dict) -> dict:
    """A facts document (what gather returns, ``facts`` in a report) against the shipped schema."""
    jsonschema.validate(facts, FACTS_SCHEMA)
    return facts


def validate_report(report: dict) -> dict:
    """A whole report (``check --json``, schema 2) against the shipped schema."""
    jsonschema.Draft202012Validator(REPORT_SCHEMA, registry=_REGISTRY).validate(report)
    return report


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run the CLI in an empty folder; returns click's Result (exit_code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    # The terminal summary fits its lines to the terminal's width; tests read whole lines, so they
    # fix the width rather than inherit it (pytest-xdist workers see an 80-column fallback).
    monkeypatch.setenv("COLUMNS", "100")

    def _run(*args):
        # Drive readiness.cli.main, which decides exit codes, the way the console script does.
        return CliRunner().invoke(_Main(), list(args), catch_exceptions=False)

    return _run


class _Main:
    """Adapter so CliRunner drives readiness.cli.main (which maps errors to exit codes)."""

    name = "readiness"

    def main(self, args=None, prog_name=None, **extra):
        from readiness.cli import main

        main(list(args or []))


def report_from(*paths, run, args=()) -> dict:
    """The whole schema-2 report of `check --json --from PATHS`, validated."""
    result = run("check", "--json", *args, "--from", *[str(p) for p in paths])
    assert result.exit_code == 0, result.output
    return validate_report(json.loads(result.stdout))


def assumptions_of(report: dict, verdict: dict) -> list[str]:
    """Everything a verdict assumed: its own, and what the report states once for its kind and for all."""
    shared = report["judgments"].get("assumptions") or {}
    return [*verdict["assumptions"], *shared.get(verdict["kind"], []), *shared.get("all", [])]


AMD = FIXTURES / "amd"
APPLE = FIXTURES / "apple"
WIN = FIXTURES / "windows"
INTEL = FIXTURES / "intel"


def gpus(run, *paths) -> list[dict]:
    """The GPU list `check --from PATHS` finds."""
    return facts_from(*paths, run=run)["gpus"]


def facts_from(*paths, run=None) -> dict:
    """The facts document `check --from PATHS` reports, validated: read through the same recogniser
    and assembly as the CLI but without judging it, so a parser test costs the parse, not a whole
    check (issue 13). The CLI's own wiring of --from is tested by report_from's callers."""
    from readiness import jsonout, pipeline
    from readiness.cli import _options
    from readiness.host import replay
    from readiness.probes import registry

    host, found = replay.load([str(p) for p in paths], registry.detectors())
    assert found.used, f"nothing read from {paths}: {found.ignored}"
    host.options = _options(processes=False, python_path=None, no_torch=False)  # check's defaults
    return validate(json.loads(jsonout.dumps(pipeline.gather(host))))


@pytest.fixture(autouse=True)
def _own_bench_cache(tmp_path, monkeypatch):
    """Every test gets an empty bench cache: a `readiness bench` run on the developer's machine
    must not change what a test's live check estimates."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "bench-cache"))
