"""How long `readiness models` discovery takes over 1,000 models (target: under 2 s).

Creates, in a temporary folder, 400 Ollama models (manifest, config layer, params, template and a
GGUF model blob with a 32k-token vocabulary header), 300 Hugging Face cache repos (config.json and a
safetensors header) and 300 loose GGUF files, then times readiness.models.discover over them.
Run: python benchmarks/models.py
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import ggufwrite as gw  # noqa: E402
from readiness import models  # noqa: E402


VOCAB = int(os.environ.get("VOCAB", "256"))  # tokens per header: small by default; VOCAB=32000 for a real-sized one


def kv(arch: str, i: int) -> list:
    return [("general.architecture", "str", arch), ("general.name", "str", f"bench {i}"),
            (f"{arch}.block_count", "u32", 4), (f"{arch}.context_length", "u32", 32768),
            (f"{arch}.embedding_length", "u32", 256), (f"{arch}.feed_forward_length", "u32", 512),
            (f"{arch}.attention.head_count", "u32", 4), (f"{arch}.attention.head_count_kv", "u32", 2),
            ("general.file_type", "u32", 15),
            ("tokenizer.ggml.tokens", "arr", ("str", [f"tok{j}" for j in range(VOCAB)]))]


def build(root: str, n_ollama=400, n_hf=300, n_loose=300) -> None:
    tensors = gw.llama_like("llama", 4, 256, 512, 4, 2, VOCAB, wtype=12)
    head = gw.header(kv("llama", 0), tensors)
    om = os.path.join(root, "home", ".ollama", "models")
    os.makedirs(os.path.join(om, "blobs"))
    for i in range(n_ollama):
        blobs = []
        for kind, data in (("model", head + i.to_bytes(4, "little")), ("params", b'{"num_ctx": 4096}'),
                           ("template", b"{{ .Prompt }}")):
            d = hashlib.sha256(data).hexdigest()
            open(os.path.join(om, "blobs", f"sha256-{d}"), "wb").write(data)
            blobs.append({"mediaType": f"application/vnd.ollama.image.{kind}", "digest": f"sha256:{d}", "size": len(data)})
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
        open(os.path.join(loose, f"m{i}.gguf"), "wb").write(head)


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        build(root)
        env = {"HOME": os.path.join(root, "home")}
        best = None
        for _ in range(3):
            t = time.perf_counter()
            found = models.discover(env, "linux", (os.path.join(root, "loose"),))
            elapsed = time.perf_counter() - t
            best = elapsed if best is None else min(best, elapsed)
        n = len(found["models"])
        bad = [m for m in found["models"] if m["reason"]]
        print(f"models discovered: {n} ({len(bad)} with a reason)")
        print(f"discovery time  : {best:.2f} s for {n} models, best of 3 (target < 2 s)")


if __name__ == "__main__":
    main()
