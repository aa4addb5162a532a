"""How long `readiness models` discovery takes over 1,000 models (target: under 2 s).

Creates, in a temporary folder, 400 Ollama models (manifest, config layer, params, template and a
GGUF model blob), 300 Hugging Face cache repos (config.json and a safetensors header) and 300 loose
GGUF files, then times readiness.models.discover over them (nothing is cached between runs: each
run reads every header again, as a first run does).

The GGUF files carry vocabularies of the real sizes, with merges where the real ones have them:
32,000 tokens with scores (Llama 2 / Mistral), 128,256 tokens and 280,147 merges (Llama 3),
151,646 tokens and 151,387 merges (Qwen2.5), 262,144 tokens with scores (Gemma 3), one of each in
turn; and as many layers (and so tensor infos) as those models. The token strings are made up, with
lengths like a real vocabulary's (growing with the token's rank, a 2-byte "Ġ" or 3-byte "▁" on
most). Their tensor data is a hole in the file (sparse), so the files are as long as real ones.
VOCAB=N uses one vocabulary of N tokens (no merges) for every GGUF file instead.
Run: python benchmarks/models.py   (writes ~3.5 GB of headers to the temporary folder)
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import ggufwrite as gw  # noqa: E402
from readiness import models  # noqa: E402

# (name, architecture, tokens, merges, layers, space marker): the sizes of the real models' vocabularies
PROFILES = [("llama2-32k", "llama", 32000, 0, 32, "▁"), ("llama3-128k", "llama", 128256, 280147, 32, "Ġ"),
            ("qwen2.5-151k", "qwen2", 151646, 151387, 28, "Ġ"), ("gemma3-262k", "gemma3", 262144, 0, 34, "▁")]
if os.environ.get("VOCAB"):
    PROFILES = [(f"{os.environ['VOCAB']}-token", "llama", int(os.environ["VOCAB"]), 0, 4, "▁")]


def _tokens(n: int, mark: str, rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    for i in range(n):
        length = 1 + min(int(rng.expovariate(1 / (3 + 6 * i / n))), 60)
        word = "".join(rng.choice(letters) for _ in range(length))
        out.append(mark + word if rng.random() < 0.6 else word)
    return out


def header(profile, i: int = 0) -> bytes:
    name, arch, n_tok, n_merges, layers, mark = profile
    rng = random.Random(n_tok)
    tokens = _tokens(n_tok, mark, rng)
    kv = [("general.architecture", "str", arch), ("general.name", "str", f"bench {name}"),
          (f"{arch}.block_count", "u32", layers), (f"{arch}.context_length", "u32", 32768),
          (f"{arch}.embedding_length", "u32", 256), (f"{arch}.feed_forward_length", "u32", 512),
          (f"{arch}.attention.head_count", "u32", 4), (f"{arch}.attention.head_count_kv", "u32", 2),
          ("general.file_type", "u32", 15), ("tokenizer.ggml.model", "str", "gpt2" if n_merges else "llama"),
          ("tokenizer.ggml.tokens", "arr", ("str", tokens))]
    if n_merges:
        kv += [("tokenizer.ggml.token_type", "arr", ("i32", [1] * n_tok)),
               ("tokenizer.ggml.merges", "arr", ("str", [f"{rng.choice(tokens)} {rng.choice(tokens)}"
                                                          for _ in range(n_merges)]))]
    else:
        kv += [("tokenizer.ggml.scores", "arr", ("f32", [0.0] * n_tok)),
               ("tokenizer.ggml.token_type", "arr", ("i32", [1] * n_tok))]
    kv += [("tokenizer.ggml.bos_token_id", "u32", 1), ("tokenizer.chat_template", "str", "{{ messages }}" * 40),
           ("general.quantization_version", "u32", 2)]
    tensors = gw.llama_like(arch, layers, 256, 512, 4, 2, n_tok, wtype=12)
    return gw.header(kv, tensors), gw.data_size(tensors)


def _write(path: str, head: bytes, data: int) -> None:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(len(head) + data)  # the tensor data: a hole, as long as the real thing


def build(root: str, n_ollama=400, n_hf=300, n_loose=300) -> None:
    heads = [header(p) for p in PROFILES]
    om = os.path.join(root, "home", ".ollama", "models")
    os.makedirs(os.path.join(om, "blobs"))
    for i in range(n_ollama):
        blobs = []
        for kind, data in (("model", None), ("params", b'{"num_ctx": 4096}'), ("template", b"{{ .Prompt }}")):
            d = hashlib.sha256(f"{kind} {i}".encode()).hexdigest()  # readiness does not check digests
            path = os.path.join(om, "blobs", f"sha256-{d}")
            if data is None:
                _write(path, *heads[i % len(heads)])
                size = os.path.getsize(path)
            else:
                open(path, "wb").write(data)
                size = len(data)
            blobs.append({"mediaType": f"application/vnd.ollama.image.{kind}", "digest": f"sha256:{d}", "size": size})
        cfg = json.dumps({"model_format": "gguf", "model_family": "llama", "model_type": "8B", "file_type": "Q4_K_M"}).encode()
        c = hashlib.sha256(cfg + bytes([i % 256])).hexdigest()
        open(os.path.join(om, "blobs", f"sha256-{c}"), "wb").write(cfg)
        tag = os.path.join(om, "manifests", "registry.ollama.ai", "library", f"m{i}")
        os.makedirs(tag)
        open(os.path.join(tag, "latest"), "w").write(json.dumps({"schemaVersion": 2, "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json", "digest": f"sha256:{c}"}, "layers": blobs}))
    hub = os.path.join(root, "home", ".cache", "huggingface", "hub")
    cfg = json.dumps({"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
                      "num_key_value_heads": 8, "vocab_size": 128256, "intermediate_size": 14336}).encode()
    st = json.dumps({f"model.layers.{j}.w": {"dtype": "BF16", "shape": [4096, 4096], "data_offsets": [0, 1]}
                     for j in range(200)}).encode()
    for i in range(n_hf):
        snap = os.path.join(hub, f"models--org--m{i}", "snapshots", "r")
        os.makedirs(snap)
        open(os.path.join(snap, "config.json"), "wb").write(cfg)
        open(os.path.join(snap, "model.safetensors"), "wb").write(len(st).to_bytes(8, "little") + st)
    loose = os.path.join(root, "loose")
    os.makedirs(loose)
    for i in range(n_loose):
        _write(os.path.join(loose, f"m{i}.gguf"), *heads[i % len(heads)])


def _time(env: dict, root: str, runs: int) -> tuple[float, dict]:
    best, found = None, None
    for _ in range(runs):
        t = time.perf_counter()
        found = models.discover(env, "linux", (os.path.join(root, "loose"),))
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
    return best, found


def main() -> None:
    print("vocabularies    : " + ", ".join(f"{p[0]} ({p[2]:,} tokens, {p[3]:,} merges, {p[4]} layers)"
                                            for p in PROFILES))
    with tempfile.TemporaryDirectory() as root:
        t = time.perf_counter()
        build(root)
        print(f"built in        : {time.perf_counter() - t:.1f} s")
        env = {"HOME": os.path.join(root, "home")}
        first, found = _time(env, root, 3)
        n = len(found["models"])
        bad = [m for m in found["models"] if m["reason"]]
        print(f"models discovered: {n} ({len(bad)} with a reason)")
        print(f"discovery time  : {first:.2f} s for {n} models, best of 3 (target < 2 s)")


if __name__ == "__main__":
    main()
