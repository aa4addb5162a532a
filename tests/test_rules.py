"""The rules engine: the closed operator set, three-valued logic, validation, and every builtin
rule against its passing and failing facts (tests/fixtures/rules/<id>.toml)."""

import json
import sys

import pytest

from conftest import FIXTURES
from readiness import compat, rules
from readiness.errors import ReadinessError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULE_FIXTURES = FIXTURES / "rules"
BUILTIN = {r.id: r for r in rules.load()}


def _nulls(value):
    if value == "__null__":
        return None
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls(v) for v in value]
    return value


def fixture(rule_id):
    with open(RULE_FIXTURES / f"{rule_id}.toml", "rb") as f:
        doc = tomllib.load(f)
    return _nulls(doc["pass"]), _nulls(doc["fail"])


def test_at_least_25_builtin_rules_each_with_fixtures():
    assert len(BUILTIN) >= 25
    assert {p.stem for p in RULE_FIXTURES.glob("*.toml")} == set(BUILTIN)


@pytest.mark.parametrize("rule_id", sorted(BUILTIN))
def test_builtin_rule_passes_and_fails_on_its_fixtures(rule_id):
    rule = BUILTIN[rule_id]
    good, bad = fixture(rule_id)
    assert rules.evaluate(rule, good)["outcome"] == "pass"
    result = rules.evaluate(rule, bad)
    assert result["outcome"] == {"error": "fail", "warn": "warn", "info": "info"}[rule.severity]
    assert "(unknown)" not in result["message"], result["message"]
    assert result["fix"] and result["title"] == rule.title


def test_info_rules_never_trip_fail_on_warn():
    """An informational rule that fires is `info`: `--fail-on warn` counts warn and fail only."""
    from readiness import exitcodes

    info = [r for r in BUILTIN.values() if r.severity == "info"]
    assert info
    for rule in info:
        result = rules.evaluate(rule, fixture(rule.id)[1])
        assert result["outcome"] == "info"
        assert exitcodes.decide([result], "warn") == exitcodes.OK
    warn = next(r for r in BUILTIN.values() if r.severity == "warn")
    assert exitcodes.decide([rules.evaluate(warn, fixture(warn.id)[1])], "warn") == exitcodes.POLICY


@pytest.mark.parametrize("rule_id", sorted(BUILTIN))
def test_missing_facts_never_fail(rule_id):
    assert rules.evaluate(BUILTIN[rule_id], {})["outcome"] in ("unknown", "skip")


def test_message_quotes_the_matched_item():
    _, bad = fixture("pcie-link-narrower-than-max")
    r = rules.evaluate(BUILTIN["pcie-link-narrower-than-max"], bad)
    assert "x4 of x16" in r["message"]


# -- operators and logic ------------------------------------------------------------------------

def cond(**c):
    return rules._Eval({"a": {"v": "12.10", "n": 3, "l": [1, 2], "s": "hello", "none": None},
                        "items": [{"x": 1}, {"x": 5}]}).cond(c)


@pytest.mark.parametrize("c, expected", [
    ({"path": "a.v", "op": "version_gt", "value": "12.9"}, True),  # numbers, not strings
    ({"path": "a.v", "op": "version_lt", "value": "12.9"}, False),
    ({"path": "a.v", "op": "version_major_gt", "value": "11.8"}, True),
    ({"path": "a.n", "op": "ge", "value": 3}, True),
    ({"path": "a.n", "op": "lt", "value": 3}, False),
    ({"path": "a.l", "op": "contains", "value": 2}, True),
    ({"path": "a.s", "op": "in", "value": ["hello", "bye"]}, True),
    ({"path": "a.s", "op": "matches", "value": "^h.l"}, True),
    ({"path": "a.none", "op": "exists"}, False),
    ({"path": "a.gone", "op": "missing"}, True),
    ({"path": "a.gone", "op": "eq", "value": 1}, None),  # missing is unknown, not false
    ({"path": "a.s", "op": "lt", "value": 3}, None),  # a string is not a number: unknown
    ({"some": "items", "where": {"path": "@.x", "op": "gt", "value": 4}}, True),
    ({"every": "items", "where": {"path": "@.x", "op": "gt", "value": 4}}, False),
    ({"some": "nothing", "where": {"path": "@.x", "op": "gt", "value": 4}}, None),
    ({"all_of": [{"path": "a.n", "op": "eq", "value": 3}, {"path": "a.gone", "op": "eq", "value": 1}]}, None),
    ({"all_of": [{"path": "a.n", "op": "eq", "value": 4}, {"path": "a.gone", "op": "eq", "value": 1}]}, False),
    ({"any_of": [{"path": "a.n", "op": "eq", "value": 3}, {"path": "a.gone", "op": "eq", "value": 1}]}, True),
    ({"not": {"path": "a.gone", "op": "eq", "value": 1}}, None),
])
def test_operators_are_typed_and_three_valued(c, expected):
    assert cond(**c) is expected


def test_strings_in_rules_are_never_evaluated():
    c = {"path": "a.s", "op": "eq", "value": "__import__('os').system('false')"}
    assert cond(**c) is False


