"""readiness models: the models already on this machine, from a temporary HOME with every store.

Real inputs (tests/fixtures/models/, sources in tests/fixtures/README.md): Ollama's llama3.1:8b
manifest and its config layer as the registry serves them, and Qwen2.5-0.5B-Instruct's config.json.
The HF cache layout (models--org--name/{blobs,refs,snapshots}) follows huggingface_hub's cache docs.
GGUF headers and safetensors headers are written by the tests ("logic" inputs).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

import ggufwrite as gw
from conftest import validate, validate_report
from readiness import models
from readiness.models import files

FX = Path(__file__).parent / "fixtures" / "models"
ENV_VARS = ("OLLAMA_MODELS", "HF_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "LLAMA_CACHE",
            "LOCALAPPDATA", "USERPROFILE")


def _kv(arch, **f):
    keys = {"layers": "block_count", "ctx": "context_length", "embd": "embedding_length", "ffn": "feed_forward_length",
            "heads": "attention.head_count", "kv": "attention.head_count_kv", "key": "attention.key_length",
            "experts": "expert_count", "used": "expert_used_count"}
    kv = [("general.architecture", "str", arch), ("general.name", "str", f.pop("name", arch))]
    kv += [(f"{arch}.{keys[k]}", "u32", v) for k, v in f.items() if k in keys]
    return kv + ([("general.file_type", "u32", f["ftype"])] if "ftype" in f else [])


def _hub_blob(repo: Path, snap: Path, name: str, data: bytes, sparse_to: int = 0) -> None:
    h = hashlib.sha256(data).hexdigest()
    blob = repo / "blobs" / h
    with open(blob, "wb") as f:
        f.write(data)
        if sparse_to > len(data):
            f.seek(sparse_to - 1)
            f.write(b"\0")
    (snap / name).symlink_to(Path("..", "..", "blobs", h))


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A HOME with Ollama (two tags of one real manifest), the HF cache, LM Studio and a loose folder."""
    h = tmp_path / "home"
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(h))
    # Ollama: llama3.1:8b and llama3.1:latest are the same manifest (as `ollama pull llama3.1` leaves them)
    om = h / ".ollama" / "models"
    manifest = (FX / "ollama" / "llama3.1-8b.manifest.json").read_bytes()
    doc = json.loads(manifest)
    tags = om / "manifests" / "registry.ollama.ai" / "library" / "llama3.1"
    tags.mkdir(parents=True)
    for tag in ("8b", "latest"):
        (tags / tag).write_bytes(manifest)
    blobs = om / "blobs"
    blobs.mkdir()
    (blobs / doc["config"]["digest"].replace(":", "-")).write_bytes((FX / "ollama" / "llama3.1-8b.config.json").read_bytes())
    llama = gw.llama_like("llama", 2, 256, 512, 8, 2, 1000, wtype=2)
    for layer in doc["layers"]:
        p = blobs / layer["digest"].replace(":", "-")
        kind = layer["mediaType"].rsplit(".", 1)[-1]
        if kind == "model":
            gw.write(p, _kv("llama", name="Meta Llama 3.1 8B Instruct", layers=2, ctx=131072, embd=256, ffn=512,
                            heads=8, kv=2, ftype=2), llama)
        else:
            p.write_text({"params": '{"num_ctx": 8192}', "template": "{{ if .Tools }}{{ .Tools }}{{ end }}"}.get(
                kind, "license text"))
    # HF cache: the real Qwen2.5-0.5B-Instruct config.json, a safetensors header for its embeddings
    repo = h / ".cache" / "huggingface" / "hub" / "models--Qwen--Qwen2.5-0.5B-Instruct"
    rev = "7ae557604adf67be50417f59c2c2f167def9a775"
    snap = repo / "snapshots" / rev
    for d in (repo / "blobs", repo / "refs", snap):
        d.mkdir(parents=True)
    (repo / "refs" / "main").write_text(rev)
    _hub_blob(repo, snap, "config.json", (FX / "hf" / "qwen2.5-0.5b-instruct.config.json").read_bytes())
    n = 151936 * 896
    head = json.dumps({"__metadata__": {"format": "pt"}, "model.embed_tokens.weight": {
        "dtype": "BF16", "shape": [151936, 896], "data_offsets": [0, 2 * n]}}).encode()
    _hub_blob(repo, snap, "model.safetensors", len(head).to_bytes(8, "little") + head, sparse_to=8 + len(head) + 2 * n)
    # LM Studio: publisher/model/file.gguf, a MoE
    lm = h / ".lmstudio" / "models" / "lmstudio-community" / "Qwen3-30B-A3B-GGUF"
    lm.mkdir(parents=True)
    gw.write(lm / "Qwen3-30B-A3B-Q4_K_M.gguf",
             _kv("qwen3moe", name="Qwen3 30B A3B", layers=2, ctx=40960, embd=256, heads=4, kv=2, key=64, experts=8,
                 used=2, ftype=15),
             gw.llama_like("qwen3moe", 2, 256, 0, 4, 2, 800, wtype=12, experts=8, ffn_exp=256, head_dim=64))
    # loose files for --path: a gemma3, a gpt-oss, a truncated file
    loose = tmp_path / "loose"
    loose.mkdir()
    gw.write(loose / "gemma-3-4b-it-Q8_0.gguf", _kv("gemma3", layers=2, ctx=131072, embd=256, ffn=512, heads=4, kv=1,
                                                    key=256, ftype=7),
             gw.llama_like("gemma3", 2, 256, 512, 4, 1, 1000, wtype=8, head_dim=256))
    gw.write(loose / "gpt-oss-20b-mxfp4.gguf", _kv("gpt-oss", layers=2, ctx=131072, embd=256, heads=8, kv=2, key=64,
                                                   experts=32, used=4, ftype=38),
             gw.llama_like("gpt-oss", 2, 256, 0, 8, 2, 600, wtype=39, experts=32, ffn_exp=256, head_dim=64))
    (loose / "cut.gguf").write_bytes(gw.header(_kv("llama", layers=2))[:40])
    return h, loose


