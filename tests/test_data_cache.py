"""The parsed data tables are cached as JSON in the user cache folder (issue 18): the cached copy
must never disagree with the TOML it was made from."""

import os
import sys

import pytest

import readiness.data as data

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TABLES = sorted(p.stem for p in data.DATA_DIR.glob("*.toml"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("READINESS_NO_CACHE", raising=False)
    data.load.cache_clear()
    yield tmp_path
    data.load.cache_clear()


@pytest.mark.parametrize("name", TABLES)
def test_cached_copy_equals_the_toml(cache, name):
    with open(data.DATA_DIR / f"{name}.toml", "rb") as f:
        truth = tomllib.load(f)
    first = data.load(name)  # parses and writes the copy
    assert first == truth
    copies = list((cache / "data").glob(f"{name}-*.json"))
    assert len(copies) == 1
    data.load.cache_clear()
    second = data.load(name)  # read from the copy
    assert second == truth and _types(second) == _types(truth)


def _types(value):
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


def test_an_edited_table_is_parsed_again(cache, tmp_path, monkeypatch):
    folder = tmp_path / "pkgdata"
    folder.mkdir()
    table = folder / "t.toml"
    table.write_text('version = 1\n[[row]]\nx = 1\ndate = 2026-11-26\n')
    monkeypatch.setattr(data, "DATA_DIR", folder)
    assert data.rows("t", "row")[0]["x"] == 1
    data.load.cache_clear()
    table.write_text('version = 1\n[[row]]\nx = 22\ndate = 2026-11-27\n')
    os.utime(table, ns=(1, 2))  # a different mtime even on a coarse clock
    assert data.rows("t", "row")[0]["x"] == 22


def test_a_corrupt_copy_is_ignored(cache):
    data.load("quants")
    copy = next((cache / "data").glob("quants-*.json"))
    copy.write_text("{not json")
    data.load.cache_clear()
    with open(data.DATA_DIR / "quants.toml", "rb") as f:
        assert data.load("quants") == tomllib.load(f)


def test_an_unwritable_cache_only_costs_the_parse(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("READINESS_CACHE_DIR", str(blocker / "sub"))  # under a file: can't be made
    data.load.cache_clear()
    assert data.load("quants")
    data.load.cache_clear()


def test_the_builtin_rules_read_from_their_copy_equal_the_file(cache):
    from readiness import rules

    first = rules.load()  # parsed, checked, then the copy written
    assert list((cache / "data").glob("rules-builtin-*.json"))
    again = rules.load()  # read from the copy
    assert first == again == rules.load_file(rules.BUILTIN)


def test_a_shipped_file_that_fails_its_check_leaves_no_copy(cache, tmp_path):
    shipped = tmp_path / "rules" / "bad.toml"
    shipped.parent.mkdir()
    shipped.write_text('[[rule]]\nid = "x"\n')

    def check(doc):
        raise ValueError("no")

    with pytest.raises(ValueError):
        data.load_shipped(shipped, check)
    assert not list((cache / "data").glob("rules-bad-*.json"))
    doc, fresh = data.load_shipped(shipped, lambda d: None)
    assert fresh and doc == {"rule": [{"id": "x"}]}
    assert data.load_shipped(shipped, check) == (doc, False)  # the copy of a document that passed
