"""One report file -> the slim document the inventory stores, or the reason it can't be stored.

Reads both report schemas side by side:

- schema 1 (``check --json`` before issue 13): the facts document with ``checks``, ``findings``,
  ``verdicts`` and ``costs`` appended at its top level;
- schema 2: ``{"schema_version": 2, "tool", "facts": <facts>, "judgments": {"checks", "findings",
  "verdicts", "costs"}}``.

Every value the inventory keeps is type-checked against the shipped facts schema before anything
touches the database, so a report whose ``hostname`` is a list or whose ``gpus`` hold strings is
named and skipped instead of failing half-way through a transaction.
"""

from __future__ import annotations

import functools
import json
import math
from datetime import datetime, timezone

import orjson

#: A report file larger than this is not a report (check --json is ~40 KB; with costs ~350 KB).
MAX_REPORT_BYTES = 32 * 1024 * 1024
#: Longest string kept from a report (a hostname or GPU name longer than this is hostile).
MAX_STRING = 4096
#: SQLite's INTEGER is 64-bit; a bigger number would fail at insert time, so it fails here.
MAX_INT = 2**63 - 1

_FACT_KEYS = ("schema_version", "tool", "collected_at", "host", "cpu", "memory", "disks", "gpus", "stack", "power",
              "probes")
_JUDGMENT_KEYS = ("findings", "checks", "verdicts", "models")
_MODEL_KEYS = ("name", "store", "verdict", "size_bytes")
_VERDICT_KEYS = ("id", "name", "kind", "verdict", "placement", "why")
_TYPES = {"string": str, "object": dict, "array": list, "boolean": bool, "null": type(None)}


class Invalid(Exception):
    """Why a report can't be stored (one line, shown next to the file's name)."""


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    """The facts schema, with the judgments' schemas (report.schema.json) beside its properties:
    the inventory keeps the schema-1 layout, facts and judgments side by side."""
    from importlib import resources

    def load(name: str) -> dict:
        return json.loads(resources.files("readiness.schema").joinpath(name).read_text(encoding="utf-8"))

    facts = load("facts.schema.json")
    judged = load("report.schema.json")["properties"]["judgments"]["properties"]
    props = {**facts["properties"], **{k: judged[k] for k in ("findings", "checks", "verdicts") if k in judged}}
    return {**facts, "properties": props}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse(raw: bytes) -> object:
    """JSON with a size budget; NaN/Infinity refused; nesting beyond the parser's depth is a reason."""
    if len(raw) > MAX_REPORT_BYTES:
        raise Invalid(f"larger than {MAX_REPORT_BYTES // 2**20} MiB; not a report")
    try:
        # orjson parses a report in about 40% of the standard library's time (#18: 100,000 reports
        # in a minute). What it refuses goes to the standard parser, which names the reason and
        # reads what JSON allows and orjson does not (a lone surrogate escape, UTF-16 or UTF-32
        # text). One difference stays: orjson reads an integer beyond 64 bits
        # as a float, which the checks then judge as a number instead of as an integer out of range.
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise Invalid("nested too deeply to be a report") from None
    except UnicodeDecodeError as e:
        raise Invalid(f"not UTF-8 text: {e.reason}") from None
    except ValueError as e:
        where = f" at line {e.lineno}" if hasattr(e, "lineno") else ""
        raise Invalid(f"not valid JSON (truncated?): {getattr(e, 'msg', e)}{where}") from None


def _type_ok(value, names) -> bool:
    for name in names if isinstance(names, list) else [names]:
        if name == "integer":
            if isinstance(value, int) and not isinstance(value, bool):
                return True
        elif name == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return True
        elif isinstance(value, _TYPES.get(name, ())) and not (name != "boolean" and isinstance(value, bool)):
            return True
    return False


