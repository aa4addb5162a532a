"""Checks on a rules file beyond its shape: every fact path is one the facts schema knows (a typo
would make a rule that can never fire), conditions are nested at most MAX_DEPTH deep, and each
operator's value has the type the operator compares with."""

from __future__ import annotations

import functools
import json

#: Deeper than any sensible rule; 1,000 nested `not` would otherwise exhaust the stack.
MAX_DEPTH = 32
_LOGIC = ("all_of", "any_of", "not", "some", "every")
_SCALARS = (str, int, float, bool)


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    from importlib import resources

    return json.loads(resources.files("readiness.schema").joinpath("facts.schema.json").read_text(encoding="utf-8"))


def _step(schema: dict | None, part: str) -> tuple[bool, dict | None]:
    """(known, sub-schema) for one path part; a None schema accepts anything below it."""
    if schema is None:
        return True, None
    props = schema.get("properties")
    if isinstance(props, dict) and part in props:
        return True, props[part]
    items = schema.get("items")
    if part.isdigit() and isinstance(items, dict):
        return True, items
    extra = schema.get("additionalProperties")
    if props is None or extra not in (False, None):
        # A table of free keys (stack.packages by package name, stack.tools) or an untyped value.
        return True, extra if isinstance(extra, dict) else None
    return False, None


def resolve(path: str, item_schema: dict | None):
    """The schema at a rule path, or raise ValueError naming the first unknown part."""
    if path.startswith("@."):
        if item_schema is False:
            raise ValueError(f"{path!r}: '@.' reads the item of a 'some' or 'every'; there is none here")
        node, parts = item_schema, path[2:].split(".")
    else:
        node, parts = _schema(), (path[2:] if path.startswith("$.") else path).split(".")
    walked = []
    for part in parts:
        known, node_next = _step(node, part)
        if not known:
            at = ".".join(walked) or "the facts"
            choices = sorted((node or {}).get("properties") or {})
            hint = f"; {at} has {', '.join(choices[:12])}" if choices else ""
            raise ValueError(f"{path!r}: no fact {part!r} in {at}{hint}")
        walked.append(part)
        node = node_next
    return node


def check_depth(cond, where: str) -> None:
    """Before the loader's recursive shape check: iterative, so 1,000 nested `not` cost nothing."""
    stack = [(cond, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{where}: conditions nested more than {MAX_DEPTH} deep")
        if isinstance(node, dict):
            for key in _LOGIC + ("where",):
                sub = node.get(key)
                if isinstance(sub, dict):
                    stack.append((sub, depth + 1))
                elif isinstance(sub, list):
                    stack.extend((x, depth + 1) for x in sub)


def check(cond, where: str, item_schema=False, depth: int = 0) -> None:
    """Walks a condition before the loader does: depth first (so the loader's recursion is safe)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: conditions nested more than {MAX_DEPTH} deep")
    if not isinstance(cond, dict):
        return  # the loader names the shape error
    logic = next((k for k in _LOGIC if k in cond), None)
    if logic in ("all_of", "any_of") and isinstance(cond[logic], list):
        for i, sub in enumerate(cond[logic]):
            check(sub, f"{where}.{logic}[{i}]", item_schema, depth + 1)
    elif logic == "not":
        check(cond["not"], f"{where}.not", item_schema, depth + 1)
    elif logic in ("some", "every"):
        target = cond[logic]
        if isinstance(target, str):
            node = resolve(target, item_schema)
            items = node.get("items") if isinstance(node, dict) else None
            if isinstance(node, dict) and items is None and isinstance(node.get("additionalProperties"), dict):
                items = node["additionalProperties"]  # 'some' over a table's values
            check(cond.get("where"), f"{where}.where", items if isinstance(items, dict) else None, depth + 1)
    elif logic is None:
        for key in ("path", "value_path"):
            if isinstance(cond.get(key), str):
                try:
                    resolve(cond[key], item_schema)
                except ValueError as e:
                    raise ValueError(f"{where}.{key}: {e}") from None
        value = cond.get("value")
        if "value" in cond and cond.get("op") in ("eq", "ne", "contains") and not isinstance(value, _SCALARS):
            raise ValueError(f"{where}.value: {cond['op']!r} compares with a string, number or true/false")
        if cond.get("op") in ("in", "not_in") and isinstance(value, list) and \
                not all(isinstance(v, _SCALARS) for v in value):
            raise ValueError(f"{where}.value: {cond['op']!r} needs a list of strings, numbers or true/false")
        if cond.get("op") == "matches" and "value" in cond and not isinstance(value, str):
            raise ValueError(f"{where}.value: 'matches' needs a regular expression (a string)")
