"""A tiny GGUF writer for tests (hand-made inputs: "logic" fixtures, not real files).

Writes the header exactly as ggml's docs/gguf.md lays it out: magic, version, tensor count, KV count,
the KV pairs, the tensor infos, padding to the alignment, then (optionally) zero tensor data.
The metadata keys used by the tests are the real ones llama.cpp writes for each architecture.
"""

from __future__ import annotations

import struct

TYPES = {"u8": 0, "i8": 1, "u16": 2, "i16": 3, "u32": 4, "i32": 5, "f32": 6, "bool": 7, "str": 8, "arr": 9,
         "u64": 10, "i64": 11, "f64": 12}
_CODES = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
# bytes per block and block size of the ggml types the tests use
BLOCK = {0: (1, 4), 1: (1, 2), 2: (32, 18), 8: (32, 34), 12: (256, 144), 14: (256, 210), 30: (1, 2), 39: (32, 17)}


def _s(e: str, text: str) -> bytes:
    b = text.encode()
    return struct.pack(e + "Q", len(b)) + b


def _value(e: str, vtype: str, v) -> bytes:
    t = TYPES[vtype]
    if t == 8:
        return _s(e, v)
    if t == 9:
        item_type, items = v
        it = TYPES[item_type]
        body = b"".join(_item(e, item_type, x) for x in items)
        return struct.pack(e + "IQ", it, len(items)) + body
    return struct.pack(e + _CODES[t], v)


def _item(e: str, vtype: str, v) -> bytes:
    t = TYPES[vtype]
    if t == 8:
        return _s(e, v)
    if t == 9:
        return _value(e, "arr", v)
    return struct.pack(e + _CODES[t], v)


def header(kv: list[tuple[str, str, object]], tensors: list[tuple[str, tuple[int, ...], int]] = (),
           version: int = 3, big_endian: bool = False, alignment: int = 32) -> bytes:
    """kv: (key, type, value); an array value is (item type, [items]). tensors: (name, shape, ggml type)."""
    e = ">" if big_endian else "<"
    out = [b"GGUF", struct.pack(e + "I", version), struct.pack(e + "QQ", len(tensors), len(kv))]
    for key, vtype, v in kv:
        out += [_s(e, key), struct.pack(e + "I", TYPES[vtype]), _value(e, vtype, v)]
    offset = 0
    for name, shape, ttype in tensors:
        out += [_s(e, name), struct.pack(e + "I", len(shape)), struct.pack(e + "Q" * len(shape), *shape),
                struct.pack(e + "IQ", ttype, offset)]
        offset += nbytes(shape, ttype)
        offset = (offset + alignment - 1) // alignment * alignment
    raw = b"".join(out)
    return raw + b"\0" * ((-len(raw)) % alignment)


def nbytes(shape, ttype: int) -> int:
    n = 1
    for d in shape:
        n *= d
    block, size = BLOCK[ttype]
    return n // block * size


def data_size(tensors, alignment: int = 32) -> int:
    total = 0
    for _, shape, ttype in tensors:
        total += nbytes(shape, ttype)
        total = (total + alignment - 1) // alignment * alignment
    return total


def write(path, kv, tensors=(), with_data: bool = True, **kw) -> int:
    """Write a GGUF file; the tensor data is zeros (sparse where the file system allows). Returns its size."""
    head = header(kv, tensors, **kw)
    with open(path, "wb") as f:
        f.write(head)
        size = data_size(tensors) if with_data else 0
        if size:
            f.seek(len(head) + size - 1)
            f.write(b"\0")
    return len(head) + (data_size(tensors) if with_data else 0)


def llama_like(arch: str, layers: int, hidden: int, ffn: int, heads: int, kv_heads: int, vocab: int,
               wtype: int = 12, experts: int = 0, ffn_exp: int = 0, head_dim: int | None = None):
    """Tensor infos of a llama.cpp-converted transformer: the names and shapes convert_hf_to_gguf.py writes."""
    hd = head_dim or hidden // heads
    t = [("token_embd.weight", (hidden, vocab), wtype)]
    for b in range(layers):
        t += [(f"blk.{b}.attn_norm.weight", (hidden,), 0),
              (f"blk.{b}.attn_q.weight", (hidden, heads * hd), wtype),
              (f"blk.{b}.attn_k.weight", (hidden, kv_heads * hd), wtype),
              (f"blk.{b}.attn_v.weight", (hidden, kv_heads * hd), wtype),
              (f"blk.{b}.attn_output.weight", (heads * hd, hidden), wtype),
              (f"blk.{b}.ffn_norm.weight", (hidden,), 0)]
        if experts:
            t += [(f"blk.{b}.ffn_gate_inp.weight", (hidden, experts), 0),
                  (f"blk.{b}.ffn_gate_exps.weight", (hidden, ffn_exp, experts), wtype),
                  (f"blk.{b}.ffn_up_exps.weight", (hidden, ffn_exp, experts), wtype),
                  (f"blk.{b}.ffn_down_exps.weight", (ffn_exp, hidden, experts), wtype)]
        else:
            t += [(f"blk.{b}.ffn_gate.weight", (hidden, ffn), wtype), (f"blk.{b}.ffn_up.weight", (hidden, ffn), wtype),
                  (f"blk.{b}.ffn_down.weight", (ffn, hidden), wtype)]
    t += [("output_norm.weight", (hidden,), 0), ("output.weight", (hidden, vocab), wtype)]
    return t


def params(tensors) -> int:
    total = 0
    for _, shape, _ in tensors:
        n = 1
        for d in shape:
            n *= d
        total += n
    return total