def _store_bytes(*roots: Path) -> int:
    """Every distinct file under the stores, by inode, but the bookkeeping (Ollama's manifests, the
    HF cache's refs): what the models take on disk."""
    seen = {}
    for root in roots:
        for dirpath, _, names in os.walk(root):
            if "manifests" in Path(dirpath).parts or "refs" in Path(dirpath).parts:
                continue
            for name in names:
                st = os.stat(os.path.join(dirpath, name))
                seen[(st.st_dev, st.st_ino)] = st.st_size
    return sum(seen.values())


def test_models_json_lists_every_model_once_with_a_verdict(run, home):
    h, loose = home
    r = run("models", "--json", "--path", str(loose))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    by = {m["name"]: m for m in doc["models"]}
    assert set(by) == {"llama3.1:8b", "Qwen/Qwen2.5-0.5B-Instruct",
                       "lmstudio-community/Qwen3-30B-A3B-GGUF/Qwen3-30B-A3B-Q4_K_M", "gemma-3-4b-it-Q8_0",
                       "gpt-oss-20b-mxfp4", "cut"}
    llama = by["llama3.1:8b"]
    assert llama["aliases"] == ["llama3.1:latest"] and llama["store"] == "ollama"
    assert llama["architecture"] == "llama" and llama["quantization"] == "Q4_0" and llama["native_context"] == 131072
    assert llama["ollama"]["config"]["model_type"] == "8.0B" and llama["ollama"]["template"]["tools"] is True
    assert llama["context"] == 8192  # the params layer's num_ctx
    qwen = by["Qwen/Qwen2.5-0.5B-Instruct"]
    assert qwen["parameters"] == 151936 * 896 and qwen["quantization"] == "BF16" and qwen["layers"] == 24
    assert qwen["parameters_from"] == "safetensors headers" and qwen["native_context"] == 32768
    moe = by["lmstudio-community/Qwen3-30B-A3B-GGUF/Qwen3-30B-A3B-Q4_K_M"]
    assert moe["experts"] == 8 and moe["experts_used"] == 2 and moe["active_parameters"] < moe["parameters"]
    assert by["gpt-oss-20b-mxfp4"]["quantization"] == "MXFP4_MOE" and by["gpt-oss-20b-mxfp4"]["experts"] == 32
    for name, m in by.items():
        if name == "cut":
            assert m["verdict"] is None and "truncated" in m["why"]
        else:
            assert m["verdict"] in ("runs well", "runs slowly", "runs with offload", "does not fit"), name
            assert m["size_bytes"] > 0 and m["parameters"] > 0 and m["architecture"]
    # disk: every file of the stores once (the two tags' shared blobs counted once)
    assert doc["disk_bytes"] == _store_bytes(h / ".ollama", h / ".cache", h / ".lmstudio", loose)
    assert sum(m["counted_bytes"] for m in doc["models"]) == doc["disk_bytes"]
    ranks = [models.VERDICT_RANK[m["verdict"]] for m in doc["models"]]
    assert ranks == sorted(ranks)


