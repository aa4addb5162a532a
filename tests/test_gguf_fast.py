"""readiness.models.gguf_fast: jumping over a GGUF vocabulary gives what a full read gives.

Every GGUF here is WRITTEN BY THE TEST (tests/ggufwrite.py, "logic" inputs, not real files): the
metadata keys are the real ones llama.cpp writes for each architecture (the tokenizer keys in the
order convert_hf_to_gguf.py writes them, or sorted as Ollama's writer sorts them, with the keys
llama-quantize appends after them); the vocabularies are made up, with real vocabularies' shapes
(byte-level BPE tokens marked "Ġ" with their merges, SentencePiece pieces marked "▁" with scores).
Each case is read twice, the fast way and the exact way (every string stepped over), and the two
must agree; where the fast way is expected to be taken, the test checks that it was.
"""

from __future__ import annotations

import io
import os
import random
import struct

import pytest

import ggufwrite as gw
from readiness.models import describe, gguf, gguf_fast
from test_gguf_reader import ARCHS, _kv

N_TOKENS = 5000  # above gguf_fast.FAST_MIN, small enough to write quickly


def _tokens(n: int, mark: str, rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(1 + int(rng.expovariate(1 / (3 + 6 * i / n)))))
        out.append(mark + word if rng.random() < 0.6 else word)
    return out


def _tokenizer(arch: str, n: int, rng: random.Random) -> list:
    """The tokenizer keys, in convert_hf_to_gguf.py's order, of a BPE (merges) or SentencePiece vocabulary."""
    if arch == "gemma3":
        toks = ["<pad>", "<eos>", "<bos>"] + _tokens(n - 3, "▁", rng)
        return [("tokenizer.ggml.model", "str", "llama"), ("tokenizer.ggml.tokens", "arr", ("str", toks)),
                ("tokenizer.ggml.scores", "arr", ("f32", [-float(i) for i in range(n)])),
                ("tokenizer.ggml.token_type", "arr", ("i32", [3, 3, 3] + [1] * (n - 3))),
                ("tokenizer.ggml.bos_token_id", "u32", 2), ("tokenizer.ggml.eos_token_id", "u32", 1),
                ("tokenizer.ggml.padding_token_id", "u32", 0), ("tokenizer.ggml.add_bos_token", "bool", True)]
    toks = _tokens(n - 2, "Ġ", rng) + ["<|endoftext|>", "<|im_start|>"]
    merges = [f"{rng.choice(toks[:n // 2])} {rng.choice(toks[:n // 2])}" for _ in range(n)]
    return [("tokenizer.ggml.model", "str", "gpt2"), ("tokenizer.ggml.pre", "str", "qwen2"),
            ("tokenizer.ggml.tokens", "arr", ("str", toks)), ("tokenizer.ggml.token_type", "arr", ("i32", [1] * n)),
            ("tokenizer.ggml.merges", "arr", ("str", merges)),
            ("tokenizer.ggml.padding_token_id", "u32", 0),  # a zero right after the merges: a short "string"
            ("tokenizer.ggml.eos_token_id", "u32", n - 2), ("tokenizer.ggml.add_bos_token", "bool", False)]


TAIL = [("tokenizer.chat_template", "str", "{% for m in messages %}{{ m['content'] }}{% endfor %}"),
        ("general.quantization_version", "u32", 2),  # llama-quantize appends these after the tokenizer
        ("quantize.imatrix.file", "str", "imatrix.dat"), ("quantize.imatrix.entries_count", "i32", 196)]


def _model(arch: str, order: str = "llama.cpp", seed: int = 0, n: int = N_TOKENS):
    meta, layout = ARCHS[arch]
    kv = _kv(arch, **meta) + _tokenizer(arch, n, random.Random(seed)) + TAIL
    if order == "sorted":  # Ollama's writer sorts the keys: the tokens array comes last
        kv = sorted(kv)
    return kv, gw.llama_like(arch, **{**layout, "vocab": n})


def _bytes(kv, tensors, data: bytes | None = None) -> bytes:
    head = gw.header(kv, tensors)
    return head + (data if data is not None else b"\0" * gw.data_size(tensors))


def _outcome(raw: bytes, fast: bool):
    try:
        h = gguf.read(io.BytesIO(raw), fast=fast)
    except gguf.GGUFError as e:
        return ("error", str(e))
    return (h.version, h.endian, h.metadata, h.array_lengths, h.tensors, h.data_offset)


