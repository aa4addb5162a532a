"""A bounded reader of a GGUF file's header: the key-value metadata and the tensor infos, never tensor data.

No numpy, no `gguf` package. Every length read from the file is checked against a limit before it is
used, so a truncated or hostile file gives a ``GGUFError`` with a reason, never a huge allocation,
a deep recursion or a read past the header. Format: ggml's docs/gguf.md (versions 2 and 3; version 1
used 32-bit counts and is refused). A big-endian file is told apart by its version field reading
as a huge number in little-endian.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass, field
from math import prod
from typing import Any, BinaryIO

from readiness.models import gguf_fast

MAGIC = b"GGUF"
MAX_HEADER_BYTES = 256 * 2**20  # metadata + tensor infos; a 262k-token vocabulary takes ~10 MiB
MAX_KV = 100_000
MAX_TENSORS = 200_000
MAX_STRING = 16 * 2**20  # one string (a chat template is a few KiB; a tokenizer merge a few bytes)
MAX_ARRAY = 50_000_000
MAX_DEPTH = 4  # arrays of arrays: real files use none
MAX_DIMS = 8
KEEP_ARRAY = 64  # arrays up to this length are kept as values; longer ones only by their length

# gguf value types (ggml docs/gguf.md, enum gguf_type)
_SCALARS = {0: ("B", 1), 1: ("b", 1), 2: ("H", 2), 3: ("h", 2), 4: ("I", 4), 5: ("i", 4), 6: ("f", 4),
            7: ("?", 1), 10: ("Q", 8), 11: ("q", 8), 12: ("d", 8)}
_STRING, _ARRAY = 8, 9

# ggml tensor types: (elements per block, bytes per block), from ggml's type traits (ggml.c)
GGML_TYPES = {0: ("F32", 1, 4), 1: ("F16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20), 6: ("Q5_0", 32, 22),
              7: ("Q5_1", 32, 24), 8: ("Q8_0", 32, 34), 9: ("Q8_1", 32, 40), 10: ("Q2_K", 256, 84),
              11: ("Q3_K", 256, 110), 12: ("Q4_K", 256, 144), 13: ("Q5_K", 256, 176), 14: ("Q6_K", 256, 210),
              15: ("Q8_K", 256, 292), 16: ("IQ2_XXS", 256, 66), 17: ("IQ2_XS", 256, 74), 18: ("IQ3_XXS", 256, 98),
              19: ("IQ1_S", 256, 50), 20: ("IQ4_NL", 32, 18), 21: ("IQ3_S", 256, 110), 22: ("IQ2_S", 256, 82),
              23: ("IQ4_XS", 256, 136), 24: ("I8", 1, 1), 25: ("I16", 1, 2), 26: ("I32", 1, 4), 27: ("I64", 1, 8),
              28: ("F64", 1, 8), 29: ("IQ1_M", 256, 56), 30: ("BF16", 1, 2), 34: ("TQ1_0", 256, 54),
              35: ("TQ2_0", 256, 66), 39: ("MXFP4", 32, 17)}

# llama.cpp's LLAMA_FTYPE (include/llama.h): general.file_type -> the name llama.cpp prints
FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
              11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M",
              18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S",
              25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M",
              32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE"}


_PREAD = getattr(os, "pread", None)  # not on Windows
_KEY_BYTES = bytes(range(33, 127))  # a key the look-ahead accepts is printable ASCII


class GGUFError(ValueError):
    """The file is not a GGUF header readiness can read; the message says why."""


@dataclass(slots=True)
class Tensor:
    """One tensor's entry in a GGUF header (never its data)."""

    name: str
    shape: tuple[int, ...]
    type_id: int
    offset: int = 0  # from the data's start

    @property
    def elements(self) -> int:
        return prod(self.shape)

    @property
    def type_name(self) -> str:
        return GGML_TYPES.get(self.type_id, (f"type {self.type_id}",))[0]

    @property
    def nbytes(self) -> int | None:
        t = GGML_TYPES.get(self.type_id)
        return None if t is None else self.elements // t[1] * t[2]


@dataclass
class Header:
    """A GGUF file's header: its version, metadata and tensor entries."""

    version: int
    endian: str  # "little" or "big"
    metadata: dict[str, Any]
    array_lengths: dict[str, int]  # every array key, with its length (long arrays are not kept)
    tensors: list[Tensor]
    data_offset: int  # where tensor data starts (aligned); the file's size minus this is the weights' bytes
    notes: list[str] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        return self.metadata.get(key, default)


