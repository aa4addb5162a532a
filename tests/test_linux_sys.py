"""host/linux_sys.py: the Linux calls read from /sys and /proc as psutil reads them (issue 18). Trees
laid out like / in tmp_path for the edges, and this real machine against psutil itself."""

from __future__ import annotations

import os
import sys

import pytest

from readiness.host import linux_sys


def _write(root, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cores_are_distinct_sibling_lists(tmp_path):
    # 4 threads on 2 cores: cpu0/cpu2 and cpu1/cpu3 share a core
    for cpu, siblings in ((0, "0,2"), (1, "1,3"), (2, "0,2"), (3, "1,3")):
        _write(tmp_path, f"sys/devices/system/cpu/cpu{cpu}/topology/core_cpus_list", siblings + "\n")
    assert linux_sys.cpu_count(str(tmp_path)) == {"logical": 4, "physical": 2}


def test_cores_from_cpuinfo_without_topology(tmp_path):
    block = "processor\t: {n}\nphysical id\t: {p}\ncpu cores\t: 6\n\n"
    _write(tmp_path, "proc/cpuinfo", "".join(block.format(n=n, p=n // 12) for n in range(24)))
    assert linux_sys.cpu_count(str(tmp_path))["physical"] == 12  # two packages of 6 cores
    _write(tmp_path, "proc/cpuinfo", "processor\t: 0\n")  # nothing to count cores by: unknown, not 0
    assert linux_sys.cpu_count(str(tmp_path))["physical"] is None


def test_freq_is_the_mean_over_policies(tmp_path):
    for n, (cur, top) in enumerate(((2_000_000, 5_000_000), (1_000_000, 3_000_000))):
        for f, v in (("scaling_cur_freq", cur), ("scaling_max_freq", top), ("scaling_min_freq", 800_000)):
            _write(tmp_path, f"sys/devices/system/cpu/cpufreq/policy{n}/{f}", f"{v}\n")
    assert linux_sys.cpu_freq(str(tmp_path)) == {"current": 1500.0, "min": 800.0, "max": 4000.0}


def test_freq_from_cpuinfo_alone_has_no_max(tmp_path):
    _write(tmp_path, "proc/cpuinfo", "processor\t: 0\ncpu MHz\t\t: 2400.000\n\nprocessor\t: 1\ncpu MHz\t\t: 1600.000\n")
    assert linux_sys.cpu_freq(str(tmp_path)) == {"current": 2000.0, "min": 0.0, "max": 0.0}
    assert linux_sys.cpu_freq(str(tmp_path / "nothing")) is None


def test_battery_percent_and_plug(tmp_path):
    assert linux_sys.battery(str(tmp_path)) is None  # no power_supply folder
    _write(tmp_path, "sys/class/power_supply/AC/online", "0\n")
    assert linux_sys.battery(str(tmp_path)) is None  # a mains adapter is no battery
    _write(tmp_path, "sys/class/power_supply/BAT0/energy_now", "30000000\n")
    _write(tmp_path, "sys/class/power_supply/BAT0/energy_full", "40000000\n")
    assert linux_sys.battery(str(tmp_path)) == {"percent": 75.0, "power_plugged": False}
    _write(tmp_path, "sys/class/power_supply/AC/online", "1\n")
    assert linux_sys.battery(str(tmp_path))["power_plugged"] is True


def test_battery_capacity_and_status_without_ac(tmp_path):
    _write(tmp_path, "sys/class/power_supply/BAT1/capacity", "42\n")
    _write(tmp_path, "sys/class/power_supply/BAT1/status", "Discharging\n")
    assert linux_sys.battery(str(tmp_path)) == {"percent": 42, "power_plugged": False}
    _write(tmp_path, "sys/class/power_supply/BAT1/status", "Unknown\n")
    assert linux_sys.battery(str(tmp_path))["power_plugged"] is None


def test_process_name_longer_than_the_kernel_keeps(tmp_path):
    _write(tmp_path, "proc/77/comm", "python3.11-some\n")  # cut to 15 characters by the kernel
    (tmp_path / "proc/77/cmdline").write_bytes(b"/usr/bin/python3.11-something\0-m\0vllm\0")
    assert linux_sys.process(77, str(tmp_path)) == {"name": "python3.11-something",
                                                    "cmdline": ["/usr/bin/python3.11-something", "-m", "vllm"]}
    assert linux_sys.process(78, str(tmp_path)) is None  # gone


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads this Linux machine")
def test_this_machine_agrees_with_psutil():
    psutil = pytest.importorskip("psutil")
    assert linux_sys.cpu_count() == {"logical": psutil.cpu_count(), "physical": psutil.cpu_count(logical=False)}
    theirs, ours = psutil.cpu_freq(), linux_sys.cpu_freq()
    assert (theirs is None) == (ours is None)
    if ours is not None:
        assert (ours["min"], ours["max"]) == (theirs.min, theirs.max)
    b = psutil.sensors_battery()
    assert (linux_sys.battery() is None) == (b is None)
    me = psutil.Process(os.getpid())
    assert linux_sys.process(os.getpid()) == {"name": me.name(), "cmdline": me.cmdline()}