def _guesses(raw: bytes) -> int:
    """How many arrays the fast path jumped over (0: it read them all)."""
    p = gguf._Parser(io.BytesIO(raw), gguf.MAX_HEADER_BYTES, "<", len(raw), fast=True)
    p.header()
    return p.guessed


@pytest.mark.parametrize("order", ["llama.cpp", "sorted"])
@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_the_fast_path_agrees_with_a_full_read(arch, order):
    kv, tensors = _model(arch, order)
    raw = _bytes(kv, tensors)
    fast, exact = _outcome(raw, True), _outcome(raw, False)
    assert fast[0] != "error" and fast == exact
    assert _guesses(raw) == (1 if arch == "gemma3" else 2)  # tokens (and merges) were jumped over
    header = gguf.read(io.BytesIO(raw))
    model, extra = describe.from_gguf(header, arch, len(raw) - header.data_offset, "test")
    assert extra["facts"]["parameters"] == gw.params(tensors) and model["vocab_size"] == N_TOKENS
    assert header.array_lengths["tokenizer.ggml.tokens"] == N_TOKENS
    assert header.metadata["quantize.imatrix.entries_count"] == 196  # a key after the vocabulary


def test_files_on_disk_and_random_tensor_data(tmp_path):
    kv, tensors = _model("llama")
    raw = _bytes(kv, tensors, random.Random(1).randbytes(gw.data_size(tensors)))
    path = tmp_path / "m.gguf"
    path.write_bytes(raw)
    assert gguf.read_path(str(path)) == gguf.read_path(str(path), fast=False)
    assert _guesses(raw) == 2


def test_agrees_with_the_reference_gguf_package(tmp_path):
    ref = pytest.importorskip("gguf")
    kv, tensors = _model("qwen3moe", n=20_000)
    gw.write(tmp_path / "m.gguf", kv, tensors)
    ours = gguf.read_path(str(tmp_path / "m.gguf"))
    theirs = ref.GGUFReader(str(tmp_path / "m.gguf"))
    assert ours.data_offset == theirs.data_offset
    assert [(t.name, t.shape, t.type_id) for t in ours.tensors] == \
        [(t.name, tuple(int(d) for d in t.shape), int(t.tensor_type)) for t in theirs.tensors]
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type"):
        assert ours.array_lengths[key] == len(theirs.fields[key].data)
    field = theirs.fields["quantize.imatrix.file"]
    assert ours.metadata["quantize.imatrix.file"] == bytes(field.parts[field.data[0]]).decode()


def test_needed_keys_after_the_vocabulary_are_read():
    kv, tensors = _model("qwen2")
    tok = [x for x in kv if x[0].startswith("tokenizer.")]
    rest = [x for x in kv if not x[0].startswith("tokenizer.")]
    raw = _bytes(tok + rest, tensors)  # general.architecture and every qwen2.* key after the arrays
    assert _guesses(raw) == 2 and _outcome(raw, True) == _outcome(raw, False)
    header = gguf.read(io.BytesIO(raw))
    assert header.metadata["general.architecture"] == "qwen2" and header.metadata["qwen2.block_count"] == 3


def test_odd_vocabularies_still_agree():
    """Long tokens, empty ones, NUL bytes, a vocabulary last with no tensors: where the probing
    cannot tell, the file is read the exact way; either way the answer is the full read's."""
    base, tensors = _model("llama")
    rng = random.Random(7)
    cases = {
        "long tokens": ["x" * rng.choice((1, 300, 70_000)) if i % 97 == 0 else f"t{i}" for i in range(3000)],
        "empty tokens": ["" if i % 5 == 0 else f"Ġw{i}" for i in range(3000)],
        "NUL bytes": [f"a\0{i}" for i in range(3000)],
        "spaces in tokens": [f"a b{i}" if i % 2 else f"c{i}" for i in range(3000)],
    }
    for name, toks in cases.items():
        kv = [x if x[0] != "tokenizer.ggml.tokens" else (x[0], "arr", ("str", toks)) for x in base]
        raw = _bytes(kv, tensors)
        assert _outcome(raw, True) == _outcome(raw, False), name
    last = _kv("llama", **ARCHS["llama"][0]) + [("tokenizer.ggml.tokens", "arr", ("str", [f"t{i}" for i in range(3000)]))]
    raw = gw.header(last)  # no tensors: nothing after the vocabulary to check a guess against
    assert _outcome(raw, True) == _outcome(raw, False) and _guesses(raw) == 0


