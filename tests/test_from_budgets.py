"""--from on hostile and broken input (issue 19 items 3, 6, 13). Every input here is hand-made:
"logic" tests, not real fixtures. Each failed before its fix: the slow ones ran 25-84 s (they are
bounded here by a hang guard of HANG_S, far above what they take now; the speed figures come from
benchmarks/from_budgets.py), the others exited 3 or read garbage."""

from __future__ import annotations

import json
import os
import signal
import stat
from contextlib import contextmanager

import pytest

from readiness.host import paste, replay
from readiness.probes import registry

HANG_S = 20


@contextmanager
def hang_guard():
    def stop(signum, frame):
        raise AssertionError(f"still running after {HANG_S} s: not linear")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(HANG_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check(run, path, *extra):
    with hang_guard():
        result = run("check", "--json", "--no-costs", "--from", str(path), *extra)
    assert result.exit_code in (0, 1, 2), result.output[-400:]
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    return result


# -- super-linear patterns (item 3) -------------------------------------------------------------

@pytest.mark.parametrize("name,text", [
    ("blank-lines", "\n" * 100_000),  # `^\s*PyTorch version:` under re.M: 84 s
    ("slot-lines", "Slot:\t00:01.0\n" * 20_000),  # lspci -vmm's lookahead over the rest of the text: 55 s
    ("unclosed-uuid", "GPU 0: X " + "(UUID: " * 15_500 + "\n"),  # 108 KB, nvidia-smi -L's pattern: 23 s
    ("spaces-lines", "   \n" * 100_000),
])
def test_hostile_text_finishes(run, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    result = check(run, path)
    if name == "unclosed-uuid":
        # read as an `nvidia-smi -L` line that lost its closing parenthesis (a real paste does that):
        # the point is that it finishes, with one GPU, not that it is refused
        assert result.exit_code == 0 and len(json.loads(result.stdout)["facts"]["gpus"]) == 1
        return
    assert result.exit_code == 2 and "none of the given paths" in result.stderr


# A capture entry is one command's answer and reaches its parser whole: the paste reader's 8 KiB
# line cut does not shield these (nor does it a line that starts with "[", kept whole as JSON).
def test_query_gpu_command_line_without_noheader_is_linear():
    from readiness.probes.nvidia_smi import csv

    line = "--query-gpu=name " * 10_000  # fuzz shard 47: 34 s before the two halves were split
    with hang_guard():
        assert csv.command_line_fields([line, "A100, 40960 MiB"]) is None
    assert csv.command_line_fields(["$ nvidia-smi --query-gpu=name,memory.total --format=csv,noheader",
                                    "NVIDIA A100, 40960 MiB"])[0] == ["name", "memory.total"]


def test_pip_line_with_a_long_run_of_blanks_is_linear():
    from readiness.probes import torch

    text = "PyTorch version: 2.2.2\n[pip3] torch" + " " * 80_000 + "x\n[pip3] numpy==1.26.4\n"
    with hang_guard():  # fuzz shard 9: 178 s when the blanks could be split two ways
        packages = torch.parse_collect_env(text)["packages"]
    assert "torch" not in packages and packages["numpy"] == "1.26.4"


def test_wmic_header_search_is_linear_on_a_long_line_of_names():
    """A 2.3 MB line starting with `[` is kept whole by the paste reader (as JSON would be) and reached
    the wmic detector, whose `^.*\\bName\\s+.*AdapterRAM` retried every `name` (fuzz seed 19, shard 10
    of the third full run: over the 10 s budget; 40,000 names took about 28 s)."""
    from readiness.probes import windows

    with hang_guard():
        assert not windows._is_wmic("[" + "name " * 40_000 + "\n")
    assert windows._is_wmic("AdapterCompatibility  AdapterRAM   Name\nNVIDIA  4293918720  NVIDIA GeForce GTX 1080\n")
    assert windows._is_wmic("Name  AdapterRAM\nNVIDIA GeForce GTX 1080  4293918720\n")
    assert not windows._is_wmic("AdapterRAM only\n") and not windows._is_wmic("Names of things\n")


def test_a_hyphen_is_not_a_minus_sign():
    """A collect_env paste whose 'Socket(s):' line ran into the next gave -32 physical cores, a
    schema-invalid report (fuzz shard 3; kept in tests/fixtures/fuzz)."""
    from readiness.probes import cpu
    from readiness.probes.util import to_count, to_int

    assert to_int("glibc-2.39") == 2 and to_int("-5") == -5 and to_int("x -5") == -5
    assert to_count("Libc version: glibc-2.39") is None and to_count(" 16 ") == 16 and to_count("0") is None
    lscpu = cpu.parse_lscpu("CPU(s): 32\nCore(s) per socket: 16\nSocket(s):   Libc version: glibc-2.39\n")
    assert to_count(lscpu.get("Socket(s)")) is None


def test_lspci_machine_form_still_recognised_after_the_pattern_fix():
    from readiness.probes import pci

    assert pci._is_lspci("Slot:\t00:02.0\nClass:\tVGA compatible controller\nVendor:\tIntel\n")
    assert not pci._is_lspci("Slot:\t00:02.0\n" * 3)


# -- exit 3 on odd input (item 6) ---------------------------------------------------------------

def test_line_over_128_kib_is_not_exit_3(run, tmp_path):
    path = tmp_path / "csv"
    path.write_text("name, memory.total [MiB]\n" + "a" * 140_000 + ", 1 MiB\n")  # csv's field limit
    check(run, path)


def test_deep_json_is_not_exit_3(run, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert check(run, path).exit_code == 2


def test_5000_digit_number_is_not_exit_3(run, tmp_path):
    path = tmp_path / "digits.json"
    path.write_text('{"gpu_data": [{"asic": {"market_name": "X"}, "vram": {"size": ' + "9" * 5000 + "}}]}")
    check(run, path)


def test_huge_int_becomes_unknown_not_exit_3(run, tmp_path):
    path = tmp_path / "meminfo"
    path.write_text("MemTotal:       " + "9" * 400 + " kB\nMemFree:         1024 kB\nMemAvailable:    2048 kB\n")
    facts = json.loads(check(run, path).stdout)["facts"]
    assert facts["memory"]["total_mib"] is None and facts["memory"]["available_mib"] == 2


def test_a_detector_that_raises_is_not_this_format(monkeypatch):
    def broken(text):
        raise RecursionError("deep")

    guard = replay._Guard(replay.Detectors(formats=[], splitters=[broken]))
    assert guard.recognise("hello\n") == {}
    assert guard.failures[0] == "broken: RecursionError"


def test_recognition_stops_at_its_time_budget():
    guard = replay._Guard(registry.detectors(), budget_s=-1)
    assert guard.spent and guard.recognise("MemTotal: 1 kB\n") == {}


def test_overlong_lines_are_cut_and_said():
    cleaned = paste.clean("Model name: " + "x" * 20_000 + "\n")
    assert len(cleaned.lines[0][1]) == paste.MAX_LINE_CHARS
    assert cleaned.notes and "cut" in cleaned.notes[0]
    assert paste.clean('{"a": "' + "x" * 20_000 + '"}').lines[0][1].endswith('"}')  # JSON is kept whole


def test_file_over_the_size_cap_is_refused_with_a_reason(run, tmp_path, monkeypatch):
    monkeypatch.setattr(replay, "_MAX_RAW_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text("MemTotal: 1 kB\n" * 100)
    result = check(run, big)
    assert result.exit_code == 2 and "size cap" in result.stderr


# -- decoding and folders (item 13) -------------------------------------------------------------

def test_cp1252_file_of_even_length_is_not_read_as_utf16():
    data = "Nom du modèle : Intel Core i7\n".encode("cp1252")
    assert len(data) % 2 == 0
    text, encoding = paste.decode(data)
    assert encoding == "cp1252" and "modèle" in text


def test_cp1252_bytes_that_are_not_utf8(tmp_path):
    data = b"MemTotal:       16384 kB\n# \x93quoted\x94 \xe9\n"
    text, encoding = paste.decode(data)
    assert encoding == "cp1252" and "\u201cquoted\u201d" in text


def test_unreadable_subfolder_is_reported(run, tmp_path, monkeypatch):
    folder = tmp_path / "paste"
    (folder / "locked").mkdir(parents=True)
    (folder / "meminfo").write_text("MemTotal:       16384 kB\nMemFree: 1 kB\n")
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = check(run, folder)
    assert result.exit_code == 0
    assert "locked" in result.stderr and "folder not read" in result.stderr


def test_malformed_capture_index_is_exit_2(run, tmp_path):
    cap = tmp_path / "cap"
    cap.mkdir()
    (cap / "index.json").write_text('{"format": "readiness-capture", "entries": [')
    (cap / "meminfo").write_text("MemTotal:       16384 kB\n")
    result = check(run, cap)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "capture index" in result.stderr


def test_an_unrelated_index_json_is_just_a_file(run, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "index.json").write_text("{not json")
    (folder / "meminfo").write_text("MemTotal:       16384 kB\nMemFree: 1 kB\n")
    assert check(run, folder).exit_code == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_given_to_from_is_refused_unopened(run, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = check(run, fifo)  # opening it would block forever: the hang guard would fire
    assert result.exit_code == 2 and "not a regular file" in result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_inside_a_from_folder_is_reported_unopened(run, tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "meminfo").write_text("MemTotal:       16384 kB\nMemFree: 1 kB\n")
    result = check(run, folder)
    assert result.exit_code == 0 and "pipe" in result.stderr and "not a regular file" in result.stderr


def test_nothing_readable_names_the_file_its_first_line_and_what_is_read(run, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("\n\nthis is my gpu, it is broken\nplease help\n")
    result = check(run, junk)
    assert result.exit_code == 2
    error, hint = result.stderr.strip().split("\n")[-2:]
    assert error.startswith("error: ") and "junk.txt" in error and "this is my gpu, it is broken" in error
    assert hint.startswith("hint: ") and "rocminfo" in hint and "nvidia-smi" in hint
