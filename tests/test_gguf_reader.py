"""readiness.models.gguf: the bounded GGUF header reader.

Every GGUF here is WRITTEN BY THE TEST (tests/ggufwrite.py, "logic" inputs, not real files): the
metadata keys are the real ones llama.cpp writes for each architecture; the tensor names and shapes
are those convert_hf_to_gguf.py writes, scaled down.
"""

from __future__ import annotations

import io
import json
import struct
import sys

import pytest

import ggufwrite as gw
from readiness.models import describe, gguf


def _kv(arch: str, **fields):
    keys = {"layers": "block_count", "ctx": "context_length", "embd": "embedding_length", "ffn": "feed_forward_length",
            "heads": "attention.head_count", "kv": "attention.head_count_kv", "key": "attention.key_length",
            "experts": "expert_count", "used": "expert_used_count", "swa": "attention.sliding_window"}
    kv = [("general.architecture", "str", arch), ("general.name", "str", f"test {arch}")]
    kv += [(f"{arch}.{keys[k]}", "u32", v) for k, v in fields.items() if k in keys]
    if "ftype" in fields:
        kv.append(("general.file_type", "u32", fields["ftype"]))
    return kv


ARCHS = {
    # arch: (metadata fields, tensor layout)
    "llama": (dict(layers=2, ctx=131072, embd=256, ffn=512, heads=8, kv=2, ftype=15),
              dict(layers=2, hidden=256, ffn=512, heads=8, kv_heads=2, vocab=1000, wtype=12)),
    "qwen2": (dict(layers=3, ctx=32768, embd=256, ffn=768, heads=4, kv=2, ftype=7),
              dict(layers=3, hidden=256, ffn=768, heads=4, kv_heads=2, vocab=500, wtype=8)),
    "qwen3moe": (dict(layers=2, ctx=40960, embd=256, heads=4, kv=2, key=128, experts=8, used=2, ftype=15),
                 dict(layers=2, hidden=256, ffn=0, heads=4, kv_heads=2, vocab=800, wtype=12, experts=8, ffn_exp=256,
                      head_dim=128)),
    "gemma3": (dict(layers=2, ctx=131072, embd=256, ffn=512, heads=4, kv=1, key=256, swa=1024, ftype=7),
               dict(layers=2, hidden=256, ffn=512, heads=4, kv_heads=1, vocab=1000, wtype=8, head_dim=256)),
    "gpt-oss": (dict(layers=2, ctx=131072, embd=256, heads=8, kv=2, key=64, experts=32, used=4, swa=128, ftype=38),
                dict(layers=2, hidden=256, ffn=0, heads=8, kv_heads=2, vocab=600, wtype=39, experts=32, ffn_exp=256,
                     head_dim=64)),
}


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_each_architecture_is_read_and_described(tmp_path, arch):
    meta, layout = ARCHS[arch]
    tensors = gw.llama_like(arch, **layout)
    path = tmp_path / f"{arch}.gguf"
    size = gw.write(path, _kv(arch, **meta), tensors)
    header = gguf.read_path(str(path))
    assert header.version == 3 and header.endian == "little" and len(header.tensors) == len(tensors)
    model, extra = describe.from_gguf(header, arch, size - header.data_offset, "test")
    facts = extra["facts"]
    assert facts["architecture"] == arch
    assert facts["layers"] == meta["layers"] and facts["heads"] == meta["heads"] and facts["kv_heads"] == meta["kv"]
    assert facts["native_context"] == meta["ctx"] and facts["embedding_length"] == meta["embd"]
    assert facts["parameters"] == gw.params(tensors)
    assert facts["quantization"] == gguf.FILE_TYPES[meta["ftype"]]
    if "experts" in meta:
        expert = sum(gw.params([t]) for t in tensors if "_exps" in t[0])
        assert facts["experts"] == meta["experts"] and facts["experts_used"] == meta["used"]
        assert facts["active_parameters"] == int(gw.params(tensors) - expert * (1 - meta["used"] / meta["experts"]))
    else:
        assert facts["active_parameters"] == facts["parameters"]
    assert model["head_dim"] == meta.get("key", meta["embd"] // meta["heads"])
    assert model["vocab_size"] == layout["vocab"]
    assert describe.missing(model) == []
    # the measured bits are the file's own: its tensor data over its parameters
    assert extra["quant"]["bits"] == pytest.approx(gw.data_size(tensors) * 8 / gw.params(tensors), abs=1e-3)


def test_agrees_with_the_reference_gguf_package(tmp_path):
    ref = pytest.importorskip("gguf")
    meta, layout = ARCHS["qwen3moe"]
    tensors = gw.llama_like("qwen3moe", **layout)
    kv = _kv("qwen3moe", **meta) + [("tokenizer.ggml.tokens", "arr", ("str", [f"tok{i}" for i in range(800)])),
                                    ("tokenizer.ggml.scores", "arr", ("f32", [0.5] * 800))]
    gw.write(tmp_path / "m.gguf", kv, tensors)
    ours = gguf.read_path(str(tmp_path / "m.gguf"))
    theirs = ref.GGUFReader(str(tmp_path / "m.gguf"))
    assert ours.data_offset == theirs.data_offset
    assert sum(t.elements for t in ours.tensors) == sum(int(t.n_elements) for t in theirs.tensors)
    assert [t.name for t in ours.tensors] == [t.name for t in theirs.tensors]
    assert ours.array_lengths["tokenizer.ggml.tokens"] == 800 and "tokenizer.ggml.tokens" not in ours.metadata


def test_big_endian_and_version_2(tmp_path):
    meta, layout = ARCHS["llama"]
    tensors = gw.llama_like("llama", **layout)
    gw.write(tmp_path / "be.gguf", _kv("llama", **meta), tensors, big_endian=True)
    gw.write(tmp_path / "v2.gguf", _kv("llama", **meta), tensors, version=2)
    be, v2 = gguf.read_path(str(tmp_path / "be.gguf")), gguf.read_path(str(tmp_path / "v2.gguf"))
    assert be.endian == "big" and be.metadata["llama.block_count"] == 2 and be.tensors[1].shape == (256,)
    assert v2.version == 2 and v2.metadata == be.metadata


def test_without_file_type_the_quantization_comes_from_the_tensor_types():
    meta, layout = ARCHS["llama"]
    meta = {k: v for k, v in meta.items() if k != "ftype"}
    tensors = gw.llama_like("llama", **{**layout, "wtype": 14})
    header = gguf.read(io.BytesIO(gw.header(_kv("llama", **meta), tensors)))
    _, extra = describe.from_gguf(header, "x", None, "test")
    assert extra["facts"]["quantization"] == "Q6_K"
    assert extra["facts"]["quantization_from"].startswith("the tensor types")


def _raw(*parts: bytes) -> io.BytesIO:
    return io.BytesIO(b"".join(parts))


def _kvhead(n_tensors=0, n_kv=1):
    return b"GGUF" + struct.pack("<IQQ", 3, n_tensors, n_kv)


def _key(name=b"k"):
    return struct.pack("<Q", len(name)) + name


HOSTILE = {
    "wrong magic": _raw(b"GGML", b"\0" * 40),
    "version 1": _raw(b"GGUF", struct.pack("<I", 1), b"\0" * 40),
    "huge kv count": _raw(b"GGUF", struct.pack("<IQQ", 3, 0, 2**62)),
    "huge tensor count": _raw(b"GGUF", struct.pack("<IQQ", 3, 2**60, 0)),
    "huge key length": _raw(_kvhead(), struct.pack("<Q", 2**63)),
    "huge string value": _raw(_kvhead(), _key(), struct.pack("<IQ", 8, 2**40)),
    "huge array": _raw(_kvhead(), _key(), struct.pack("<IIQ", 9, 4, 2**50)),
    "deep arrays": _raw(_kvhead(), _key(), struct.pack("<I", 9), struct.pack("<IQ", 9, 1) * 6, struct.pack("<IQ", 4, 0)),
    "unknown value type": _raw(_kvhead(), _key(), struct.pack("<I", 77), b"\0" * 16),
    "too many dimensions": _raw(_kvhead(1, 0), _key(b"t"), struct.pack("<I", 4096), b"\0" * 64),
    "string array past the end": _raw(_kvhead(), _key(), struct.pack("<IIQ", 9, 8, 3), struct.pack("<Q", 5), b"ab"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_headers_give_a_reason(case):
    with pytest.raises(gguf.GGUFError) as e:
        gguf.read(HOSTILE[case])
    assert str(e.value)


def test_every_truncation_of_a_real_shaped_header_gives_a_reason():
    meta, layout = ARCHS["gemma3"]
    kv = _kv("gemma3", **meta) + [("tokenizer.ggml.tokens", "arr", ("str", ["a", "bb", "ccc"])),
                                  ("nested", "arr", ("arr", [("u32", [1, 2]), ("u32", [3])]))]
    raw = gw.header(kv, gw.llama_like("gemma3", **layout))
    full = gguf.read(io.BytesIO(raw))
    assert full.metadata["nested"] == [[1, 2], [3]]
    body_end = len(raw.rstrip(b"\0")) - 8  # the last tensor info's offset field may be zeros: cut before it
    for cut in range(0, body_end):
        with pytest.raises(gguf.GGUFError):
            gguf.read(io.BytesIO(raw[:cut]))


def test_the_header_size_limit_holds():
    kv = [("general.architecture", "str", "llama"), ("big", "str", "x" * 300_000)]
    with pytest.raises(gguf.GGUFError, match="limit"):
        gguf.read(io.BytesIO(gw.header(kv)), limit=100_000)


def test_estimate_gguf_needs_neither_numpy_nor_the_gguf_package(run, tmp_path, monkeypatch):
    meta, layout = ARCHS["qwen2"]
    tensors = gw.llama_like("qwen2", **layout)
    gw.write(tmp_path / "q.gguf", _kv("qwen2", **meta), tensors)
    monkeypatch.setitem(sys.modules, "gguf", None)  # importing either now fails
    monkeypatch.setitem(sys.modules, "numpy", None)
    r = run("estimate", "--gpu", "RTX 4090", "--gguf", str(tmp_path / "q.gguf"), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["quant"] == "q8_0" and out["placement"] == "gpu"
    assert out["memory_breakdown_mib"]["weights"] == round(gw.data_size(tensors) / 2**20)


def test_estimate_gguf_of_a_hostile_file_is_one_error_line(run, tmp_path):
    (tmp_path / "bad.gguf").write_bytes(HOSTILE["huge array"].getvalue())
    r = run("estimate", "--gpu", "RTX 4090", "--gguf", str(tmp_path / "bad.gguf"))
    assert r.exit_code == 2 and "cannot read" in r.stderr and "limit" in r.stderr
