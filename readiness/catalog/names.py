"""GPU names as people type them: `rtx4090`, `RTX-4090`, `4090`, `geforce 4090`, `7900xtx`, `m3max`,
`M3 Max 40-core`, with a count in any common form (`2x 3090`, `3090x2`, `2×RTX 3090`, `RTX 3090 x2`).

Names are compared as *keys*: lower case, brand words dropped, every separator removed. Each catalogue
row gives several keys: its exact names, the same without the series prefix (RTX, GTX, RX, Arc), and
*family* keys without the form factor (PCIe, SXM, NVL) and then without the memory size or GPU core
count. A typed name that is a family key shared by several rows (`H100`, `A100`, `RTX 3060`, `M3 Max`)
is ambiguous: the conservative row (least memory, then least bandwidth, then least compute) is chosen,
so an estimate is never optimistic, and the choice is said in ``Resolved.note`` (docs/workloads.md).

Driver-reported names keep going through ``catalog.lookup``, which is exact; this module is for
names a person types. Every step is a single pass over a name capped at ``MAX_NAME`` characters.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from readiness.errors import ReadinessError

MAX_NAME = 120  # the longest catalogue name is under 60 characters
MAX_COUNT = 64

_BRANDS = ("nvidia", "geforce", "tesla", "quadro", "amd", "ati", "radeon", "apple", "intel")
_SERIES = ("rtx", "gtx", "rx", "arc")
_DROP_WORDS = {"gpu", "graphics", "card", "tm", "r"}
_FORM = {"pcie", "sxm", "sxm2", "sxm4", "sxm5", "sxm6", "nvl", "hbm3", "hbm3e", "hbm2", "hbm2e", "oam"}
_MEMORY = re.compile(r"^\d+(?:\.\d+)?g(?:i?b)?$")
_CORES = re.compile(r"^\d+core$")
_WORD = re.compile(r"[a-z0-9.+]+")
# Counts: "2x rtx 3090", "2 x 3090", "x2"-suffixed names. One bounded quantifier each side; the name is capped.
_LEADING = re.compile(r"^(\d{1,3}) ?x ?(\S.*)$")
_TRAILING = re.compile(r"^(.*\S) ?x ?(\d{1,3})$")


@dataclass(frozen=True)
class Resolved:
    """What a typed GPU name resolved to: the catalogue row, how many, and the rows it could also mean."""

    spec: object  # catalog.GpuSpec
    count: int
    variants: tuple[str, ...] = field(default=())  # the rows an ambiguous name could mean, by name
    typed: str = ""

    @property
    def ambiguous(self) -> bool:
        return len(self.variants) > 1

    @property
    def note(self) -> str | None:
        if not self.ambiguous:
            return None
        others = ", ".join(v for v in self.variants if v != self.spec.name)
        return (f"{self.typed!r} could be {len(self.variants)} GPUs; the smallest and slowest, {self.spec.name}, is "
                f"assumed so the estimate is not optimistic (others: {others}); name one to choose it")


def _words(text: str) -> list[str]:
    text = text.lower().replace("™", " ").replace("®", " ").replace("(tm)", " ").replace("(r)", " ")
    words = _WORD.findall(text)
    out: list[str] = []
    for w in words:
        # "40 GB" and "40-core" read as one word, as "40GB" and "40core" do.
        if out and w in ("gb", "gib", "g") and out[-1].replace(".", "").isdigit():
            out[-1] += "gb"
        elif out and w == "core" and out[-1].isdigit():
            out[-1] += "core"
        elif w.endswith("gib") and w[:-3].replace(".", "").isdigit():
            out.append(w[:-3] + "gb")
        else:
            out.append(w)
    return [w for w in out if w not in _DROP_WORDS]


def _strip_brands(words: list[str]) -> list[str]:
    i = 0
    while i < len(words) and words[i] in _BRANDS:
        i += 1
    return words[i:]


def _compact(words: list[str]) -> str:
    return "".join(words).replace(".", "")


def _keys(name: str) -> tuple[set[str], set[str]]:
    """(exact keys, family keys) of one catalogue name."""
    words = _strip_brands(_words(name))
    exact, family = set(), set()
    for ws in (words, words[1:] if words and words[0] in _SERIES else None):
        if not ws:
            continue
        exact.add(_compact(ws))
        no_form = [w for w in ws if w not in _FORM]
        family.add(_compact(no_form))
        family.add(_compact([w for w in no_form if not _MEMORY.match(w) and not _CORES.match(w)]))
    return exact, family - {""}


def user_key(text: str) -> str:
    """The key of a typed name: brand words dropped (spaced or not), separators removed."""
    key = _compact(_strip_brands(_words(text)))
    changed = True
    while changed:  # "geforcertx4090" typed without spaces
        changed = False
        for b in _BRANDS:
            if key.startswith(b) and len(key) > len(b):
                key, changed = key[len(b):], True
    return key


@functools.lru_cache(maxsize=None)
def _index() -> tuple[dict[str, list], dict[str, list], dict[str, str]]:
    from readiness import catalog

    exact: dict[str, list] = {}
    family: dict[str, list] = {}
    display: dict[str, str] = {}
    for spec in catalog.all_gpus():
        for n in (spec.name, spec.id.replace("-", " "), *spec.aliases):
            e, f = _keys(n)
            for k in e:
                exact.setdefault(k, [])
                if spec not in exact[k]:
                    exact[k].append(spec)
                display.setdefault(k, spec.name)
            for k in f:
                family.setdefault(k, [])
                if spec not in family[k]:
                    family[k].append(spec)
    return exact, family, display


def _conservative(spec) -> tuple:
    memory = min(spec.memory_options_gib) if spec.memory_options_gib else (spec.memory_gib or 0)
    return (memory, spec.memory_bandwidth_gbps or 0, spec.fp16_tflops or spec.fp32_tflops or 0, spec.tdp_w or 0,
            spec.id)


def _candidates(key: str) -> list:
    exact, family, _ = _index()
    found = list(exact.get(key, []))
    for spec in family.get(key, []):
        if spec not in found:
            found.append(spec)
    return found


def closest(text: str, n: int = 3) -> list[str]:
    """The catalogue names nearest a typed name (for 'did you mean')."""
    import difflib  # only for a name that matched nothing (issue 18: not on every check)

    key = user_key(text[:MAX_NAME])
    exact, _, display = _index()
    out: list[str] = []
    for k in difflib.get_close_matches(key, list(exact), n=n * 4, cutoff=0.0):
        name = display[k]
        if name not in out:
            out.append(name)
        if len(out) == n:
            break
    return out


def _find(text: str):
    key = user_key(text)
    if not key:
        return None
    found = _candidates(key)
    if not found:
        return None
    found.sort(key=_conservative)
    return found


def _split_count(text: str) -> list[tuple[int, str]]:
    """(count, name) readings of a typed text, the plain name first."""
    readings = [(1, text)]
    for rx, count_group, name_group in ((_LEADING, 1, 2), (_TRAILING, 2, 1)):
        m = rx.match(text)
        if m:
            readings.append((int(m.group(count_group)), m.group(name_group)))
    return readings


def resolve(text: str) -> Resolved:
    """A typed GPU name (with an optional count) → the catalogue row and the count. Unknown names raise."""
    if not isinstance(text, str) or not text.strip():
        raise ReadinessError("empty GPU name", hint="see `readiness gpus` for the catalogue")
    if len(text) > MAX_NAME:
        raise ReadinessError(f"GPU name too long ({len(text):,} characters; catalogue names are under {MAX_NAME})",
                             hint="see `readiness gpus` for the catalogue")
    clean = " ".join(text.lower().replace("×", "x").replace("*", "x").split())
    for count, name in _split_count(clean):
        found = _find(name)
        if found is None:
            continue
        if not 1 <= count <= MAX_COUNT:
            raise ReadinessError(f"bad GPU count {count} in {text!r}: use 1 to {MAX_COUNT}")
        variants = tuple(s.name for s in found) if len(found) > 1 else ()
        return Resolved(spec=found[0], count=count, variants=variants, typed=name.strip())
    near = closest(text)
    raise ReadinessError(f"unknown GPU {text.strip()!r}",
                         hint=("did you mean " + ", ".join(repr(n) for n in near) + "? " if near else "")
                         + "see `readiness gpus` for the catalogue")


def parse_gpu_arg(text: str):
    """"2x RTX 3090", "RTX 3090x2", "H100 x8", "rtx4090" → (spec, count). Unknown names raise."""
    r = resolve(text)
    return r.spec, r.count
