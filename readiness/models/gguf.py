"""A bounded reader of a GGUF file's header: the key-value metadata and the tensor infos, never tensor data.

No numpy, no `gguf` package. Every length read from the file is checked against a limit before it is
used, so a truncated or hostile file gives a ``GGUFError`` with a reason, never a huge allocation,
a deep recursion or a read past the header. Format: ggml's docs/gguf.md (versions 2 and 3; version 1
used 32-bit counts and is refused). A big-endian file is told apart by its version field reading
as a huge number in little-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO

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


class GGUFError(ValueError):
    """The file is not a GGUF header readiness can read; the message says why."""


@dataclass
class Tensor:
    name: str
    shape: tuple[int, ...]
    type_id: int

    @property
    def elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def type_name(self) -> str:
        return GGML_TYPES.get(self.type_id, (f"type {self.type_id}",))[0]

    @property
    def nbytes(self) -> int | None:
        t = GGML_TYPES.get(self.type_id)
        return None if t is None else self.elements // t[1] * t[2]


@dataclass
class Header:
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
    """Reads forward from a file in growing chunks, never past ``limit`` bytes."""

    def __init__(self, f: BinaryIO, limit: int):
        self.f, self.limit = f, limit
        self.buf = b""
        self.pos = 0  # within buf
        self.base = 0  # file offset of buf[0]
        self.eof = False

    def _fill(self, n: int) -> None:
        while len(self.buf) - self.pos < n and not self.eof:
            want = max(n - (len(self.buf) - self.pos), 1 << 16, min(len(self.buf), 1 << 22))
            if self.tell() + n > self.limit:
                raise GGUFError(f"header larger than the {self.limit // 2**20} MiB limit")
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

    def skip_strings(self, count: int, fmt: struct.Struct) -> None:
        """Hop over ``count`` length-prefixed strings (a vocabulary: 32k to 262k of them) in one tight
        loop over the buffer, refilling only at a chunk's end."""
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
        self._fill(n)
        self.pos += n


def read(f: BinaryIO, limit: int = MAX_HEADER_BYTES) -> Header:
    """The header of an open GGUF file (binary, positioned at 0)."""
    r = _Reader(f, limit)
    if r.take(4) != MAGIC:
        raise GGUFError("not a GGUF file (wrong magic)")
    raw = r.take(4)
    version = struct.unpack("<I", raw)[0]
    endian, e = "little", "<"
    if version > 0xFFFF:
        version, endian, e = struct.unpack(">I", raw)[0], "big", ">"
    if version not in (2, 3):
        raise GGUFError(f"GGUF version {version} is not supported (2 and 3 are)")
    n_tensors, n_kv = struct.unpack(e + "QQ", r.take(16))
    u64 = struct.Struct(e + "Q")
    if n_kv > MAX_KV:
        raise GGUFError(f"{n_kv} metadata keys: over the limit of {MAX_KV}")
    if n_tensors > MAX_TENSORS:
        raise GGUFError(f"{n_tensors} tensors: over the limit of {MAX_TENSORS}")

    def string() -> str:
        (n,) = struct.unpack(e + "Q", r.take(8))
        if n > MAX_STRING:
            raise GGUFError(f"a string of {n} bytes: over the limit of {MAX_STRING}")
        return r.take(n).decode("utf-8", errors="replace")

    def skip_string() -> None:
        (n,) = struct.unpack(e + "Q", r.take(8))
        if n > MAX_STRING:
            raise GGUFError(f"a string of {n} bytes: over the limit of {MAX_STRING}")
        r.skip(n)

    def value(vtype: int, depth: int, key: str, keep: bool = True) -> Any:
        if vtype in _SCALARS:
            code, size = _SCALARS[vtype]
            raw = r.take(size)
            return struct.unpack(e + code, raw)[0] if keep else None
        if vtype == _STRING:
            if keep:
                return string()
            skip_string()
            return None
        if vtype == _ARRAY:
            if depth >= MAX_DEPTH:
                raise GGUFError(f"{key}: arrays nested deeper than {MAX_DEPTH}")
            item_type, count = struct.unpack(e + "IQ", r.take(12))
            if count > MAX_ARRAY:
                raise GGUFError(f"{key}: an array of {count} items: over the limit of {MAX_ARRAY}")
            if depth == 0:
                lengths[key] = count
            keep_items = keep and count <= KEEP_ARRAY
            if item_type in _SCALARS and not keep_items:
                r.skip(_SCALARS[item_type][1] * count)  # fixed-size items: one jump
                return None
            if item_type == _STRING and not keep_items:
                r.skip_strings(count, u64)
                return None
            if item_type not in _SCALARS and item_type not in (_STRING, _ARRAY):
                raise GGUFError(f"{key}: unknown array item type {item_type}")
            items = [value(item_type, depth + 1, key, keep_items) for _ in range(count)]
            return items if keep_items else None
        raise GGUFError(f"{key}: unknown value type {vtype}")

    metadata: dict[str, Any] = {}
    lengths: dict[str, int] = {}
    for _ in range(n_kv):
        key = string()
        (vtype,) = struct.unpack(e + "I", r.take(4))
        v = value(vtype, 0, key)
        if v is not None:
            metadata[key] = v
    tensors = []
    for _ in range(n_tensors):
        name = string()
        (n_dims,) = struct.unpack(e + "I", r.take(4))
        if n_dims > MAX_DIMS:
            raise GGUFError(f"tensor {name!r} has {n_dims} dimensions: over the limit of {MAX_DIMS}")
        shape = struct.unpack(e + "Q" * n_dims, r.take(8 * n_dims))
        type_id, _offset = struct.unpack(e + "IQ", r.take(12))
        tensors.append(Tensor(name, tuple(shape), type_id))
    align = metadata.get("general.alignment", 32)
    if not isinstance(align, int) or align <= 0 or align > 1 << 20:
        align = 32
    end = r.tell()
    return Header(version=version, endian=endian, metadata=metadata, array_lengths=lengths, tensors=tensors,
                  data_offset=(end + align - 1) // align * align)


def read_path(path: str, limit: int = MAX_HEADER_BYTES) -> Header:
    """The header of the GGUF file at ``path``; OSError and GGUFError are the caller's to word."""
    with open(path, "rb") as f:
        return read(f, limit)