def check(value, schema: dict, where: str) -> None:
    """Types, enums and constants as the schema states them, descending only as deep as the schema
    does (so a hostile document's depth costs nothing); missing keys are allowed (older reports
    lack newer fields) and so are unknown ones (newer reports)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        pass
    elif isinstance(value, int) and abs(value) > MAX_INT:
        raise Invalid(f"{where}: a {len(str(abs(value)))}-digit number is out of range")
    elif isinstance(value, float) and not math.isfinite(value):
        raise Invalid(f"{where}: not a finite number")
    if isinstance(value, str) and len(value) > MAX_STRING:
        raise Invalid(f"{where}: a string of {len(value)} characters is too long")
    if "type" in schema and not _type_ok(value, schema["type"]):
        raise Invalid(f"{where} should be {_describe(schema['type'])}, not {_json_type(value)}")
    if "enum" in schema and value not in schema["enum"]:
        raise Invalid(f"{where}: {str(value)[:40]!r} is not one of the known values")
    if "const" in schema and value != schema["const"]:
        raise Invalid(f"{where} should be {schema['const']!r}")
    if isinstance(value, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in value:
                check(value[key], sub, f"{where}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            check(item, schema["items"], f"{where}[{i}]")


def _describe(names) -> str:
    names = names if isinstance(names, list) else [names]
    return " or ".join("an object" if n == "object" else "a list" if n == "array" else f"a {n}" for n in names)


def _json_type(value) -> str:
    for name, typ in (("a boolean", bool), ("an integer", int), ("a number", float), ("a string", str),
                      ("a list", list), ("an object", dict)):
        if isinstance(value, typ):
            return name
    return "null"


def parse_time(value: str) -> tuple[str, bool]:
    """Any ISO 8601 spelling (Z or an offset, 'T' or a space, fractions) -> (UTC, fixed width,
    microseconds: so that text order is time order), and whether it had no zone (taken as UTC)."""
    try:
        t = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except (ValueError, TypeError):
        raise Invalid(f"collected_at {str(value)[:40]!r} is not an ISO 8601 time") from None
    naive = t.tzinfo is None
    t = t.replace(tzinfo=timezone.utc) if naive else t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), naive


def shown(utc: str) -> str:
    """The normalised time as reports spell it: seconds, Z; fractions only when there are any."""
    return utc.replace(".000000Z", "Z")


def split(doc) -> tuple[dict, dict]:
    """(facts, judgments) of a schema 1 or schema 2 report."""
    if not isinstance(doc, dict):
        raise Invalid("not a JSON object")
    version = doc.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise Invalid("missing or malformed 'schema_version'")
    if version == 1:
        return doc, doc
    if version == 2:
        facts, judgments = doc.get("facts"), doc.get("judgments")
        if not isinstance(facts, dict):
            raise Invalid("schema 2 report without a 'facts' object")
        if judgments is None:
            judgments = {}
        if not isinstance(judgments, dict):
            raise Invalid("'judgments' should be an object")
        return facts, judgments
    raise Invalid(f"unknown schema_version {version} (this readiness reads versions 1 and 2)")


def slim(doc) -> tuple[dict, list[str]]:
    """The stored form of a report (the schema-1 layout, without costs and long assumption lists),
    validated, with collected_at normalised; and notes to tell the user."""
    facts, judgments = split(doc)
    props = _schema()["properties"]
    tool = doc.get("tool") if isinstance(doc.get("tool"), dict) else facts.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != "readiness":
        raise Invalid("not a readiness report")
    out: dict = {"schema_version": 1, "tool": tool}
    for key in _FACT_KEYS[2:]:
        if key in facts:
            out[key] = facts[key]
    for key, typ in (("host", dict), ("cpu", dict), ("memory", dict), ("gpus", list), ("stack", dict),
                     ("probes", list)):
        if not isinstance(out.get(key), typ):
            raise Invalid(f"missing or malformed {key!r}")
    if not isinstance(facts.get("collected_at"), str):
        raise Invalid("missing or malformed 'collected_at'")
    for key in _JUDGMENT_KEYS:
        value = judgments.get(key)
        if value is None:
            continue
        if not isinstance(value, list):
            raise Invalid(f"{key} should be a list, not {_json_type(value)}")
        if key in ("verdicts", "models"):
            if not all(isinstance(v, dict) for v in value):
                raise Invalid(f"{key} should hold objects")
            keep = _VERDICT_KEYS if key == "verdicts" else _MODEL_KEYS
            value = [{k: v[k] for k in keep if k in v} for v in value]
        out[key] = value
    fast = _fast()
    for key, value in out.items():
        if key in props and key != "schema_version" and not fast[key](value):
            check(value, _schemas()[key], key)  # the slow walk names the first bad value
    notes = []
    utc, naive = parse_time(facts["collected_at"])
    out["collected_at"] = shown(utc)
    if naive:
        notes.append(f"collected_at {facts['collected_at']!r} has no time zone; taken as UTC")
    return out, notes


# Deep checks cost time per report (100,000 reports must ingest in a minute), so they go as deep
# as what the inventory and `fleet require` read: the stack's CUDA, PyTorch and ROCm sections, and
# of the probe list only its shape.
_STACK_READ = ("cuda", "torch", "rocm")


@functools.lru_cache(maxsize=1)
def _schemas() -> dict:
    return {k: _judgment_schema(k, v) for k, v in _schema()["properties"].items()}


def _judgment_schema(key: str, schema: dict) -> dict:
    """Verdicts are stored slimmed: check only the fields kept."""
    if key == "stack":
        props = schema.get("properties") or {}
        return {**schema, "properties": {k: props[k] for k in _STACK_READ if k in props}}
    if key == "probes":
        return {"type": "array", "items": {"type": "object"}}
    if key != "verdicts":
        return schema
    items = dict(schema.get("items") or {})
    items["properties"] = {k: v for k, v in (items.get("properties") or {}).items() if k in _VERDICT_KEYS}
    return {**schema, "items": items}


# --- the same checks, compiled once: one call per value, no path strings built ----------------------
# `check` walks the schema for every value and formats a path at each step; at 100,000 reports that
# walk was most of the ingest time. The compiled form answers only yes or no; a "no" runs `check`
# for the reason, so both the verdict and the message stay `check`'s. It may say "no" where `check`
# says yes (never the reverse): then `check` passes and the report is stored.

_EXACT = {"integer": (int,), "number": (int, float), "string": (str,), "object": (dict,), "array": (list,),
          "boolean": (bool,), "null": (type(None),)}
_ANY = (int, float, str, dict, list, bool, type(None))


@functools.lru_cache(maxsize=1)
def _fast() -> dict:
    return {k: _compile(v) for k, v in _schemas().items()}


def _compile(schema: dict):
    """A predicate for one schema node: json.loads gives exact types, so type() lookups stand for
    isinstance (bool apart from int comes free); a subclass falls to the slow walk. The common
    shapes (a leaf, an object of properties, a list of items) get their own lean closure."""
    names = schema.get("type", list(_EXACT))
    allowed = frozenset(t for n in (names if isinstance(names, list) else [names]) for t in _EXACT.get(n, ()))
    if "type" not in schema:
        allowed = frozenset(_ANY)
    props = tuple((k, _compile(v)) for k, v in (schema.get("properties") or {}).items()) if dict in allowed else ()
    items = _compile(schema["items"]) if list in allowed and isinstance(schema.get("items"), dict) else None
    if "enum" in schema or "const" in schema:
        return _with_values(_shape(allowed, (), None), schema)
    return _shape(allowed, props, items)


def _with_values(inner, schema: dict):
    enum, const = schema.get("enum"), schema.get("const", _MISSING)
    has_enum, has_const = "enum" in schema, "const" in schema

    def ok(value) -> bool:
        if has_enum and value not in enum or has_const and value != const:
            return False
        return inner(value)

    if schema.get("properties") or schema.get("items"):
        return _fallback  # no such node in the schema today: let the slow walk judge it
    return ok


def _fallback(value) -> bool:
    return False


def _shape(allowed: frozenset, props: tuple, items):
    max_int, max_string, isfinite, missing = MAX_INT, MAX_STRING, math.isfinite, _MISSING
    str_ok, int_ok, float_ok = str in allowed, int in allowed, float in allowed
    none_ok = type(None) in allowed

    def leaf(value) -> bool:
        if value is None:
            return none_ok
        t = type(value)
        if t is str:
            return str_ok and len(value) <= max_string
        if t is int:
            return int_ok and -max_int <= value <= max_int
        if t is float:
            return float_ok and isfinite(value)
        return t in allowed

    def obj(value) -> bool:
        if type(value) is not dict:
            return leaf(value)
        get = value.get
        for key, sub in props:
            v = get(key, missing)
            if v is not missing and not sub(v):
                return False
        return dict in allowed

    def array(value) -> bool:
        if type(value) is not list:
            return leaf(value)
        for v in value:
            if not items(v):
                return False
        return True

    if props and items is not None:
        return lambda value: array(value) if type(value) is list else obj(value)
    return obj if props else array if items is not None else leaf


_MISSING = object()
