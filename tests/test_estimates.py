"""Estimates: backend as an input, MoE, CPU families, APU memory, HF/DeepSeek configs, the compute table,
and the fitted factors (issue 15)."""

import json
import math
import sys

import pytest

from conftest import FIXTURES
from readiness import catalog, data
from readiness.catalog import names
from readiness.workloads import calibrate, catalogue, engine, hardware, llm, ranges

HF = FIXTURES / "hf_configs"


def _estimate(run, *args):
    r = run("estimate", *args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


# -- backend ----------------------------------------------------------------------------------------

def test_backend_is_an_input_with_the_vendors_usual_one_by_default(run):
    default = _estimate(run, "--gpu", "RX 7900 XTX", "--model", "llama-3.1-8b")
    vulkan = _estimate(run, "--gpu", "RX 7900 XTX", "--model", "llama-3.1-8b", "--backend", "vulkan")
    assert default["backend"] == "rocm" and vulkan["backend"] == "vulkan"
    assert vulkan["hardware"]["backend"] == "vulkan"
    # each backend has its own fitted factors, so the same card gets a different answer
    assert (default["decode_tokens_per_s"], default["prompt_tokens_per_s"]) != \
        (vulkan["decode_tokens_per_s"], vulkan["prompt_tokens_per_s"])


def test_backend_that_cannot_run_on_the_gpu_is_exit_2(run):
    r = run("estimate", "--gpu", "RTX 4090", "--model", "llama-3.1-8b", "--backend", "metal")
    assert r.exit_code == 2 and "--backend metal" in r.stderr


def test_backend_cpu_runs_from_ram(run):
    out = _estimate(run, "--gpu", "RTX 4090", "--ram-gib", "64", "--model", "llama-3.1-8b", "--backend", "cpu")
    assert out["placement"] == "cpu" and out["backend"] == "cpu"


def test_engine_takes_a_plain_backend_for_check():
    facts = {"gpus": [{"vendor": "amd", "name": "AMD Radeon RX 7900 XTX", "status": "ok", "memory_total_mib": 24560,
                       "memory_bandwidth_gbps": 960}], "stack": {"rocm": {"version": "6.2"}},
             "memory": {"total_mib": 65536, "available_mib": 60000}, "cpu": {"model": "AMD Ryzen 9 7950X"}}
    assert hardware.from_facts(facts).gpus[0].backend == "rocm"
    assert hardware.from_facts(facts, backend="vulkan").gpus[0].backend == "vulkan"
    workload = {"id": "w", "name": "w", "kind": "llm-inference", "model": "llama-3.1-8b", "quant": "q4_k_m",
                "headline": True}
    (v,) = engine.verdicts(facts, [workload], backend="vulkan")
    assert v["backend"] == "vulkan"


def test_check_assume_gpu_takes_backend(run):
    r = run("check", "--from", str(FIXTURES / "linux"), "--assume-gpu", "RX 7900 XTX", "--backend", "vulkan",
            "--json", "--no-costs")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    verdicts = doc.get("verdicts") or doc.get("judgments", {}).get("verdicts")
    llm_backends = {v["backend"] for v in verdicts if v["kind"] == "llm-inference" and v["placement"] == "gpu"}
    assert llm_backends == {"vulkan"}


def test_quantized_prompts_use_int8_peak_only_for_builds_that_have_int8_kernels():
    spec, _ = names.parse_gpu_arg("RTX 4090")
    q4, f16 = catalogue.find_quant("q4_k_m"), catalogue.find_quant("f16")
    dev = hardware.from_specs([(spec, 1)], None).gpus[0]
    assert llm.peak_tflops(dev, q4) == spec.int8_tops
    # before llama.cpp PR #8075, and for f16 weights: cuBLAS in FP16 with FP16 accumulate, which a GeForce
    # part runs at twice its FP32-accumulate figure (the catalogue's 165.15): Ada whitepaper 330.3 = INT8 / 2
    assert llm.peak_tflops(dev, q4, build_date="2024-05") == spec.int8_tops / 2 == 2 * spec.fp16_tflops
    assert llm.peak_tflops(dev, f16) == spec.int8_tops / 2
    assert llm.peak_tflops(dev, catalogue.find_quant("f32")) == spec.fp16_tflops  # f32 weights: no FP16 path


def test_int8_rate_of_geforce_rows_without_one_comes_from_the_whitepaper_ratio():
    spec, _ = names.parse_gpu_arg("RTX 3090")
    assert spec.int8_tops is None  # the catalogue row carries FP32 and FP16 only
    dev = hardware.from_specs([(spec, 1)], None).gpus[0]
    assert abs(dev.int8_tops - 8 * spec.fp32_tflops) < 1e-9  # GA102 whitepaper: 284 INT8 over 35.6 FP32


# -- MoE ---------------------------------------------------------------------------------------------

def _on(gpu, model_id, quant="q4_k_m"):
    hw = hardware.from_specs([names.parse_gpu_arg(gpu)], None)
    return llm.estimate(catalogue.find_model(model_id), catalogue.find_quant(quant), 4096, hw)


def test_moe_prompt_pays_for_the_experts_each_batch_touches():
    moe = catalogue.find_model("qwen3-30b-a3b")
    dense = {**catalogue.find_model("llama-3.2-3b"), "params_b": moe["active_params_b"],
             "active_params_b": moe["active_params_b"], "layers": moe["layers"]}  # logic: same active size, dense
    q = catalogue.find_quant("q4_k_m")
    hw = hardware.from_specs([names.parse_gpu_arg("RTX 4090")], None)
    moe_c = llm.components(moe, q, 512, 1008, 165)
    dense_c = llm.components(dense, q, 512, 1008, 165)
    # a 512-token batch routes to (nearly) every expert, so it reads all 30B weights, not the 3B active
    assert moe_c["prompt_touched_s"] > 5 * dense_c["prompt_touched_s"]
    assert moe_c["expert_batch"] == pytest.approx(512 * moe["experts_active"] / moe["experts"])
    assert llm.estimate(moe, q, 4096, hw)["prompt_tokens_per_s"] < llm.estimate(dense, q, 4096, hw)["prompt_tokens_per_s"]


def test_moe_decode_reads_only_the_active_experts():
    moe = _on("RTX PRO 6000 Blackwell", "qwen3-30b-a3b")
    dense = _on("RTX PRO 6000 Blackwell", "qwen2.5-32b") if "qwen2.5-32b" in catalogue.models() else \
        _on("RTX PRO 6000 Blackwell", "qwen2.5-14b")
    assert moe["decode_tokens_per_s"] > 2 * dense["decode_tokens_per_s"]
    assert moe["group"]["moe"] is True and dense["group"]["moe"] is False


def test_moe_split_keeps_shared_and_dense_parts_always_active():
    split = llm.speed.moe_split(catalogue.find_model("mixtral-8x7b"))
    m = catalogue.find_model("mixtral-8x7b")
    assert split["dense_b"] + split["active_routed_b"] == pytest.approx(m["active_params_b"], rel=1e-6)
    assert split["dense_b"] + split["routed_b"] == pytest.approx(m["params_b"], rel=1e-6)


# -- CPU families --------------------------------------------------------------------------------------

def _cpu_facts(model, cores, mhz, flags):
    return {"gpus": [], "memory": {"total_mib": 512 * 1024, "available_mib": 500 * 1024},
            "cpu": {"model": model, "physical_cores": cores, "max_mhz": mhz, "flags": flags}}


def test_laptop_desktop_and_server_cpus_get_different_answers():
    laptop = _cpu_facts("13th Gen Intel(R) Core(TM) i5-1335U", 10, 4600, ["avx2", "fma"])
    desktop = _cpu_facts("AMD Ryzen 9 7950X 16-Core Processor", 16, 5700, ["avx2", "fma", "avx512f"])
    server = _cpu_facts("AMD EPYC 9654 96-Core Processor", 96, 3700, ["avx2", "fma", "avx512f"])
    speeds = []
    for facts in (laptop, desktop, server):
        hw = hardware.from_facts(facts)
        est = llm.estimate(catalogue.find_model("llama-3.1-8b"), catalogue.find_quant("q4_k_m"), 4096, hw)
        assert est["placement"] == "cpu"
        speeds.append(est["decode_tokens_per_s"])
    assert speeds[0] < speeds[1] < speeds[2]
    assert hardware.from_facts(server).cpu_bandwidth_gbps == pytest.approx(12 * 8 * 4800 / 1000)
    assert "EPYC 9004" in " ".join(hardware.from_facts(server).assumptions)


def test_measured_ram_bandwidth_replaces_the_family_figure():
    facts = _cpu_facts("AMD Ryzen 9 7950X 16-Core Processor", 16, 5700, ["avx2"])
    assert hardware.from_facts(facts, measured={"ram_bandwidth_gbps": 61.5}).cpu_bandwidth_gbps == 61.5


def test_cpu_memory_rows_have_sources_and_consistent_figures():
    for row in data.rows("cpu_memory", "cpu"):
        assert row["source"] and row["date"] and row["segment"] in ("server", "workstation", "desktop", "laptop")
        assert 1 <= row["channels"] <= 12 and 1000 <= row["mt_s"] <= 9000, row["family"]


# -- APU memory -----------------------------------------------------------------------------------------

def test_strix_halo_without_ram_uses_its_largest_configuration(run):
    small = _estimate(run, "--gpu", "Radeon 8060S", "--model", "llama-3.1-8b")
    assert small["placement"] == "gpu"
    assert any("largest configuration" in a for a in small["assumptions"])
    big = _estimate(run, "--gpu", "Radeon 8060S", "--model", "llama-3.1-70b", "--quant", "q8_0")
    assert big["placement"] == "gpu"  # a 128 GB Strix Halo runs a 70B Q8 on its iGPU
    assert _estimate(run, "--gpu", "Radeon 8060S", "--ram-gib", "32", "--model", "llama-3.1-70b",
                     "--quant", "q8_0")["placement"] == "none"


def test_apu_usable_memory_is_carve_out_plus_gtt():
    base = {"vendor": "amd", "name": "AMD Radeon 8060S", "status": "ok", "integrated": True, "unified_memory": True,
            "memory_total_mib": 512, "memory_bandwidth_gbps": 256}
    facts = {"gpus": [dict(base, memory_gtt_mib=100 * 1024)], "stack": {}, "cpu": {},
             "memory": {"total_mib": 128 * 1024, "available_mib": 120 * 1024}}
    assert hardware.from_facts(facts).gpus[0].memory_mib == 512 + 100 * 1024
    facts["gpus"] = [base]  # GTT size not read: amdgpu's default, half of RAM
    dev = hardware.from_facts(facts).gpus[0]
    assert dev.memory_mib == 512 + 64 * 1024
    assert any("GTT size not read" in a for a in hardware.from_facts(facts).assumptions)


# -- Hugging Face / DeepSeek configs ---------------------------------------------------------------------

@pytest.mark.parametrize("name,total,active", [("671B", 671, 37), ("236B", 236, 21), ("16B", 15.7, 2.4)])
def test_deepseek_configs_count_experts_and_mla(name, total, active):
    m = catalogue.model_from_hf_config(str(HF / f"deepseek-v3-inference-config_{name}.json"))
    # DeepSeek's published totals (V3 671B/37B, V2 236B/21B, V2-Lite 15.7B/2.4B active, embeddings aside)
    assert m["params_b"] == pytest.approx(total, rel=0.01)
    assert active * 0.95 <= m["active_params_b"] <= active * 1.2
    assert m["experts"] > 1 and m["dense_layers"] >= 1
    assert "warnings" not in m


def test_mla_caches_the_latent_not_full_heads():
    m = catalogue.model_from_hf_config(str(HF / "deepseek-v3-inference-config_671B.json"))
    # 61 layers × (kv_lora_rank 512 + qk_rope_head_dim 64) × 2 bytes per token
    assert llm.kv_bytes(m, 4096) == 61 * 576 * 2 * 4096


def test_config_fields_readiness_does_not_read_are_named(run, tmp_path):
    # logic: a hand-made config (the real fixtures above have no unknown fields)
    cfg = json.loads((HF / "deepseek-v3-inference-config_16B.json").read_text())
    cfg["index_n_heads"] = 64
    cfg["hc_mult"] = 4
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    out = _estimate(run, "--gpu", "H100 SXM", "--model-config", str(tmp_path / "config.json"))
    warned = [a for a in out["assumptions"] if a.startswith("warning:")]
    assert len(warned) == 1 and "hc_mult" in warned[0] and "index_n_heads" in warned[0]


# -- the compute table -------------------------------------------------------------------------------------

def test_every_cards_fp16_and_int8_ratio_to_fp32_is_its_architectures():
    known = {(r["vendor"], r["architecture"]): r for r in data.rows("compute_ratios", "known_ratio")}
    off = []
    for g in data.rows("gpus", "gpu"):
        if not g.get("fp32_tflops") or g["vendor"] == "apple":
            continue
        for key, field in (("fp16_tflops", "fp16_per_fp32"), ("int8_tops", "int8_per_fp32")):
            if not g.get(key):
                continue
            row = known.get((g["vendor"], g.get("architecture")))
            if row is None:
                off.append(f"{g['id']}: no known ratios for {g['vendor']} {g.get('architecture')}")
                continue
            ratio = g[key] / g["fp32_tflops"]
            if not any(abs(ratio / r - 1) <= 0.12 for r in row[field]):
                off.append(f"{g['id']}: {key} = {ratio:.2f} × FP32, {g['architecture']} has {row[field]}")
    assert not off, "\n".join(off)


# -- the fitted factors --------------------------------------------------------------------------------------

def test_shipped_factors_are_what_the_fit_gives_on_the_shipped_rows():
    sys.path.insert(0, str(FIXTURES.parent.parent / "benchmarks"))
    import accuracy

    samples, _ = accuracy.load_samples()
    fitted = calibrate.fit(samples)
    shipped = data.load("efficiency")
    strip = lambda rows: sorted((tuple(sorted((k, v) for k, v in r.items() if k not in ("source", "date"))))
                                for r in rows)  # noqa: E731
    assert strip(shipped["efficiency"]) == strip(fitted["efficiency"])
    assert strip(shipped["overhead"]) == strip(fitted["overhead"])
    assert strip(shipped["era"]) == strip(fitted["era"])
    assert strip(shipped["vector"]) == strip(fitted["vector"])
    assert {k: v for k, v in shipped["moe"].items() if k not in ("source", "date")} == fitted["moe"]
    for row in shipped["efficiency"]:
        assert row["source"].startswith("fitted by benchmarks/accuracy.py --fit on validation.toml rows")


def test_ranges_come_from_held_out_groups_and_say_when_thin():
    tbl = {"range": [{"phase": "decode", "backend": "cuda", "generation": "Ampere", "kind": "dense",
                      "low": 0.8, "high": 1.2, "rows": 30},
                     {"phase": "decode", "backend": "*", "generation": "*", "kind": "*",
                      "low": 0.5, "high": 1.6, "rows": 200}]}
    assert llm.speed.range_factors("decode", "cuda", "Ampere", False, tbl)["thin"] is False
    thin = llm.speed.range_factors("decode", "sycl", "Xe2-HPG", False, tbl)
    assert thin["thin"] is True and thin["low"] == 0.5


def test_range_rows_cover_about_80_percent_of_their_residuals():
    # logic: 100 residuals, evenly spread; the range must hold about 85% (7.5th to 92.5th percentile)
    res = [{"phase": "decode", "backend": "cuda", "generation": "Ampere", "moe": False, "source": f"s{i % 5}",
            "log_ratio": (i - 50) / 100} for i in range(100)]
    row = next(r for r in calibrate.range_rows(res) if r["backend"] == "cuda" and r["generation"] == "Ampere")
    inside = sum(1 for r in res if row["low"] <= 2.718281828 ** r["log_ratio"] <= row["high"])
    assert 80 <= inside <= 90


def test_era_factor_follows_the_build_date_within_the_years_fitted():
    # logic: a per-layer cost that halves every year, fitted on builds of 2024 to 2026
    tbl = {"overhead": [{"backend": "cuda", "per_layer_us": 40}], "moe": {},
           "era": [{"term": "layer", "backend": "cuda", "per_year": -math.log(2), "year_min": 2024.0, "year_max": 2026.0}]}
    assert llm.speed.overhead("cuda", tbl, "2025-01")["per_layer_us"] == pytest.approx(40 * 2 ** (23 / 24), rel=1e-6)  # mid-January
    assert llm.speed.overhead("cuda", tbl, "2024-02")["per_layer_us"] > 3 * llm.speed.overhead("cuda", tbl, None)["per_layer_us"]
    # clamped: a 2020 build is priced as the oldest build seen, no date as the newest
    assert llm.speed.overhead("cuda", tbl, "2020-01")["per_layer_us"] == llm.speed.overhead("cuda", tbl, "2023-06")["per_layer_us"] == 160
    assert llm.speed.overhead("cuda", tbl, None)["per_layer_us"] == pytest.approx(40.0)
    assert llm.speed.era("prompt", "cuda", "2024-01", tbl) == 1.0  # no prompt slope fitted


def test_prompt_pays_the_vector_share_at_the_fp32_rate():
    model, q = catalogue.find_model("llama-3-8b"), catalogue.find_quant("q4_k_m")
    base = {"efficiency": [{"phase": p, "backend": "*", "generation": "*", "quant_kind": "*", "efficiency": 0.5}
                           for p in ("decode", "prompt")], "overhead": [], "moe": {}, "era": []}
    place = {"fraction": 1.0, "bandwidth_gbps": 1000, "peak_tflops": 300, "backend": "cuda", "generation": "x"}
    no_share = llm.prompt_seconds_per_token(model, q, [{**place, "vector_tflops": 20}], base)
    shared = {**base, "vector": [{"backend": "cuda", "share": 0.2}]}
    slow_vector = llm.prompt_seconds_per_token(model, q, [{**place, "vector_tflops": 20}], shared)
    fast_vector = llm.prompt_seconds_per_token(model, q, [{**place, "vector_tflops": 80}], shared)
    # a data-centre card (tensor peak 15x its FP32) loses more to the vector work than a consumer one
    assert no_share < fast_vector < slow_vector
    flops = 2 * float(model["params_b"]) * 1e9
    assert slow_vector - no_share == pytest.approx(0.2 * flops / 20e12, rel=1e-6)


def test_chosen_ranges_hold_about_80_percent_of_sources_they_never_saw():
    # logic: 8 sources, each shifted by its own offset (the between-source spread a per-row percentile misses)
    import random

    rnd = random.Random(15)
    res = [{"phase": "decode", "backend": "cuda", "generation": "Ampere", "moe": False, "source": f"s{k}",
            "log_ratio": (k - 3.5) / 10 + rnd.gauss(0, 0.1)} for k in range(8) for _ in range(15)]
    inside = total = 0
    for k in range(8):
        tail = ranges.choose(res, exclude_source=f"s{k}")
        rows = ranges.range_rows(res, exclude_source=f"s{k}", tail=tail)
        row = next(r for r in rows if r["backend"] == "cuda" and r["generation"] == "Ampere")
        held = [r for r in res if r["source"] == f"s{k}"]
        inside += sum(1 for r in held if math.log(row["low"]) <= r["log_ratio"] <= math.log(row["high"]))
        total += len(held)
    assert 0.7 <= inside / total <= 0.95
    # the choice never looks at the excluded source: skewing it changes nothing
    skewed = [{**r, "log_ratio": r["log_ratio"] + 5} if r["source"] == "s0" else r for r in res]
    assert ranges.choose(skewed, exclude_source="s0") == ranges.choose(res, exclude_source="s0")
