"""Parsers on real outputs from real machines (sources in tests/fixtures/README.md).

Every expected value below was read by hand from the fixture file it is checked against.
"""

import pytest

from conftest import FIXTURES, facts_from

LINUX = FIXTURES / "linux"


@pytest.mark.parametrize("machine, expect", [
    ("intel-spr-amx", {"vendor": "Intel", "model": "Intel(R) Xeon(R) Platinum 8488C", "arch": "x86_64",
                       "physical_cores": 8, "logical_cpus": 16}),
    ("intel-gnr-amx", {"vendor": "Intel", "model": "Intel(R) Xeon(R) 6972P", "physical_cores": 96, "logical_cpus": 96}),
    ("amd-zen", {"vendor": "AMD", "model": "AMD Ryzen 7 8700F 8-Core Processor", "physical_cores": 8,
                 "logical_cpus": 16}),
    ("amd-zen3-5950x", {"vendor": "AMD", "model": "AMD Ryzen 9 5950X 16-Core Processor", "physical_cores": 16,
                        "logical_cpus": 32}),
    ("arm-server", {"vendor": "ARM", "model": "Neoverse-V2", "arch": "arm64"}),
    ("arm-server-graviton2", {"vendor": "ARM", "model": "Neoverse-N1", "arch": "arm64"}),
    ("raspberry-pi", {"vendor": "ARM", "model": "Cortex-A72", "arch": "arm64", "logical_cpus": 4,
                      "physical_cores": None}),
    ("wsl2", {"vendor": "AMD", "model": "AMD Ryzen 7 PRO 2700 Eight-Core Processor", "physical_cores": 8,
              "logical_cpus": 16}),
    ("intel-spr-gcp-c3", {"vendor": "Intel", "physical_cores": 88, "logical_cpus": 176}),
    ("intel-tigerlake-i5-1145g7", {"vendor": "Intel", "physical_cores": 4, "logical_cpus": 8, "max_mhz": 4400.0}),
    ("intel-core-i5-m460", {"vendor": "Intel", "physical_cores": 2, "logical_cpus": 4}),
])
def test_cpu_identity(run, machine, expect):
    cpu = facts_from(LINUX / machine, run=run)["cpu"]
    for key, value in expect.items():
        assert cpu[key] == value, key


AMX = {"avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"}


@pytest.mark.parametrize("machine", ["intel-spr-amx", "intel-gnr-amx"])
def test_amx_machines_report_every_ai_flag(run, machine):
    flags = set(facts_from(LINUX / machine, run=run)["cpu"]["flags"])
    assert AMX <= flags


def test_gcp_guest_hides_amx_and_wrapped_lscpu_flags_are_rejoined(run):
    # lscpu wrapped its Flags line mid-word ("l" / "ahf_lm"); the joined value must hold whole words.
    flags = set(facts_from(LINUX / "intel-spr-gcp-c3", run=run)["cpu"]["flags"])
    assert {"lahf_lm", "avx512f", "avx512_vnni", "avx512_bf16"} <= flags
    assert "l" not in flags and "ahf_lm" not in flags
    assert not {"amx_tile", "amx_bf16", "amx_int8"} & flags


def test_zen_has_avx2_but_no_avx512(run):
    flags = set(facts_from(LINUX / "amd-zen3-5950x", run=run)["cpu"]["flags"])
    assert {"avx", "avx2", "fma", "f16c"} <= flags
    assert "avx512f" not in flags


@pytest.mark.parametrize("machine, expect", [
    ("arm-server", {"asimd", "asimddp", "i8mm", "sve", "sve2", "bf16"}),
    ("arm-server-graviton2", {"asimd", "asimddp"}),
    ("raspberry-pi", {"asimd"}),
])
def test_arm_features(run, machine, expect):
    flags = set(facts_from(LINUX / machine, run=run)["cpu"]["flags"])
    assert expect <= flags
    if machine != "arm-server":
        assert "sve" not in flags and "i8mm" not in flags


def test_flags_are_lowercase_and_normalised(run):
    for machine in ["intel-spr-amx", "amd-zen", "arm-server", "wsl2"]:
        flags = facts_from(LINUX / machine, run=run)["cpu"]["flags"]
        assert flags == sorted(set(flags)) and all(f == f.lower() for f in flags)


def test_lscpu_json_old_and_new_layouts_agree_on_keys(run):
    new = facts_from(LINUX / "intel-tigerlake-i5-1145g7", run=run)["cpu"]
    old = facts_from(LINUX / "intel-core-i5-m460", run=run)["cpu"]
    assert new["model"] == "11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz"
    assert old["model"].startswith("Intel(R) Core(TM) i5 CPU") and old["max_mhz"] == 2534.0


@pytest.mark.parametrize("machine, total, available", [
    ("wsl2-laptop-jbell", 7989432 // 1024, 4877840 // 1024),
    ("x86-server-falcon", 16268680 // 1024, 8366284 // 1024),
])
def test_meminfo(run, machine, total, available):
    mem = facts_from(LINUX / machine, run=run)["memory"]
    assert (mem["total_mib"], mem["available_mib"]) == (total, available)
    assert mem["swap_total_mib"] is not None


def test_uname_wsl(run):
    host = facts_from(LINUX / "wsl2-kali", run=run)["host"]
    assert host["wsl"] is True
    assert host["kernel"] == "5.10.16.3-microsoft-standard-WSL2"
    assert host["arch"] == "x86_64" and host["hostname"] == "DESKTOP-KSTB1B7"
    assert host["os_release"] == "Kali GNU/Linux Rolling"


def test_uname_raspberry_pi(run):
    host = facts_from(LINUX / "raspberry-pi", run=run)["host"]
    assert host["os"] == "linux" and host["arch"] == "arm64" and host["wsl"] is False
    assert host["kernel"] == "6.12.47+rpt-rpi-v8"


def test_os_release(run):
    host = facts_from(LINUX / "raspberry-pi-4-bullseye", run=run)["host"]
    assert host["os_release"] == "Debian GNU/Linux 11 (bullseye)"
    assert host["wsl"] is None  # no kernel release given: unknown, not "no"


@pytest.mark.parametrize("name, release, version", [
    ("nvcc-version-11.5.txt", "11.5", "11.5.119"),
    ("nvcc-version-12.5.txt", "12.5", "12.5.82"),
])
def test_nvcc(run, name, release, version):
    cuda = facts_from(LINUX / "nvcc" / name, run=run)["stack"]["cuda"]
    assert cuda["toolkit_version"] == release
    assert cuda["toolkits"][0]["version"] == version


def test_arm_part_names_come_from_the_data_table():
    from readiness.probes.cpu import arm_names

    assert arm_names("0x41", "0xd0c") == ("ARM", "Neoverse-N1")
    assert arm_names("0x41", "0xd08") == ("ARM", "Cortex-A72")
    assert arm_names("0x41", "0xfff") == ("ARM", None)
    assert arm_names(None, None) == (None, None)
