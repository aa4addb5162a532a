"""GPU names as people type them (readiness.catalog.names): loose names, counts, the ambiguity rule,
unknown names with 'did you mean', and bounded work on hostile input. Inputs are typed names (logic)."""

import pytest

from readiness import catalog
from readiness.catalog import names
from readiness.errors import ReadinessError


@pytest.mark.parametrize("text, gpu_id, count", [
    ("rtx4090", "rtx-4090", 1), ("RTX-4090", "rtx-4090", 1), ("4090", "rtx-4090", 1),
    ("geforce 4090", "rtx-4090", 1), ("NVIDIA GeForce RTX 4090", "rtx-4090", 1),
    ("7900xtx", "rx-7900-xtx", 1), ("rx 7900 xtx", "rx-7900-xtx", 1), ("Radeon RX 7900 XTX", "rx-7900-xtx", 1),
    ("7900 xt", "rx-7900-xt", 1),
    ("m3max", "apple-m3-max-30c", 1), ("M3 Max 40-core", "apple-m3-max-40c", 1),
    ("Apple M3 Max (40-core GPU)", "apple-m3-max-40c", 1),
    ("2x 3090", "rtx-3090", 2), ("3090x2", "rtx-3090", 2), ("2×RTX 3090", "rtx-3090", 2),
    ("RTX 3090 x2", "rtx-3090", 2), ("4090x2", "rtx-4090", 2), ("2 x RTX 3090", "rtx-3090", 2),
    ("H100 SXM x8", "h100-sxm5", 8), ("gtx 1080", "gtx-1080", 1), ("a770", "arc-a770", 1),
    ("Strix Halo", "radeon-8060s", 1), ("RTX 4060", "rtx-4060", 1),
])
def test_loose_names_resolve(text, gpu_id, count):
    r = names.resolve(text)
    assert (r.spec.id, r.count) == (gpu_id, count)


def test_a_series_digit_is_not_a_count():
    # "gtx 1080" ends in x + digits; it is a GPU, not 1080 of "gt".
    assert names.parse_gpu_arg("GTX 1080") == (catalog.lookup("GTX 1080"), 1)
    assert names.resolve("RTX 4060").spec.id != names.resolve("RTX 4060 Ti").spec.id


@pytest.mark.parametrize("text, chosen, others", [
    ("H100", "h100-pcie", {"h100-sxm5", "h100-nvl"}),
    ("A100", "a100-pcie-40gb", {"a100-sxm4-80gb"}),
    ("A100 80GB", "a100-pcie-80gb", {"a100-sxm4-80gb"}),
    ("RTX 3060", "rtx-3060-8gb", {"rtx-3060-12gb"}),
    ("M2 Ultra", "apple-m2-ultra-60c", {"apple-m2-ultra-76c"}),
])
def test_ambiguous_names_pick_the_conservative_variant_and_say_so(text, chosen, others):
    r = names.resolve(text)
    assert r.spec.id == chosen and r.ambiguous
    specs = {s.id: s for s in catalog.all_gpus()}
    for o in others:
        assert specs[o].name in r.variants
        # conservative: never more memory or bandwidth than a variant it was chosen over
        assert (r.spec.memory_gib, r.spec.memory_bandwidth_gbps) <= (specs[o].memory_gib, specs[o].memory_bandwidth_gbps)
    assert r.spec.name in r.note and "not optimistic" in r.note


def test_a_specific_name_is_not_ambiguous():
    for text in ("H100 SXM", "H100 PCIe", "A100 SXM4 80GB", "RTX 3060 12GB", "M2 Ultra 76-core"):
        r = names.resolve(text)
        assert not r.ambiguous and r.note is None, text


def test_unknown_name_is_exit_2_with_three_closest_names():
    with pytest.raises(ReadinessError) as e:
        names.resolve("RTX 4099")
    assert "unknown GPU 'RTX 4099'" in str(e.value) and e.value.exit_code == 2
    assert e.value.hint.startswith("did you mean ") and "RTX 4090" in e.value.hint
    assert e.value.hint.count("'") == 6  # three names, each quoted
    assert "--" not in str(e.value) + e.value.hint  # engines never name flags


def test_hostile_names_fail_at_once():
    # Bounded: the name is refused before any pattern runs (issue 19: 37 s for this input before).
    with pytest.raises(ReadinessError, match="too long"):
        names.resolve("9" * 40_000)
    with pytest.raises(ReadinessError, match="too long"):
        names.resolve("2x " + "x" * 5000)
    with pytest.raises(ReadinessError, match="empty"):
        names.resolve("   ")


def test_counts_are_bounded():
    with pytest.raises(ReadinessError, match="bad GPU count"):
        names.resolve("RTX 3090 x99")


def test_the_cli_takes_loose_names_and_explains_unknown_ones(run):
    ok = run("estimate", "--gpu", "rtx4090", "--model", "llama-3.1-8b")
    assert ok.exit_code == 0 and "NVIDIA GeForce RTX 4090" in ok.stdout  # was "unknown GPU 'rt'"
    two = run("estimate", "--gpu", "4090x2", "--model", "llama-3.1-8b")
    assert two.exit_code == 0 and "2× NVIDIA GeForce RTX 4090" in two.stdout
    amb = run("estimate", "--gpu", "H100", "--model", "llama-3.1-8b")
    assert amb.exit_code == 0 and "NVIDIA H100 PCIe" in amb.stdout and "not optimistic" in amb.stdout
    bad = run("estimate", "--gpu", "rtx 4099", "--model", "llama-3.1-8b")
    assert bad.exit_code == 2 and "error: unknown GPU 'rtx 4099'" in bad.stderr
    assert "hint: did you mean 'NVIDIA GeForce RTX 4090'" in bad.stderr
