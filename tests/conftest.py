import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner


FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = json.loads((Path(__file__).parent.parent / "readiness" / "schema" / "facts.schema.json").read_text())


def validate(facts: dict) -> dict:
    jsonschema.validate(facts, SCHEMA)
    return facts


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Run the CLI in an empty folder; returns click's Result (exit_code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)

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


def facts_from(*paths, run) -> dict:
    result = run("check", "--json", "--from", *[str(p) for p in paths])
    assert result.exit_code == 0, result.output
    return validate(json.loads(result.stdout))


@pytest.fixture(autouse=True)
def _own_bench_cache(tmp_path, monkeypatch):
    """Every test gets an empty bench cache: a `readiness bench` run on the developer's machine
    must not change what a test's live check estimates."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "bench-cache"))