class _Reader:
    """Reads forward from a file in growing chunks, never past ``limit`` bytes. With the file's
    ``size`` known, a long skip is a jump rather than a read, checked against that size."""

    def __init__(self, f: BinaryIO, limit: int, size: int | None = None, start: int = 0, chunk: int = 1 << 16):
        self.f, self.limit, self.size, self.chunk = f, limit, size, chunk
        self.buf = b""
        self.pos = 0  # within buf
        self.base = start  # file offset of buf[0]
        self.eof = False

    def _fill(self, n: int) -> None:
        while len(self.buf) - self.pos < n and not self.eof:
            want = max(n - (len(self.buf) - self.pos), self.chunk, min(len(self.buf), 1 << 22))
            if self.tell() + n > self.limit:
                raise GGUFError(f"header larger than the {self.limit // 2**20} MiB limit")
            if self.size is not None:  # other readers (the fast path's probes) move the file too
                self.f.seek(self.base + len(self.buf))
            chunk = self.f.read(want)
            if not chunk:
                self.eof = True
            # Drop what has been consumed so memory stays at about one chunk.
            self.base += self.pos
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        if len(self.buf) - self.pos < n:
            raise GGUFError(f"truncated: the header ends at byte {self.tell() + len(self.buf) - self.pos}")

    def tell(self) -> int:
        return self.base + self.pos

    def take(self, n: int) -> bytes:
        self._fill(n)
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def jump(self, to: int) -> None:
        """Continue reading at file offset ``to`` (forward, within the limit and the file)."""
        if to > self.limit:
            raise GGUFError(f"header larger than the {self.limit // 2**20} MiB limit")
        if self.size is not None and to > self.size:
            raise GGUFError(f"truncated: the header ends at byte {self.size}")
        if to - self.base <= len(self.buf):
            self.pos = to - self.base
        else:
            self.base, self.buf, self.pos, self.eof = to, b"", 0, False

    def skip_strings(self, count: int, fmt: struct.Struct) -> None:
        """Hop over ``count`` length-prefixed strings in one tight loop over the buffer, refilling
        only at a chunk's end (the exact path: ~140 ns a string)."""
        while count:
            buf, pos, end = self.buf, self.pos, len(self.buf)
            unpack = fmt.unpack_from
            while count and pos + 8 <= end:
                (n,) = unpack(buf, pos)
                if n > MAX_STRING:
                    raise GGUFError(f"a string of {n} bytes: over the limit of {MAX_STRING}")
                if pos + 8 + n > end:
                    break
                pos += 8 + n
                count -= 1
            self.pos = pos
            if count:  # the next string crosses the chunk's end: read it the slow way
                (n,) = fmt.unpack(self.take(8))
                if n > MAX_STRING:
                    raise GGUFError(f"a string of {n} bytes: over the limit of {MAX_STRING}")
                self.skip(n)
                count -= 1

    def skip(self, n: int) -> None:
        if self.tell() + n > self.limit:
            raise GGUFError(f"header larger than the {self.limit // 2**20} MiB limit")
        if self.size is not None and n > len(self.buf) - self.pos + (1 << 16):
            self.jump(self.tell() + n)  # a scores or token-type array: no need to read it
            return
        self._fill(n)
        self.pos += n


class _Stop(Exception):
    """A look-ahead reached a vocabulary-sized array: what it read so far was plausible."""


