"""The fact classes' equality, hashing and repr (facts._Fact) match what dataclass would generate
for them: a plain frozen dataclass of the same fields is the reference (issue 18 replaced the
generated ones)."""

from __future__ import annotations

import dataclasses

import pytest

from readiness import facts


def _reference(cls: type) -> type:
    """The same fields as a frozen dataclass with dataclass's own __eq__, __hash__ and __repr__."""
    spec = [(f.name, f.type, f) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(cls.__name__, [(n, t, dataclasses.field(default=f.default, default_factory=f.default_factory))
                                                     for n, t, f in spec], frozen=True)


def test_equality_hash_and_repr_as_dataclass_makes_them():
    ref = _reference(facts.HostFacts)
    a, b = facts.HostFacts(os="linux", kernel="6.8"), facts.HostFacts(os="linux", kernel="6.8")
    ra, rb = ref(os="linux", kernel="6.8"), ref(os="linux", kernel="6.8")
    assert (a == b, a != facts.HostFacts(os="darwin")) == (ra == rb, ra != ref(os="darwin")) == (True, True)
    assert hash(a) == hash(b) and hash(a) != hash(facts.HostFacts(os="darwin"))
    assert repr(a) == repr(ra)
    assert (a == ra) is False  # another class is never equal, as dataclass's __eq__ says
    assert facts.HostFacts(os="linux").__eq__(object()) is NotImplemented


def test_still_frozen_and_unhashable_with_a_list():
    g = facts.Gpu(index=0, vendor="nvidia", name="RTX 4090")
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(g)  # mig_devices is a list, as with dataclass's own hash
    assert g == facts.Gpu(index=0, vendor="nvidia", name="RTX 4090") and g != dataclasses.replace(g, index=1)


def test_every_fact_class_uses_the_shared_methods():
    classes = [c for c in vars(facts).values() if isinstance(c, type) and dataclasses.is_dataclass(c)]
    assert len(classes) >= 10
    for cls in classes:
        assert cls.__eq__ is facts._Fact.__eq__ and cls.__repr__ is facts._Fact.__repr__, cls
        assert cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("), cls  # a real docstring
