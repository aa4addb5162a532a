"""The formats read only from pastes (rocminfo, vulkaninfo --summary, glxinfo -B, clinfo, sycl-ls,
inxi, Win32_Processor tables), on the real outputs in tests/fixtures/newformats: every fact each
expected file (tests/fixtures/expected/newformats, written by reading the output by eye) lists.
The last tests are "logic" tests on hand-made lines, named as such."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import pytest

from readiness.collect import gather
from readiness.host import replay
from readiness.probes import gfxinfo, inxi, registry, rocminfo, sycl

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = sorted((FIXTURES / "expected" / "newformats").glob("*.toml"))

# Facts a fixture states that readiness does not read yet, with why. Each is checked to still miss,
# so this list shrinks when the parser learns them.
KNOWN_MISSES = {
    # the excerpt ends after the first of the two devices its "Number of devices 2" line counts
    ("clinfo-nvidia-rtx2080ti-forum", "gpus.length"),
}


def value_at(doc, path: str):
    node = doc
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            node = node[int(part[1:-1])]
        elif part == "length":
            node = len(node)
        else:
            node = node[part]
    return node


def same(expected, got) -> bool:
    if isinstance(expected, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        return math.isclose(expected, got, rel_tol=0.005)
    if isinstance(expected, str) and isinstance(got, str):
        return expected.strip() == got.strip()
    return type(expected) is type(got) and expected == got


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_every_stated_fact_is_read(path):
    spec = tomllib.loads(path.read_text())
    host, report = replay.load([str(FIXTURES / i) for i in spec["inputs"]], registry.detectors())
    assert [k for _, k in report.used], "no input was read"
    doc = gather(host)
    wrong = []
    for key, expected in spec["facts"].items():
        try:
            got = value_at(doc, key)
        except (KeyError, IndexError, TypeError):
            got = "<absent>"
        missed = not same(expected, got)
        if (path.stem, key) in KNOWN_MISSES:
            assert missed, f"{key} is read now: take it off KNOWN_MISSES"
        elif missed:
            wrong.append(f"{key}: expected {expected!r}, got {got!r}")
    assert not wrong, "\n".join(wrong)


def test_each_new_format_has_three_real_fixtures():
    formats = [tomllib.loads(p.read_text())["format"] for p in EXPECTED]
    for fmt in ("rocminfo", "vulkaninfo", "glxinfo", "clinfo", "sycl-ls", "inxi", "cim-table"):
        assert formats.count(fmt) >= 3, fmt


def test_rocminfo_lists_cpu_agents_first_and_takes_the_gpu_agent():
    text = (FIXTURES / "newformats" / "rocminfo-mi300x-vf-xeon-8568y.txt").read_text()
    kinds = [a.get("Device Type") for a in rocminfo.agents(text)]
    assert kinds == ["CPU", "GPU"]
    # the CPU agent's Compute Unit (20) is never the GPU's (304)
    assert rocminfo.cpu(text).logical_cpus == 20 and len(rocminfo.gpus(text)) == 1


def test_software_renderers_are_not_gpus():
    text = (FIXTURES / "newformats" / "vulkaninfo-summary-rtx4080-llvmpipe.txt").read_text()
    names = [d["deviceName"] for d in gfxinfo.vulkan_devices(text)]
    assert any("llvmpipe" in n for n in names)
    assert [g.name for g in gfxinfo.vulkan_gpus(text)] == ["NVIDIA GeForce RTX 4080"]


def test_sycl_ls_counts_a_card_once_across_backends():
    text = (FIXTURES / "newformats" / "sycl-ls-b580-uhd770-docker.txt").read_text()
    assert [g.name for g in sycl.sycl_gpus(text)] == ["Intel(R) Graphics [0xe20b]", "Intel(R) UHD Graphics 770"]


def test_logic_two_identical_cards_stay_two_in_sycl_ls():
    line = "[level_zero:gpu][level_zero:{}] Intel(R) oneAPI Unified Runtime over Level-Zero, Intel(R) Arc(TM) Pro B60 " \
           "Graphics 20.1.0 [1.6.33578+11]"
    assert len(sycl.sycl_gpus("\n".join(line.format(i) for i in range(4)))) == 4


def test_wsl_d3d12_renderer_names_the_windows_gpu_without_its_shared_memory():
    text = (FIXTURES / "newformats" / "glxinfo-B-wslg-rtx2070-super.txt").read_text()
    (gpu,) = gfxinfo.glx_gpus(text)
    assert gpu.name == "NVIDIA GeForce RTX 2070 Super"
    assert gpu.memory_total_mib is None  # "Video memory: 24286MB" counts shared RAM
    assert gpu.driver_version is None  # Mesa's d3d12 version is not an NVIDIA driver version


def test_inxi_joins_lines_an_email_wrapped():
    text = (FIXTURES / "newformats" / "inxi-email-quoted-wrapped-ryzen7-5800u.txt").read_text()
    from readiness.host import paste

    cleaned = "\n".join(t for _, t in paste.clean(text).lines)
    assert inxi.sections(cleaned)["CPU"].startswith("Topology: 8-Core model: AMD Ryzen 7 5800U with Radeon Graphics bits")


def test_pasted_cpu_facts_never_replace_the_cpu_probes_own():
    from readiness.facts import CpuFacts
    from readiness.collect import _fill_section as _fill

    cpu = CpuFacts(model="from lscpu", physical_cores=None)
    cpu = _fill(cpu, [CpuFacts(model="from rocminfo", physical_cores=8)])
    assert cpu.model == "from lscpu" and cpu.physical_cores == 8


def test_logic_video_controller_table_with_a_saturated_adapter_ram():
    table = ("Name                    AdapterRAM DriverVersion\n"
             "----                    ---------- -------------\n"
             "NVIDIA GeForce RTX 4090 4293918720 32.0.15.6094\n"
             "Intel(R) UHD Graphics    1073741824 31.0.101.2111\n")
    gpus = inxi.cim_gpus(table)
    assert [(g.vendor, g.memory_total_mib, g.driver_version) for g in gpus] == [
        ("nvidia", None, "32.0.15.6094"), ("intel", 1024, "31.0.101.2111")]
    assert not inxi.is_cim_cpu_table(table)