def test_a_file_whose_tensors_do_not_tile_it_is_read_the_exact_way():
    kv, tensors = _model("gpt-oss")
    for raw in (gw.header(kv, tensors),  # the header alone (a download cut short)
                _bytes(kv, tensors) + b"trailing bytes" * 8):
        with pytest.raises(gguf.GGUFError, match="did not hold"):  # the guess is caught...
            _guesses(raw)
        assert _outcome(raw, True) == _outcome(raw, False)  # ...and the exact read answers
        assert _outcome(raw, True)[0] != "error"


def test_big_endian_files_take_the_exact_way():
    kv, tensors = _model("llama")
    raw = gw.header(kv, tensors, big_endian=True) + b"\0" * gw.data_size(tensors)
    assert _outcome(raw, True) == _outcome(raw, False) and _outcome(raw, True)[1] == "big"


def test_random_vocabularies_and_orders_agree():
    rng = random.Random(2026)
    for i in range(12):
        arch = rng.choice(sorted(ARCHS))
        kv, tensors = _model(arch, rng.choice(["llama.cpp", "sorted"]), seed=i, n=rng.randint(2048, 9000))
        raw = _bytes(kv, tensors)
        assert _outcome(raw, True) == _outcome(raw, False), (i, arch)


def _cut_points(raw: bytes, n: int):
    end = len(raw.rstrip(b"\0")) - 8
    return sorted({int(end * k / n) for k in range(n)})


def test_truncated_real_sized_headers_give_a_reason(tmp_path):
    kv, tensors = _model("qwen2")
    raw = _bytes(kv, tensors, random.Random(3).randbytes(gw.data_size(tensors)))
    head = len(gw.header(kv, tensors)) - 40  # inside the last tensor info
    for cut in _cut_points(raw[:head], 120):
        assert _outcome(raw[:cut], True)[0] == "error", cut
    for cut in _cut_points(raw[:head], 8):  # the same through a file (os.pread) rather than BytesIO
        (tmp_path / "t.gguf").write_bytes(raw[:cut])
        with pytest.raises(gguf.GGUFError):
            gguf.read_path(str(tmp_path / "t.gguf"))


def _array_kv(key: bytes, item_type: int, count: int) -> bytes:
    return struct.pack("<Q", len(key)) + key + struct.pack("<IIQ", 9, item_type, count)


STRINGS = b"".join(struct.pack("<Q", len(t)) + t for t in (f"Ġtok{i}".encode() for i in range(4000)))
ARCH_KV = gw.header([("general.architecture", "str", "llama")])[24:].rstrip(b"\0")


def _file(n_kv: int, *parts: bytes) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", 3, 0, n_kv) + b"".join(parts)


HOSTILE = {
    # tokens claimed by the fifty million, four thousand there, then a key
    "huge count": _file(2, _array_kv(b"tokenizer.ggml.tokens", 8, 50_000_000), STRINGS, ARCH_KV),
    # a string array whose items are u32 numbers
    "wrong item type": _file(2, _array_kv(b"tokenizer.ggml.tokens", 8, 4000), struct.pack("<4000I", *range(4000)),
                             ARCH_KV),
    # the file ends in the middle of the last string
    "cut mid-string": _file(1, _array_kv(b"tokenizer.ggml.tokens", 8, 4000), STRINGS[:-3]),
    # a length that runs past the end of the file
    "length past the end": _file(2, _array_kv(b"tokenizer.ggml.tokens", 8, 4000), STRINGS[:20000],
                                 struct.pack("<Q", 2**40), b"abc"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_vocabularies_give_a_reason(case):
    fast, exact = _outcome(HOSTILE[case], True), _outcome(HOSTILE[case], False)
    assert fast[0] == "error" and fast == exact


def test_a_count_a_few_strings_off_is_the_documented_limit():
    """An array that claims one string more than it holds, then a key: the full read refuses it; the
    fast path cannot count the strings it jumps over, so it reads the key (docs/models.md says so).
    Neither raises anything but GGUFError."""
    raw = _file(2, _array_kv(b"tokenizer.ggml.tokens", 8, 4001), STRINGS, ARCH_KV)
    assert _outcome(raw, False)[0] == "error"
    fast = _outcome(raw, True)
    assert fast[0] == "error" or fast[2] == {"general.architecture": "llama"}


def test_the_same_array_counted_right_is_read():
    """The control for the hostile cases above: with the count right, the key after it is read."""
    raw = _file(2, _array_kv(b"tokenizer.ggml.tokens", 8, 4000), STRINGS, ARCH_KV)
    header = gguf.read(io.BytesIO(raw))
    assert header.metadata["general.architecture"] == "llama" and header.array_lengths["tokenizer.ggml.tokens"] == 4000
