"""Values that follow from the facts and the catalogue rather than from what a tool printed.

Every value filled here is marked in the GPU's ``derived`` map with where it came from, so a
reader can always tell a printed fact from a filled-in one (docs/facts.md, "derived"):

* ``"compute capability"``: NVIDIA's compute capability to architecture table
  (readiness/data/nvidia_architectures.toml);
* ``"catalogue"``: the GPU's catalogue entry (readiness/data/gpus.toml), found by its name.

A value the output printed is never replaced.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any

from readiness import data


@lru_cache(maxsize=1)
def _cc_architectures() -> dict[str, str]:
    return {row["compute_capability"]: row["name"] for row in data.rows("nvidia_architectures", "arch")}


def architecture(compute_capability: str | None, name: str | None) -> tuple[str | None, str | None]:
    """(architecture, how) for a GPU that did not print one: from its compute capability, else
    from its catalogue entry; (None, None) when neither knows."""
    if compute_capability and compute_capability in _cc_architectures():
        return _cc_architectures()[compute_capability], "compute capability"
    if name:
        from readiness import catalog

        spec = catalog.lookup(name)
        if spec is not None and spec.architecture:
            return spec.architecture, "catalogue"
    return None, None


def fill_gpu(gpu: Any) -> Any:
    """What a GPU lacks and can be derived, filled and marked: a frozen Gpu comes back as a new
    value (facts are never changed in place, issue 13); a GPU's dict (a replayed document) is filled
    in place and returned."""
    get = gpu.get if isinstance(gpu, dict) else lambda k, d=None: getattr(gpu, k, d)
    if get("architecture") is not None:
        return gpu
    arch, how = architecture(get("compute_capability"), get("name"))
    if arch is None:
        return gpu
    derived = {**(get("derived") or {}), "architecture": how}
    if isinstance(gpu, dict):
        gpu["architecture"], gpu["derived"] = arch, derived
        return gpu
    return replace(gpu, architecture=arch, derived=derived)


def fill(doc: dict) -> None:
    """Derive what can be derived for every GPU of a facts document, in place."""
    for gpu in doc.get("gpus") or []:
        fill_gpu(gpu)