def test_assume_gpu_changes_the_machine_judged(run, home):
    h, loose = home
    r = run("models", "--json", "--assume-gpu", "RTX 4090")
    doc = json.loads(r.stdout)
    assert doc["assumed_gpu"] == "RTX 4090"
    assert all(m["placement"] == "gpu" and m["devices"] == ["NVIDIA GeForce RTX 4090"] for m in doc["models"])


def test_nothing_found_names_every_place_looked_in(run, tmp_path, monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "empty"))
    r = run("models")
    assert r.exit_code == 0
    assert "No models found. Looked in:" in r.stdout
    for part in (".ollama/models", ".cache/huggingface/hub", ".lmstudio/models", ".cache/llama.cpp",
                 ".local/share/nomic.ai/GPT4All"):
        assert os.path.join(str(tmp_path / "empty"), part) in r.stdout


def test_the_stores_variables_are_honoured(tmp_path, monkeypatch):
    env = {"HOME": "/h", "OLLAMA_MODELS": "/o", "HF_HOME": "/hf", "LLAMA_CACHE": "/l"}
    got = dict(models.places(env, "linux"))
    assert got["ollama"] == "/o" and got["huggingface"] == "/hf/hub" and got["llama.cpp"] == "/l"
    assert dict(models.places({**env, "HF_HUB_CACHE": "/c"}, "linux"))["huggingface"] == "/c"
    assert dict(models.places({"HOME": "/h"}, "darwin"))["gpt4all"] == "/h/Library/Application Support/nomic.ai/GPT4All"


def test_no_symlink_leads_out_of_a_store(tmp_path, monkeypatch, home):
    h, loose = home
    lm = h / ".lmstudio" / "models" / "me"
    lm.mkdir()
    (lm / "elsewhere.gguf").symlink_to(loose / "gemma-3-4b-it-Q8_0.gguf")  # points out of LM Studio's folder
    tags = h / ".ollama" / "models" / "manifests" / "registry.ollama.ai" / "library" / "evil"
    tags.mkdir(parents=True)
    secret = tmp_path / "secret"
    secret.write_text("not for reading")
    (h / ".ollama" / "models" / "blobs" / ("sha256-" + "a" * 64)).symlink_to(secret)
    (tags / "latest").write_text(json.dumps({"layers": [
        {"mediaType": "application/vnd.ollama.image.model", "digest": "../../../secret"},
        {"mediaType": "application/vnd.ollama.image.params", "digest": "sha256:" + "a" * 64}]}))
    found = models.discover(os.environ, "linux")["models"]
    names = {m["name"] for m in found}
    assert "me/elsewhere" not in names
    evil = next(m for m in found if m["name"] == "evil:latest")
    assert evil["reason"] == "the model blob is missing (pull it again)" and evil["size_bytes"] == 0


