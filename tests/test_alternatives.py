"""Alternatives when a workload does not fit or runs slowly (workloads/alternatives.py): each with its own
verdict, speed and memory; IQ quants and native formats; quantized KV cache; shorter context; offload;
a second card; the cheapest purchase and rental. Inputs are catalogue names (logic)."""

import json

import pytest

from readiness.catalog import names
from readiness import cli_options, pipeline
from readiness.workloads import alternatives, catalogue, engine, hardware, llm


def _hw(gpu: str, ram: float | None = None):
    r = names.resolve(gpu)
    return hardware.from_specs([(r.spec, r.count)], ram)


def _estimate(gpu, model, quant=None, context=None, ram=None):
    return pipeline.estimate(cli_options.gpu_names((gpu,)), ram, cli_options.llm_workload(model, quant, context))


def test_estimate_70b_on_a_4090_lists_alternatives_that_fit(run):
    r = run("estimate", "--gpu", "RTX 4090", "--model", "llama-3.1-70b", "--json")
    out = json.loads(r.stdout)
    assert out["verdict"] == "does not fit"
    alts = {a["kind"]: a for a in out["alternatives"]}
    assert {"quant", "offload", "add_gpu", "buy", "rent"} <= set(alts)
    for a in out["alternatives"]:
        assert a["speed"]["value"] is not None and a["memory_required_mib"] > 0 and a["change"]
    # the best quant that fits: its weights fit in 24 GiB, and no higher-bit GGUF quant does
    q = alts["quant"]
    assert q["placement"] == "gpu" and q["memory_required_mib"] <= 24 * 1024
    bits = catalogue.find_quant(q["quant"])["bits"]
    higher = [x for x in catalogue.quants().values() if x["kind"] == "gguf" and bits < x["bits"] < 4.9]
    for x in higher:
        assert _estimate("RTX 4090", "llama-3.1-70b", x["id"])["placement"] != "gpu", x["id"]
    assert alts["offload"]["ram_gib"] > 0 and "typical desktop" in alts["offload"]["change"]
    assert alts["add_gpu"]["gpus"] == 2 and alts["add_gpu"]["verdict"] == "runs well"
    text = run("estimate", "--gpu", "RTX 4090", "--model", "llama-3.1-70b").stdout
    assert "Alternatives" in text and q["quant"].upper() in text


def test_iq_quants_are_known_with_llama_cpp_bits():
    for qid, bits in (("IQ2_XS", 2.31), ("iq2_m", 2.7), ("IQ3_XXS", 3.06), ("iq3_m", 3.66), ("IQ4_XS", 4.25)):
        q = catalogue.find_quant(qid)
        assert q["bits"] == bits and "QUANT_OPTIONS" in q["source"]
    # fewer bits, less memory for the same model
    small = _estimate("RTX 4090", "llama-3.1-8b", "iq2_xs")["memory_breakdown_mib"]["weights"]
    big = _estimate("RTX 4090", "llama-3.1-8b", "q4_k_m")["memory_breakdown_mib"]["weights"]
    assert small / big == pytest.approx(2.31 / 4.9, rel=0.01)


def test_models_default_to_their_native_format():
    assert _estimate("RTX 4090", "gpt-oss-20b")["quant"] == "mxfp4"
    assert _estimate("RTX 4090", "llama-3.1-8b")["quant"] == "q4_k_m"


def test_a_quantized_kv_cache_shrinks_the_cache_by_its_bits():
    model = catalogue.find_model("llama-3.1-8b")
    f16, q8, q4 = (llm.kv_bytes(model, 32768, kv_bits=b) for b in (16, 8.5, 4.5))
    assert q8 / f16 == pytest.approx(8.5 / 16) and q4 / f16 == pytest.approx(4.5 / 16)


def test_long_context_that_does_not_fit_offers_kv_cache_and_shorter_context():
    wl = cli_options.llm_workload("llama-3.1-8b", "q8_0", 131072)
    hw = _hw("RTX 4060 Ti 16GB")
    v = engine.evaluate(wl, hw, alternatives_too=True)
    assert v["verdict"] != "runs well"
    alts = {a["kind"]: a for a in v["alternatives"]}
    if "kv_cache" in alts:
        assert alts["kv_cache"]["memory_required_mib"] < v["memory_required_mib"]
    ctx = alts["context"]
    assert ctx["context"] < 131072 and ctx["memory_required_mib"] <= 16 * 1024 and ctx["placement"] == "gpu"


def test_no_alternatives_when_it_runs_well():
    v = engine.evaluate(cli_options.llm_workload("llama-3.2-3b", None, None), _hw("RTX 4090"), alternatives_too=True)
    assert v["verdict"] == "runs well" and "alternatives" not in v


def test_offload_uses_this_machines_ram_when_known():
    wl = cli_options.llm_workload("llama-3.1-70b", None, None)
    hw = _hw("RTX 4090", 128)
    v = engine.evaluate(wl, hw, alternatives_too=True)
    # 128 GiB of RAM is enough to offload: the verdict itself is offload, so no offload alternative is added
    assert v["placement"] == "offload" and not any(a["kind"] == "offload" for a in v["alternatives"])
    small = engine.evaluate(wl, _hw("RTX 4090", 16), alternatives_too=True)
    assert not any(a["kind"] == "offload" for a in small["alternatives"])  # 16 GiB: offload can't hold the rest


def test_unified_memory_gets_no_second_card():
    v = engine.evaluate(cli_options.llm_workload("llama-3.1-405b", None, None), _hw("M2 Ultra", 192),
                        alternatives_too=True)
    assert v["verdict"] == "does not fit" and not any(a["kind"] in ("add_gpu", "offload") for a in v["alternatives"])
    assert alternatives.MIN_BITS == 2.0 and all(
        catalogue.find_quant(a["quant"])["bits"] >= 2.0 for a in v["alternatives"] if a["kind"] == "quant")


def test_a_smaller_quant_is_offered_for_speed_only_when_it_then_runs_well():
    cpu_only = hardware.from_specs([], 32, cpu_cores=2)  # a slow 2-core machine
    for model in ("llama-3.1-8b", "llama-3.2-3b"):
        v = engine.evaluate(cli_options.llm_workload(model, None, None), cpu_only, alternatives_too=True)
        assert v["verdict"] == "runs slowly"
        for a in v["alternatives"]:
            if a["kind"] == "quant":
                assert a["verdict"] == "runs well", a
