"""Two GPUs in one machine, and one GPU seen by several sources is one GPU.

Parser tests use real outputs (sources in tests/fixtures/README.md). Tests marked "logic" feed
small hand-made answers through the host seam to check a rule of the code, not a parser."""

from conftest import gpus


# -- two GPUs ---------------------------------------------------------------------------------

def test_laptop_with_igpu_and_dgpu_uses_the_discrete_one():
    facts = {"gpus": [
        {"index": 0, "vendor": "intel", "name": "Intel(R) UHD Graphics", "status": "ok", "integrated": True,
         "unified_memory": True, "memory_total_mib": None},
        {"index": 1, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 4060 Laptop GPU", "status": "ok",
         "integrated": False, "memory_total_mib": 4096, "memory_free_mib": 4000}],
        "memory": {"total_mib": 16384, "available_mib": 12000}, "cpu": {}, "stack": {}}
    from readiness.workloads import hardware

    hw = hardware.from_facts(facts)
    assert [d.vendor for d in hw.gpus] == ["nvidia"]
