"""The facts contract is written once, in readiness/facts.py: the shipped JSON Schema and the field
reference in docs/facts.md must say the same (issue 13). A field added in one place fails here."""

import dataclasses
import json
import re
from pathlib import Path

import pytest

from readiness import facts

ROOT = Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "readiness" / "schema" / "facts.schema.json").read_text())
DOCS = (ROOT / "docs" / "facts.md").read_text()

# Each dataclass and where its objects sit in the facts document.
PLACES = {
    facts.HostFacts: ["host"],
    facts.CpuFacts: ["cpu"],
    facts.MemoryFacts: ["memory"],
    facts.Disk: ["disks", "[]"],
    facts.Gpu: ["gpus", "[]"],
    facts.MigDevice: ["gpus", "[]", "mig_devices", "[]"],
    facts.GpuProcess: ["gpus", "[]", "processes", "[]"],
    facts.CudaStack: ["stack", "cuda"],
    facts.CudaToolkit: ["stack", "cuda", "toolkits", "[]"],
    facts.ProbeStatus: ["probes", "[]"],
}


def _object_schema(node: dict) -> dict:
    """The object alternative of a node (nullable lists are anyOf/oneOf or a type list)."""
    for key in ("anyOf", "oneOf"):
        for alt in node.get(key, []):
            if alt.get("type") in ("object", "array") or "properties" in alt or "items" in alt:
                return alt
    return node


def schema_at(path: list[str]) -> dict:
    node = SCHEMA
    for part in path:
        node = _object_schema(node)
        node = node["items"] if part == "[]" else node["properties"][part]
    return _object_schema(node)


def test_every_dataclass_of_the_facts_module_has_a_place():
    classes = {c for c in vars(facts).values() if dataclasses.is_dataclass(c) and c.__module__ == facts.__name__}
    assert classes == set(PLACES)


@pytest.mark.parametrize("cls", list(PLACES), ids=lambda c: c.__name__)
def test_schema_properties_are_the_dataclass_fields(cls):
    node = schema_at(PLACES[cls])
    fields = {f.name for f in dataclasses.fields(cls)}
    assert set(node["properties"]) == fields, f"{cls.__name__}: schema and facts.py differ"


@pytest.mark.parametrize("cls", list(PLACES), ids=lambda c: c.__name__)
def test_docs_describe_every_field(cls):
    documented = set(re.findall(r"`([a-z0-9_]+)`", DOCS))
    missing = {f.name for f in dataclasses.fields(cls)} - documented
    assert not missing, f"docs/facts.md does not describe {cls.__name__}: {sorted(missing)}"


def test_a_new_field_would_be_caught():
    """The check itself can fail: a field the schema lacks is seen."""
    node = schema_at(PLACES[facts.Gpu])
    assert "no_such_field" not in node["properties"]
    assert {f.name for f in dataclasses.fields(facts.Gpu)} | {"no_such_field"} != set(node["properties"])


@pytest.mark.parametrize("cls", list(PLACES), ids=lambda c: c.__name__)
def test_every_fact_is_frozen_once_a_probe_returns_it(cls):
    # Issue 13: no stage after the probe (merging, derivation, rules) may change what was read.
    values = {f.name: None for f in dataclasses.fields(cls)
              if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    value = cls(**values)
    first = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, first, "changed")


def test_a_draft_takes_only_its_class_fields_and_builds_the_frozen_value():
    draft = facts.Draft(facts.CpuFacts, model="from lscpu")
    draft.physical_cores = 8
    assert draft.model == "from lscpu"
    with pytest.raises(AttributeError, match="no field 'physical_core'"):
        draft.physical_core = 8  # a misspelt field fails at once instead of vanishing
    built = draft.build()
    assert isinstance(built, facts.CpuFacts) and (built.model, built.physical_cores) == ("from lscpu", 8)
    draft.model = "changed later"
    assert built.model == "from lscpu"


def test_deriving_a_gpu_makes_a_new_value():
    from readiness import derive

    read = facts.Gpu(index=0, vendor="nvidia", name=None, source="nvml", compute_capability="8.9")
    filled = derive.fill_gpu(read)
    assert (read.architecture, read.derived) == (None, {})
    assert (filled.architecture, filled.derived) == ("Ada Lovelace", {"architecture": "compute capability"})
