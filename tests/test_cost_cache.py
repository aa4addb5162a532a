"""What-if costs remembered between runs (issue 18, costs/cache.py): read back only for the same
inputs, equal to working them out again, and never with --no-cache."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from readiness import costs, pipeline
from readiness.costs import Inputs, advisor, cache
from readiness.workloads import catalogue

ROOT = Path(__file__).parent.parent
PI = ROOT / "tests/fixtures/linux/raspberry-pi"


@pytest.fixture(scope="module")
def prices():
    return costs.load_prices()


def _options(prices, folder, **kw):
    return pipeline.CheckOptions(workloads=list(catalogue.builtin_workloads()), rules=[], prices=prices,
                                 cost_inputs=kw.pop("inputs", Inputs()), cost_cache=folder, **kw)


def test_a_remembered_answer_is_the_one_worked_out(prices, tmp_path):
    options = _options(prices, tmp_path)
    first = pipeline.what_if_costs(options)
    assert list((tmp_path / "costs").glob("*.json"))
    second = pipeline.what_if_costs(options)
    fresh = pipeline.what_if_costs(dataclasses.replace(options, cost_cache=None))
    assert first == second == fresh


def test_other_inputs_are_worked_out_again(prices, tmp_path, monkeypatch):
    made = []
    real = advisor.what_if
    monkeypatch.setattr(advisor, "what_if", lambda *a, **k: made.append(1) or real(*a, **k))
    pipeline.what_if_costs(_options(prices, tmp_path))
    pipeline.what_if_costs(_options(prices, tmp_path))
    assert len(made) == 1
    pipeline.what_if_costs(_options(prices, tmp_path, inputs=Inputs(hours_per_month=200)))
    pipeline.what_if_costs(_options(prices, tmp_path, all_options=True))
    cheaper = dataclasses.replace(prices, offers=[{**o, "usd_per_gpu_hour": o["usd_per_gpu_hour"] / 2}
                                                  for o in prices.offers])
    got = pipeline.what_if_costs(_options(cheaper, tmp_path))
    assert len(made) == 4
    assert got == pipeline.what_if_costs(_options(cheaper, None))


def test_a_changed_table_or_engine_file_is_a_new_key(prices, tmp_path, monkeypatch):
    ws = list(catalogue.builtin_workloads())
    before = cache.key(ws, prices, Inputs(), False)
    rows = cache._code_and_tables()
    assert any(r[0] == "data/gpus.toml" for r in rows) and any(r[0] == "workloads/llm.py" for r in rows)
    monkeypatch.setattr(cache, "_code_and_tables", lambda: [[n, size + 1, t] if n == "data/gpus.toml" else [n, size, t]
                                                           for n, size, t in rows])
    assert cache.key(ws, prices, Inputs(), False) != before


def test_check_with_and_without_the_cache_says_the_same(tmp_path):
    env_cache = tmp_path / "cache"

    def run(*args):
        import os

        env = {**os.environ, "READINESS_CACHE_DIR": str(env_cache), "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-m", "readiness", "check", "--json", "--no-torch", "--from", str(PI),
                              *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
        doc = json.loads(out.stdout)
        doc["facts"]["collected_at"] = None
        for probe in doc["facts"]["probes"]:
            probe["seconds"] = None
        return doc

    uncached = run("--no-cache")
    assert not (env_cache / "costs").exists()  # --no-cache writes nothing either
    first = run()
    assert list((env_cache / "costs").glob("*.json"))
    assert run() == first == uncached
