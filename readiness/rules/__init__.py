"""Rules as data: conditions over fact paths with a small closed set of typed operators.

A rule says when something is wrong (``when``), optionally when it applies at all
(``applies``), and how to fix it. Evaluation is three-valued: a missing fact makes a
condition unknown, never false, so a rule over facts we don't have answers ``unknown``,
never ``fail``. No code is evaluated from rule files. The language is documented in
docs/rules.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from readiness import data, versions
from readiness.errors import ReadinessError


BUILTIN = Path(__file__).with_name("builtin.toml")
SEVERITIES = ("info", "warn", "error")
OUTCOMES = ("pass", "info", "warn", "fail", "skip", "unknown")
# A rule that fires reports its severity as the outcome: an informational rule says "info", so
# `--fail-on warn` never trips on it (issue 13).
_FIRED = {"info": "info", "warn": "warn", "error": "fail"}

_MISSING = object()

# op -> the type of `value` it takes ("any" = a JSON scalar; None = no value)
OPS: dict[str, str | None] = {
    "eq": "any", "ne": "any",
    "lt": "number", "le": "number", "gt": "number", "ge": "number",
    "version_lt": "version", "version_le": "version", "version_gt": "version", "version_ge": "version",
    "version_eq": "version", "version_ne": "version", "version_major_gt": "version",
    "in": "list", "not_in": "list", "contains": "any", "matches": "regex",
    "exists": None, "missing": None, "empty": None, "nonempty": None,
}
_LOGIC = ("all_of", "any_of", "not", "some", "every")
_RULE_KEYS = {"id": str, "title": str, "severity": str, "when": dict, "message": str, "fix": str}
_OPTIONAL_KEYS = {"applies": dict, "reference": str, "tags": list}


@dataclass(frozen=True)
class Rule:
    """One rule: when it applies, what it says and the fix it gives."""

    id: str
    title: str
    severity: str
    when: dict
    message: str
    fix: str
    applies: dict | None = None
    reference: str | None = None
    source: str = "builtin"


# -- facts access --------------------------------------------------------------------------------

def lookup(root: Any, path: str, item: Any = _MISSING) -> Any:
    """A dotted path into the facts. "@.x" reads the current list item, "$.x" the root explicitly."""
    if path.startswith("@."):
        if item is _MISSING:
            return _MISSING
        node, path = item, path[2:]
    else:
        node = root
        path = path[2:] if path.startswith("$.") else path
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part, _MISSING)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


# -- evaluation (True / False / None = unknown) -----------------------------------------------

def _and(values):
    values = list(values)
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values):
    values = list(values)
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _leaf(actual: Any, op: str, expected: Any) -> bool | None:
    if op == "exists":
        return actual is not _MISSING and actual is not None
    if op == "missing":
        return actual is _MISSING or actual is None
    if actual is _MISSING or actual is None:
        return None
    if op == "empty":
        return len(actual) == 0 if isinstance(actual, (list, dict, str)) else None
    if op == "nonempty":
        return len(actual) > 0 if isinstance(actual, (list, dict, str)) else None
    if expected is _MISSING or expected is None:
        return None
    if op in ("eq", "ne"):
        return (actual == expected) if op == "eq" else (actual != expected)
    if op in ("lt", "le", "gt", "ge"):
        if isinstance(actual, bool) or not isinstance(actual, (int, float)) or not isinstance(expected, (int, float)):
            return None
        return {"lt": actual < expected, "le": actual <= expected, "gt": actual > expected, "ge": actual >= expected}[op]
    if op.startswith("version_"):
        if op == "version_major_gt":
            a, b = versions.parse(str(actual)), versions.parse(str(expected))
            return None if not a or not b else a[0] > b[0]
        cmp = versions.compare(str(actual), str(expected))
        if cmp is None:
            return None
        return {"version_lt": cmp < 0, "version_le": cmp <= 0, "version_gt": cmp > 0, "version_ge": cmp >= 0,
                "version_eq": cmp == 0, "version_ne": cmp != 0}[op]
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "contains":
        if isinstance(actual, (list, dict)):
            return expected in actual
        return str(expected) in str(actual)
    if op == "matches":
        return re.search(expected, str(actual)) is not None
    raise ValueError(op)  # validated away


class _Eval:
    def __init__(self, facts: dict):
        self.facts = facts
        self.matched: list[Any] = []  # items that made a `some` true, for messages

    def cond(self, c: dict, item: Any = _MISSING) -> bool | None:
        if "all_of" in c:
            return _and(self.cond(x, item) for x in c["all_of"])
        if "any_of" in c:
            return _or(self.cond(x, item) for x in c["any_of"])
        if "not" in c:
            v = self.cond(c["not"], item)
            return None if v is None else not v
        if "some" in c or "every" in c:
            items = lookup(self.facts, c.get("some") or c.get("every"), item)
            if items is _MISSING or items is None:
                return None
            if not isinstance(items, list):
                items = list(items.values()) if isinstance(items, dict) else []
            results = [(self.cond(c["where"], x), x) for x in items]
            if "some" in c:
                hits = [x for v, x in results if v is True]
                if hits:
                    self.matched.extend(hits)
                return _or(v for v, _ in results)
            return _and(v for v, _ in results)
        actual = lookup(self.facts, c["path"], item)
        expected = lookup(self.facts, c["value_path"], item) if "value_path" in c else c.get("value")
        return _leaf(actual, c["op"], expected)


def render(template: str, facts: dict, item: Any = _MISSING) -> str:
    """Replace {path} (and {@.path} for the matched item) with fact values; unknown ones say so."""
    def sub(m: re.Match) -> str:
        value = lookup(facts, m.group(1), item)
        if value is _MISSING or value is None:
            return "(unknown)"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    return re.sub(r"\{([@$]?\.?[A-Za-z0-9_.\-]+)\}", sub, template)


def evaluate(rule: Rule, facts: dict) -> dict:
    pre = _Eval(facts)
    if rule.applies is not None:
        applies = pre.cond(rule.applies)
        if applies is False:
            return _result(rule, "skip", facts)
        if applies is None:
            return _result(rule, "unknown", facts)
    ev = _Eval(facts)
    problem = ev.cond(rule.when)
    if problem is None:
        return _result(rule, "unknown", facts)
    if problem is False:
        return _result(rule, "pass", facts)
    # Messages quote the item that showed the problem, or else the one that made the rule apply.
    matched = ev.matched or pre.matched
    item = matched[0] if matched else _MISSING
    return _result(rule, _FIRED[rule.severity], facts, item)


def _result(rule: Rule, outcome: str, facts: dict, item: Any = _MISSING) -> dict:
    problem = outcome in ("info", "warn", "fail")
    return {"id": rule.id, "severity": rule.severity, "outcome": outcome, "title": rule.title,
            "message": render(rule.message, facts, item) if problem else None,
            "fix": render(rule.fix, facts, item) if problem else None, "reference": rule.reference}


def run(rules: list[Rule], facts: dict) -> list[dict]:
    return [evaluate(r, facts) for r in rules]


# -- loading and validation -------------------------------------------------------------------

def _check_cond(c: Any, where: str) -> None:
    if not isinstance(c, dict):
        raise ValueError(f"{where}: a condition must be a table")
    logic = [k for k in _LOGIC if k in c]
    if logic:
        k = logic[0]
        allowed = {k, "where"} if k in ("some", "every") else {k}
        extra = set(c) - allowed
        if extra:
            raise ValueError(f"{where}: unexpected key {sorted(extra)[0]!r} beside {k!r}")
        if k in ("all_of", "any_of"):
            if not isinstance(c[k], list) or not c[k]:
                raise ValueError(f"{where}.{k}: must be a non-empty list of conditions")
            for i, x in enumerate(c[k]):
                _check_cond(x, f"{where}.{k}[{i}]")
        elif k == "not":
            _check_cond(c[k], f"{where}.not")
        else:
            if not isinstance(c[k], str):
                raise ValueError(f"{where}.{k}: must be a fact path (a string)")
            if "where" not in c:
                raise ValueError(f"{where}: {k!r} needs a 'where' condition")
            _check_cond(c["where"], f"{where}.where")
        return
    if "path" not in c or "op" not in c:
        raise ValueError(f"{where}: a condition needs 'path' and 'op' (or all_of, any_of, not, some, every)")
    extra = set(c) - {"path", "op", "value", "value_path"}
    if extra:
        raise ValueError(f"{where}: unexpected key {sorted(extra)[0]!r}")
    if not isinstance(c["path"], str):
        raise ValueError(f"{where}.path: must be a string")
    op = c["op"]
    if op not in OPS:
        raise ValueError(f"{where}.op: unknown operator {op!r}; one of {', '.join(OPS)}")
    kind = OPS[op]
    has_value = "value" in c or "value_path" in c
    if kind is None and has_value:
        raise ValueError(f"{where}.value: {op!r} takes no value")
    if kind is not None and not has_value:
        raise ValueError(f"{where}.value: {op!r} needs a value (or value_path)")
    if "value" in c:
        v = c["value"]
        if kind == "number" and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ValueError(f"{where}.value: {op!r} needs a number")
        if kind == "version" and (not isinstance(v, str) or versions.parse(v) is None):
            raise ValueError(f"{where}.value: {op!r} needs a version string such as \"12.4\"")
        if kind == "list" and not isinstance(v, list):
            raise ValueError(f"{where}.value: {op!r} needs a list")
        if kind == "regex":
            try:
                re.compile(v)
            except (re.error, TypeError) as e:
                raise ValueError(f"{where}.value: not a regular expression: {e}") from e


def parse_rules(doc: dict, source: str, checked: bool = False) -> list[Rule]:
    """``checked``: the conditions already passed the full checks (the builtin rules' JSON copy is
    made only of a file that passed them): their walk against the facts schema is not redone."""
    rows = doc.get("rule")
    if not isinstance(rows, list) or not rows:
        raise ReadinessError(f"{source}: no [[rule]] tables")
    from readiness.rules import paths

    rules, seen = [], set()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ReadinessError(f"{source}: rule #{i + 1}: must be a [[rule]] table, not {row!r:.40}")
        rid = row.get("id") if isinstance(row.get("id"), str) else f"#{i + 1}"
        where = f"{source}: rule {rid}"
        for key, typ in _RULE_KEYS.items():
            if not isinstance(row.get(key), typ):
                raise ReadinessError(f"{where}: key {key!r} is missing or not a {'table' if typ is dict else typ.__name__}")
        for key, typ in _OPTIONAL_KEYS.items():
            if key in row and not isinstance(row[key], typ):
                raise ReadinessError(f"{where}: key {key!r} must be a {'table' if typ is dict else typ.__name__}")
        unknown = set(row) - set(_RULE_KEYS) - set(_OPTIONAL_KEYS)
        if unknown:
            raise ReadinessError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", row["id"]):
            raise ReadinessError(f"{where}: key 'id' must be kebab-case (lower-case words joined by '-')")
        if row["id"] in seen:
            raise ReadinessError(f"{where}: key 'id' repeats an earlier rule")
        seen.add(row["id"])
        if row["severity"] not in SEVERITIES:
            raise ReadinessError(f"{where}: key 'severity' must be one of {', '.join(SEVERITIES)}")
        for key in ("when", "applies"):
            if key in row and not checked:
                try:
                    paths.check_depth(row[key], key)
                    _check_cond(row[key], key)
                    paths.check(row[key], key)
                except ValueError as e:
                    raise ReadinessError(f"{where}: key {e}") from e
        rules.append(Rule(id=row["id"], title=row["title"], severity=row["severity"], when=row["when"],
                          message=row["message"], fix=row["fix"], applies=row.get("applies"),
                          reference=row.get("reference"), source=source))
    return rules


def _builtin() -> list[Rule]:
    """The shipped rules: checked in full when the file is parsed, then read from its JSON copy
    (data.load_shipped; issue 18: parsing and checking them cost 25 ms a run), which is made only
    of a file that passed, and made again when it or the facts schema changes."""
    schema = Path(__file__).parent.parent / "schema" / "facts.schema.json"
    made: list = []
    doc, _ = data.load_shipped(BUILTIN, lambda d: made.append(parse_rules(d, str(BUILTIN))), depends=(schema,))
    return made[0] if made else parse_rules(doc, str(BUILTIN), checked=True)


def load_file(path: str | Path) -> list[Rule]:
    return parse_rules(data.load_user_file(path), str(path))


def load(extra: tuple[str, ...] = ()) -> list[Rule]:
    """The builtin rules, then each file's; a user rule with a builtin id replaces it."""
    rules = {r.id: r for r in _builtin()}
    for path in extra:
        for r in load_file(path):
            rules[r.id] = r
    return list(rules.values())