class _Parser:
    """One pass over a header. ``fast``: string arrays of ``gguf_fast.FAST_MIN`` items or more are
    jumped over by ``gguf_fast.locate`` (little-endian files whose size is known); ``peek``: a
    look-ahead that checks a guessed position, with keys held to printable ASCII."""

    def __init__(self, f: BinaryIO, limit: int, e: str, size: int | None, start: int = 0,
                 fast: bool = False, peek: bool = False):
        self.f, self.limit, self.e, self.size = f, limit, e, size
        self.r = _Reader(f, limit, size, start, 4096 if peek else 1 << 16)
        self.u64 = struct.Struct(e + "Q")
        self.fast, self.peek = fast and size is not None and e == "<", peek
        self.lengths: dict[str, int] = {}
        self.guessed = 0
        self.kv_left = 0
        self.n_tensors = 0

    def string(self) -> str:
        (n,) = self.u64.unpack(self.r.take(8))
        if n > MAX_STRING:
            raise GGUFError(f"a string of {n} bytes: over the limit of {MAX_STRING}")
        return self.r.take(n).decode("utf-8", errors="replace")

    def skip_string(self) -> None:
        (n,) = self.u64.unpack(self.r.take(8))
        if n > MAX_STRING:
            raise GGUFError(f"a string of {n} bytes: over the limit of {MAX_STRING}")
        self.r.skip(n)

    def value(self, vtype: int, depth: int, key: str, keep: bool = True) -> Any:
        r, e = self.r, self.e
        if vtype in _SCALARS:
            code, size = _SCALARS[vtype]
            raw = r.take(size)
            return struct.unpack(e + code, raw)[0] if keep else None
        if vtype == _STRING:
            if keep:
                return self.string()
            self.skip_string()
            return None
        if vtype == _ARRAY:
            if depth >= MAX_DEPTH:
                raise GGUFError(f"{key}: arrays nested deeper than {MAX_DEPTH}")
            item_type, count = struct.unpack(e + "IQ", r.take(12))
            if count > MAX_ARRAY:
                raise GGUFError(f"{key}: an array of {count} items: over the limit of {MAX_ARRAY}")
            if depth == 0:
                self.lengths[key] = count
            keep_items = keep and count <= KEEP_ARRAY
            if item_type in _SCALARS and not keep_items:
                r.skip(_SCALARS[item_type][1] * count)  # fixed-size items: one jump
                return None
            if item_type == _STRING and not keep_items:
                if count >= gguf_fast.FAST_MIN and depth == 0 and self.peek:
                    raise _Stop
                if count >= gguf_fast.FAST_MIN and depth == 0 and self.fast:
                    end = gguf_fast.locate(self._read_at, r.tell(), count, self._plausible, self.limit)
                    if end is not None:
                        r.jump(end)
                        self.guessed += 1
                        return None
                r.skip_strings(count, self.u64)
                return None
            if item_type not in _SCALARS and item_type not in (_STRING, _ARRAY):
                raise GGUFError(f"{key}: unknown array item type {item_type}")
            items = [self.value(item_type, depth + 1, key, keep_items) for _ in range(count)]
            return items if keep_items else None
        raise GGUFError(f"{key}: unknown value type {vtype}")

    def kv(self) -> tuple[str, Any]:
        if self.peek:
            (n,) = self.u64.unpack(self.r.take(8))
            raw = self.r.take(n) if 0 < n <= 4096 else b""
            if not raw or raw.translate(None, _KEY_BYTES):
                raise GGUFError("not a key")
            key = raw.decode("ascii")
        else:
            key = self.string()
        (vtype,) = struct.unpack(self.e + "I", self.r.take(4))
        return key, self.value(vtype, 0, key)

    def tensor(self) -> Tensor:
        r, e = self.r, self.e
        name = self.string()
        (n_dims,) = struct.unpack(e + "I", r.take(4))
        if n_dims > MAX_DIMS:
            raise GGUFError(f"tensor {name!r} has {n_dims} dimensions: over the limit of {MAX_DIMS}")
        shape = struct.unpack(e + "Q" * n_dims, r.take(8 * n_dims))
        type_id, offset = struct.unpack(e + "IQ", r.take(12))
        return Tensor(name, shape, type_id, offset)

    def tensors(self, count: int) -> list[Tensor]:
        """``count`` tensor infos, parsed straight from the buffer (a 600-tensor model would spend
        milliseconds in ``take``); one that crosses the buffer's end, or is malformed, goes through
        ``tensor``, which reads on or says what is wrong."""
        r, e, out = self.r, self.e, []
        u64, u32, tail = self.u64.unpack_from, struct.Struct(e + "I").unpack_from, struct.Struct(e + "IQ").unpack_from
        dims = [struct.Struct(e + "Q" * k).unpack_from for k in range(MAX_DIMS + 1)]
        while len(out) < count:
            try:
                r._fill(4096)
            except GGUFError:
                pass  # fewer bytes are left: ``tensor`` below says where the header ends
            buf, pos, end = r.buf, r.pos, len(r.buf)
            while len(out) < count and pos + 12 <= end:
                (n,) = u64(buf, pos)
                if n > MAX_STRING or pos + 12 + n > end:
                    break
                (nd,) = u32(buf, pos + 8 + n)
                q = pos + 12 + n
                if nd > MAX_DIMS or q + 8 * nd + 12 > end:
                    break
                shape = dims[nd](buf, q)
                type_id, offset = tail(buf, q + 8 * nd)
                out.append(Tensor(buf[pos + 8:pos + 8 + n].decode("utf-8", errors="replace"), shape, type_id, offset))
                pos = q + 8 * nd + 12
            r.pos = pos
            if len(out) < count:
                out.append(self.tensor())
        return out

    def _read_at(self, pos: int, n: int) -> bytes:
        if _PREAD is not None:
            try:
                return _PREAD(self.f.fileno(), n, pos)  # one call, not a seek and a read
            except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
                pass
        self.f.seek(pos)
        return self.f.read(n)

    def _plausible(self, at: int) -> bool:
        """Whether a header's remaining keys (two of them at most) and first tensor infos parse
        from byte ``at``: the test of a guessed vocabulary end."""
        p = _Parser(self.f, self.limit, self.e, self.size, start=at, peek=True)
        try:
            for _ in range(min(self.kv_left, 2)):
                p.kv()
            if self.kv_left < 2:
                if not self.n_tensors:
                    return self.kv_left == 1
                for _ in range(min(self.n_tensors, 2)):
                    t = p.tensor()
                    if t.type_id not in GGML_TYPES or not t.shape or not all(t.shape) \
                            or not t.name.isascii() or not t.name.isprintable():
                        return False
        except _Stop:
            return True
        except (GGUFError, struct.error, UnicodeDecodeError):
            return False
        return True

    def header(self) -> Header:
        r = self.r
        if r.take(4) != MAGIC:
            raise GGUFError("not a GGUF file (wrong magic)")
        raw = r.take(4)
        version = struct.unpack("<I", raw)[0]
        endian = "little"
        if version > 0xFFFF:
            version, endian = struct.unpack(">I", raw)[0], "big"
        if version not in (2, 3):
            raise GGUFError(f"GGUF version {version} is not supported (2 and 3 are)")
        n_tensors, n_kv = struct.unpack(self.e + "QQ", r.take(16))
        if n_kv > MAX_KV:
            raise GGUFError(f"{n_kv} metadata keys: over the limit of {MAX_KV}")
        if n_tensors > MAX_TENSORS:
            raise GGUFError(f"{n_tensors} tensors: over the limit of {MAX_TENSORS}")
        self.n_tensors = n_tensors
        metadata: dict[str, Any] = {}
        for i in range(n_kv):
            self.kv_left = n_kv - i - 1
            key, v = self.kv()
            if v is not None:
                metadata[key] = v
        tensors = self.tensors(n_tensors)
        align = metadata.get("general.alignment", 32)
        if not isinstance(align, int) or align <= 0 or align > 1 << 20:
            align = 32
        end = r.tell()
        data_offset = (end + align - 1) // align * align
        if self.guessed and not gguf_fast.tiles(tensors, GGML_TYPES, data_offset, align, self.size, end):
            raise GGUFError("a guessed vocabulary end did not hold")
        return Header(version=version, endian=endian, metadata=metadata, array_lengths=self.lengths,
                      tensors=tensors, data_offset=data_offset)


