"""Finding where a GGUF vocabulary ends without stepping over each of its strings.

A 150,000-token vocabulary and its merges are ~300,000 length-prefixed strings; stepping over them
one by one in Python takes ~50 ms a file, so 1,000 models took a minute. The strings have no index,
but they synchronise: a little-endian u64 length below 2**16 ends in six zero bytes, which text never
holds, so from any byte inside the array the next string boundary is found and the strings after it
walked. ``locate`` probes the array a few dozen times (galloping, then bisecting on "is this byte
inside a run of strings like this array's own?"), walks the last stretch exactly, and takes as the
end the first string start where what follows parses as the header's next keys (or its first tensor
infos). That answer is a guess: the caller keeps it only when the whole header then parses and its
tensors tile the file to its last byte (``tiles``), and reads the file the slow, exact way otherwise.
Every probe reads at most ``PROBE`` bytes and the walk at most ``WALK``, whatever the file claims.
"""

from __future__ import annotations

import struct
from math import prod
from typing import Callable

Z6 = b"\0" * 6
LMAX = 1 << 16  # a step longer than this ends a run (keys are below 2**16 by the spec; tokens far shorter)
FAST_MIN = 2048  # shorter string arrays are walked (under a millisecond)
PROBE = 2048  # bytes read per probe
SYNC = 1024  # a probe must find a string boundary within this many bytes of where it lands
RUN = 16  # strings a probe must walk to say "inside the array"
HEAD = 128  # strings walked from the array's start to learn its kind and density
WALK = 64 * 1024  # bytes walked exactly at the end, beyond the bisection's last interval
CANDIDATES = 12  # string starts before the run's break tried as the array's end
MAX_STEPS = 64  # gallop and bisect steps (each halves or doubles a byte range under 2**32)


_PRINTABLE = bytes(range(33, 127))


_U64 = struct.Struct("<Q").unpack_from


def _run(buf: bytes, b: int, want: int) -> tuple[int, int, int]:
    """(strings, strings holding a space, end) walking vocabulary-like strings from ``b``: each a
    length in 1..LMAX and NUL-free text, inside ``buf``."""
    n = spaced = 0
    end = len(buf)
    find = buf.find
    while n < want and b + 8 <= end:
        (size,) = _U64(buf, b)
        text = b + 8
        if not 0 < size <= LMAX or text + size > end or find(b"\0", text, text + size) >= 0:
            break
        spaced += find(b" ", text, text + size) >= 0
        n += 1
        b = text + size
    return n, spaced, b


def _sync(buf: bytes, kind: bool) -> int | None:
    """The first string boundary in ``buf[:SYNC]`` from which ``RUN`` strings of the array's kind
    (merges hold a space, tokens mostly do not) follow; None when there is none."""
    q = buf.find(Z6)
    while 0 <= q < SYNC:
        rest = buf[q:]
        r = q + len(rest) - len(rest.lstrip(b"\0"))  # the zeros end where the string's text starts
        b = r - 8
        if b >= 0 and 0 < _U64(buf, b)[0] <= LMAX:
            n, spaced, _ = _run(buf, b, RUN)
            if n >= RUN and (spaced * 2 > n) == kind:
                return b
        q = buf.find(Z6, r)
    return None


def locate(read_at: Callable[[int, int], bytes], start: int, count: int,
           plausible: Callable[[int], bool], limit: int) -> int | None:
    """A likely end of the ``count`` strings that start at byte ``start``, or None (walk them)."""
    head = read_at(start, 64 * 1024)
    n, spaced, p = _run(head, 0, HEAD)
    if n < HEAD or count <= n:
        return None  # empty, NUL-holding or very long strings: not a vocabulary this can skip
    kind = spaced * 2 > n

    def inside(x: int) -> bool:
        return x < limit and _sync(read_at(x, PROBE), kind) is not None

    lo = start + p  # known to be inside: strings remain after it
    span = (count * p) // n
    step = max(PROBE, span // 32)
    x = max(lo, start + span)
    steps = 0
    if inside(x):
        lo, hi = x, x + step
        while inside(hi):
            lo, hi, step, steps = hi, hi + step, step * 2, steps + 1
            if steps > MAX_STEPS or hi > limit:
                return None
    else:
        hi = x
        while True:
            y = hi - step
            if y <= lo:
                break
            if inside(y):
                lo = y
                break
            hi, step, steps = y, step * 2, steps + 1
            if steps > MAX_STEPS:
                return None
    while hi - lo > SYNC and steps <= 2 * MAX_STEPS:
        mid = (lo + hi) // 2
        if inside(mid):
            lo = mid
        else:
            hi = mid
        steps += 1
    buf = read_at(lo, hi - lo + WALK)
    b = _sync(buf, kind)
    if b is None:
        return None
    # Walk exactly to where the run breaks: past the last string, the next key, then a field (a type,
    # a count, a tensor's dimensions) that no string length reads as.
    starts = []
    while b + 8 <= len(buf) and len(starts) < 8 * WALK:
        size = int.from_bytes(buf[b:b + 8], "little")
        if size > LMAX or b + 8 + size > len(buf):
            break
        starts.append(b)
        b += 8 + size
    for c in starts[-CANDIDATES:]:
        size = int.from_bytes(buf[c:c + 8], "little")
        total = lo + c - start
        # Each string has its 8-byte length, and the array's start told its density within a factor of
        # two (vocabularies' later tokens are longer, not four times longer): a count the bytes cannot
        # hold (fifty million claimed, four thousand there) is not guessed past.
        if total < 8 * count or not count // 2 <= total * n // p <= 2 * count:
            continue
        # A key or a tensor's name is printable ASCII; most tokens are not (Ġ, ▁), so few get parsed.
        if size and not buf[c + 8:c + 8 + size].translate(None, _PRINTABLE) and plausible(lo + c):
            return lo + c
    return None


def tiles(tensors, types: dict, data_offset: int, align: int, size: int, header_end: int) -> bool:
    """True when the tensors, in the order declared, lie one after the other from the data's start
    (each aligned) and the last ends the file: the check that a guessed vocabulary end was right."""
    if not tensors:
        return header_end <= size <= data_offset + align
    if tensors[0].offset != 0:
        return False
    end = 0
    for t in tensors:
        kind = types.get(t.type_id)
        if kind is None or t.offset % align or t.offset < end:
            return False
        end = t.offset + prod(t.shape) // kind[1] * kind[2]
    return 0 <= size - (data_offset + end) < align