def test_a_partial_hf_download_and_a_hostile_manifest_give_reasons(tmp_path):
    repo = tmp_path / "hub" / "models--org--big"
    snap = repo / "snapshots" / "r1"
    snap.mkdir(parents=True)
    (repo / "blobs").mkdir()
    _hub_blob(repo, snap, "config.json", (FX / "hf" / "qwen2.5-0.5b-instruct.config.json").read_bytes())
    head = json.dumps({"w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}}).encode()
    _hub_blob(repo, snap, "model-00001-of-00002.safetensors", len(head).to_bytes(8, "little") + head + b"\0" * 8)
    _hub_blob(repo, snap, "model.safetensors.index.json", json.dumps({"weight_map": {
        "a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}).encode())
    (snap / "../../hostile").mkdir()
    found = models.discover({"HF_HUB_CACHE": str(tmp_path / "hub")}, "linux")["models"]
    (big,) = found
    assert big["reason"] == "incomplete download: 1 of 2 shards missing"
    judged = models.judge({"gpus": [], "memory": {"total_mib": 16384, "available_mib": 8192}, "cpu": {}, "stack": {}},
                          found)
    assert judged[0]["verdict"] is None and judged[0]["why"] == big["reason"]


def test_a_safetensors_header_over_the_limit_is_refused(tmp_path):
    p = tmp_path / "x.safetensors"
    p.write_bytes((200 * 2**20).to_bytes(8, "little") + b"{}")
    got, why = files.safetensors_header(str(p))
    assert got is None and "limit" in why


def test_check_shows_your_models(run, home):
    h, loose = home
    r = run("check", "--no-torch")
    assert r.exit_code in (0, 1), r.output
    assert "Your models (3," in r.stdout and "llama3.1:8b (ollama)" in r.stdout
    html = Path("readiness-report.html").read_text()
    assert 'id="models"' in html and "Qwen/Qwen2.5-0.5B-Instruct" in html
    doc = validate_report(json.loads(run("check", "--json", "--no-torch").stdout))
    assert {m["name"] for m in doc["judgments"]["models"]} >= {"llama3.1:8b", "Qwen/Qwen2.5-0.5B-Instruct"}
    assert "models" not in doc["facts"]  # a judgment, not a fact
    no = json.loads(run("check", "--json", "--no-torch", "--no-models").stdout)
    assert no["judgments"]["models"] is None


def test_fleet_counts_the_models_hosts_have(run, home, tmp_path):
    doc = json.loads(run("check", "--json", "--no-torch").stdout)
    (tmp_path / "r.json").write_text(json.dumps(doc))
    assert run("fleet", "ingest", str(tmp_path / "r.json"), "--db", str(tmp_path / "f.sqlite")).exit_code == 0
    from readiness.fleet import report, store

    view = report.build(store.connect(str(tmp_path / "f.sqlite")))
    assert view["rows"][0]["models"] == 3
    assert {m["name"] for m in view["models"]} >= {"llama3.1:8b"}
    assert run("fleet", "ingest", str(tmp_path / "r.json"), "--db", str(tmp_path / "g.sqlite"), "--redact").exit_code == 0
    redacted = report.build(store.connect(str(tmp_path / "g.sqlite")))
    assert redacted["rows"][0]["models"] == 3 and redacted["models"] == []


def test_split_gguf_is_one_model_and_a_hostile_blob_one_reason(tmp_path):
    """llama.cpp's cache: a split GGUF (two parts, tensors in each) and a hostile file beside it."""
    cache = tmp_path / "llama.cpp"
    cache.mkdir()
    tensors = gw.llama_like("qwen2", 2, 256, 512, 4, 2, 500, wtype=8)
    meta = _kv("qwen2", layers=2, ctx=32768, embd=256, ffn=512, heads=4, kv=2, ftype=7)
    gw.write(cache / "Qwen2.5-7B-Instruct-Q8_0-00001-of-00002.gguf", meta, tensors[:8])
    gw.write(cache / "Qwen2.5-7B-Instruct-Q8_0-00002-of-00002.gguf", [("split.no", "u16", 1)], tensors[8:])
    (cache / "mmproj-model-f16.gguf").write_bytes(gw.header(_kv("clip")))
    (cache / "evil.gguf").write_bytes(b"GGUF" + (3).to_bytes(4, "little") + (0).to_bytes(8, "little")
                                      + (1).to_bytes(8, "little") + (1).to_bytes(8, "little") + b"k"
                                      + (9).to_bytes(4, "little") + (8).to_bytes(4, "little") + (2**62).to_bytes(8, "little"))
    found = models.discover({"HOME": str(tmp_path / "nohome"), "LLAMA_CACHE": str(cache)}, "linux")
    by = {m["name"]: m for m in found["models"]}
    assert set(by) == {"Qwen2.5-7B-Instruct-Q8_0", "evil"}
    split = by["Qwen2.5-7B-Instruct-Q8_0"]
    assert split["parameters"] == gw.params(tensors) and split["reason"] is None and split["store"] == "llama.cpp"
    assert "limit" in by["evil"]["reason"]


def test_a_llama_cpp_cache_in_the_hf_layout_is_read_as_one(tmp_path):
    repo = tmp_path / "lc" / "models--bartowski--Llama-3.2-1B-Instruct-GGUF"
    snap = repo / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (repo / "blobs").mkdir()
    data = gw.header(_kv("llama", layers=2, ctx=131072, embd=256, ffn=512, heads=8, kv=2, ftype=15),
                     gw.llama_like("llama", 2, 256, 512, 8, 2, 1000, wtype=12))
    _hub_blob(repo, snap, "Llama-3.2-1B-Instruct-Q4_K_M.gguf", data)
    found = models.discover({"LLAMA_CACHE": str(tmp_path / "lc")}, "linux")["models"]
    assert [m["name"] for m in found] == ["bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M"]
    assert found[0]["quantization"] == "Q4_K_M" and found[0]["store"] == "llama.cpp"


def test_a_spent_time_budget_lists_the_rest_with_a_reason(home):
    h, loose = home
    found = models.discover(os.environ, "linux", (str(loose),), seconds=0)["models"]
    assert len(found) == 6 and all(m["reason"] and "ran out" in m["reason"] or m["name"] == "cut" for m in found)
    judged = models.judge({"gpus": [], "memory": {"total_mib": 16384, "available_mib": 8192}, "cpu": {}, "stack": {}},
                          found)
    assert all(j["verdict"] is None for j in judged)


@pytest.mark.parametrize("config", [{}, {"text_config": 5}, {"hidden_size": "x"},
                                    {"hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 0,
                                     "vocab_size": 3}])
def test_a_config_json_that_is_not_a_transformer_gives_a_reason(config):
    from readiness.models import describe

    model, extra = describe.from_hf(config, "x", None, None, "test")
    assert extra["reason"].startswith("config.json is not a transformer config")
    assert describe.missing(model)


def test_a_moe_config_without_safetensors_is_counted_from_its_architecture(tmp_path):
    """IBM's granite-3.1-1b-a400m-instruct config.json (real); its model card gives 1.3B parameters,
    400M active. A pytorch_model.bin beside it is sized, never opened."""
    repo = tmp_path / "hub" / "models--ibm-granite--granite-3.1-1b-a400m-instruct"
    snap = repo / "snapshots" / "r"
    snap.mkdir(parents=True)
    (repo / "blobs").mkdir()
    _hub_blob(repo, snap, "config.json", (FX / "hf" / "granite-3.1-1b-a400m-instruct.config.json").read_bytes())
    _hub_blob(repo, snap, "pytorch_model.bin", b"not a pickle: never opened", sparse_to=2_700_000_000)
    (m,) = models.discover({"HF_HUB_CACHE": str(tmp_path / "hub")}, "linux")["models"]
    assert m["format"] == "pytorch" and m["architecture"] == "granitemoe" and m["experts"] == 32
    assert m["parameters_from"].startswith("config.json")
    assert m["parameters"] == pytest.approx(1.3e9, rel=0.05)
    assert m["active_parameters"] == pytest.approx(400e6, rel=0.1)
    (j,) = models.judge({"gpus": [], "memory": {"total_mib": 16384, "available_mib": 8192}, "cpu": {}, "stack": {}},
                        [m])
    assert j["verdict"] in ("runs well", "runs slowly") and j["memory_breakdown_mib"]["weights"] > 2000