def _size(f: BinaryIO) -> int | None:
    try:
        if not f.seekable():
            return None
        size = f.seek(0, 2)
        f.seek(0)
        return size
    except (OSError, ValueError, AttributeError):
        return None


def read(f: BinaryIO, limit: int = MAX_HEADER_BYTES, fast: bool = True) -> Header:
    """The header of an open GGUF file (binary, positioned at 0). With ``fast`` (and a seekable
    file) the vocabulary is jumped over (readiness/models/gguf_fast.py); whenever that guess is not
    borne out, the file is read again the exact way, so the answer is always the exact one."""
    size = _size(f)
    e = "<"
    if size is not None:
        e = _endian_of(f.read(8))
        f.seek(0)
    if fast and size is not None and e == "<":
        try:
            return _Parser(f, limit, e, size, fast=True).header()
        except GGUFError:
            f.seek(0)
    if size is None:  # not seekable: the endianness is learnt from the bytes as they come
        return _read_stream(f, limit)
    return _Parser(f, limit, e, size).header()


def _read_stream(f: BinaryIO, limit: int) -> Header:
    head = f.read(8)
    return _Parser(_Prefixed(head, f), limit, _endian_of(head), None).header()


def _endian_of(head: bytes) -> str:
    return ">" if len(head) == 8 and struct.unpack("<I", head[4:8])[0] > 0xFFFF else "<"


class _Prefixed:
    """A stream with its first bytes, already read, put back in front."""

    def __init__(self, head: bytes, f: BinaryIO):
        self.head, self.f = head, f

    def read(self, n: int) -> bytes:
        if self.head:
            out, self.head = self.head[:n], self.head[n:]
            return out + (self.f.read(n - len(out)) if n > len(out) else b"")
        return self.f.read(n)


def read_path(path: str, limit: int = MAX_HEADER_BYTES, fast: bool = True) -> Header:
    """The header of the GGUF file at ``path``; OSError and GGUFError are the caller's to word."""
    with open(path, "rb") as f:
        return read(f, limit, fast)