RULE = '[[rule]]\nid = "{id}"\ntitle = "t"\nseverity = "{sev}"\nwhen = {when}\nmessage = "m"\nfix = "f"\n'


@pytest.mark.parametrize("body, words", [
    (RULE.format(id="Bad_Id", sev="warn", when='{ path = "a", op = "exists" }'), "rule Bad_Id: key 'id'"),
    (RULE.format(id="r1", sev="fatal", when='{ path = "a", op = "exists" }'), "rule r1: key 'severity'"),
    (RULE.format(id="r1", sev="warn", when='{ path = "a", op = "exec" }'), "rule r1: key when.op: unknown operator"),
    (RULE.format(id="r1", sev="warn", when='{ path = "a", op = "lt", value = "x" }'), "rule r1: key when.value"),
    (RULE.format(id="r1", sev="warn", when='{ path = "a", op = "version_lt", value = "new" }'), "needs a version"),
    (RULE.format(id="r1", sev="warn", when='{ path = "a", op = "exists", value = 1 }'), "takes no value"),
    (RULE.format(id="r1", sev="warn", when='{ all_of = [] }'), "rule r1: key when.all_of"),
    (RULE.format(id="r1", sev="warn", when='{ some = "gpus" }'), "needs a 'where'"),
    ('[[rule]]\nid = "r1"\ntitle = "t"\nseverity = "warn"\nmessage = "m"\nfix = "f"\n', "rule r1: key 'when'"),
    (RULE.format(id="r1", sev="warn", when='{ path = "a", op = "exists" }') + 'colour = "red"\n', "unknown key 'colour'"),
    ("[[rule]\n", "not valid TOML"),
])
def test_rule_files_are_validated_naming_file_rule_and_key(tmp_path, body, words):
    path = tmp_path / "mine.toml"
    path.write_text(body)
    with pytest.raises(ReadinessError) as e:
        rules.load_file(path)
    assert words in e.value.message and "mine.toml" in e.value.message


# -- derived facts --------------------------------------------------------------------------

@pytest.mark.parametrize("arch_list, cc, unsupported", [
    (["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"], "12.0", [0]),  # Blackwell, torch < 2.7
    (["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"], "12.0", []),
    (["sm_80", "compute_80"], "9.0", []),  # PTX is JIT-compiled for newer GPUs
    (["sm_80"], "8.6", []),  # a cubin runs on later minors of its major
    (["sm_50", "sm_60", "sm_70"], "3.5", [0]),  # Kepler with a modern torch
])
def test_torch_arch_coverage(arch_list, cc, unsupported):
    gpus = [{"index": 0, "vendor": "nvidia", "compute_capability": cc}]
    assert compat.torch_unsupported_gpus(arch_list, gpus) == unsupported


@pytest.mark.parametrize("driver, url", [("12.4", "cu124"), ("12.5", "cu124"), ("13.1", "cu130"), ("12.9", "cu128"),
                                         ("11.7", None), (None, None)])
def test_torch_index_for_a_driver(driver, url):
    got = compat.torch_index_url(driver)
    assert (got.rsplit("/", 1)[-1] if got else None) == url


# -- CLI --------------------------------------------------------------------------------------

def test_rules_list_and_explain(run):
    listed = run("rules", "list")
    assert listed.exit_code == 0 and "torch-cpu-build-with-nvidia-gpu" in listed.stdout
    explained = run("rules", "explain", "gpu-ecc-errors")
    assert explained.exit_code == 0 and "problem when" in explained.stdout and "fix:" in explained.stdout
    assert run("rules", "explain", "no-such-rule").exit_code == 2


def test_check_json_has_findings_and_checks(run):
    from conftest import validate_report

    judged = validate_report(json.loads(run("check", "--json", "--no-torch").stdout))["judgments"]
    assert {c["id"] for c in judged["checks"]} == set(BUILTIN)
    assert all(f["outcome"] in ("info", "warn", "fail") for f in judged["findings"])
    # a finding is exactly a check that fired, with its severity as the outcome
    fired = {c["id"] for c in judged["checks"] if c["outcome"] in ("info", "warn", "fail")}
    assert {f["id"] for f in judged["findings"]} == fired


def test_user_rule_and_fail_on(run, tmp_path):
    mine = tmp_path / "policy.toml"
    mine.write_text('[[rule]]\nid = "needs-64-gib"\ntitle = "Workstations need 64 GiB of RAM"\nseverity = "warn"\n'
                    'when = { path = "memory.total_mib", op = "lt", value = 65536 }\n'
                    'message = "only {memory.total_mib} MiB"\nfix = "order more RAM"\n')
    warn = run("check", "--json", "--no-torch", "--rules", str(mine), "--fail-on", "warn")
    assert warn.exit_code == 1
    finding = next(f for f in json.loads(warn.stdout)["judgments"]["findings"] if f["id"] == "needs-64-gib")
    assert finding["message"].startswith("only ") and finding["outcome"] == "warn"
    assert run("check", "--json", "--no-torch", "--rules", str(mine), "--fail-on", "error").exit_code == 0
    assert run("check", "--json", "--no-torch", "--fail-on", "sometimes").exit_code == 2
