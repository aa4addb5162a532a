"""Hostile capture folders, output that must stay JSON, terminal escapes and user TOML files
(issue 19, items 4, 7, 9, 11 and 12). Every hostile input here is hand-made ("logic"), built on
the real capture in fixtures/nvidia/device-h200-readiness/capture."""

import json
import os
import re
import shutil
import stat
from pathlib import Path

import jsonschema
import pytest

from conftest import FACTS_SCHEMA as SCHEMA

FIXTURES = Path(__file__).parent / "fixtures"
CAPTURE = FIXTURES / "nvidia" / "device-h200-readiness" / "capture"


def hostile_capture(tmp_path: Path, file_name: str) -> Path:
    """The real capture, with /proc/cpuinfo's entry pointing at ``file_name``."""
    folder = tmp_path / "cap"
    shutil.copytree(CAPTURE, folder)
    index = json.loads((folder / "index.json").read_text())
    for e in index["entries"]:
        if e["key"] == "file:/proc/cpuinfo":
            e["file"] = file_name
    (folder / "index.json").write_text(json.dumps(index))
    return folder


@pytest.fixture
def secret(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("processor\t: 0\nmodel name\t: SECRET-OUTSIDE-THE-CAPTURE\n")
    return p


# --- item 4: containment ----------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink-out"])
def test_capture_entries_can_not_reach_outside_the_folder(run, tmp_path, secret, how):
    name = {"dotdot": "../secret.txt", "absolute": str(secret), "symlink-out": "link.txt"}[how]
    folder = hostile_capture(tmp_path, name)
    if how == "symlink-out":
        (folder / "link.txt").symlink_to(secret)
    r = run("check", "--json", "--no-costs", "--from", str(folder))
    assert r.exit_code == 2, r.output
    assert "SECRET-OUTSIDE" not in r.stdout and "refused" in r.stderr


def test_a_symlink_that_stays_inside_the_folder_is_fine(run, tmp_path):
    folder = hostile_capture(tmp_path, "inside-link.txt")
    real = next(e["file"] for e in json.loads((CAPTURE / "index.json").read_text())["entries"]
                if e["key"] == "file:/proc/cpuinfo")
    (folder / "inside-link.txt").symlink_to(folder / real)
    r = run("check", "--json", "--no-costs", "--from", str(folder))
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("what", ["fifo", "device", "huge"])
def test_capture_entries_must_be_small_regular_files(run, tmp_path, what):
    folder = hostile_capture(tmp_path, "entry.txt")
    if what == "fifo":
        os.mkfifo(folder / "entry.txt")
    elif what == "device":
        (folder / "entry.txt").symlink_to("/dev/zero")  # also a link out; refused either way
    else:
        with open(folder / "entry.txt", "wb") as f:
            f.truncate(64 * 1024 * 1024)  # sparse: costs no disk
    r = run("check", "--json", "--no-costs", "--from", str(folder))
    assert r.exit_code == 2, r.output


def test_an_index_json_that_is_a_fifo_is_refused_not_opened(run, tmp_path):
    folder = tmp_path / "cap"
    folder.mkdir()
    os.mkfifo(folder / "index.json")
    r = run("check", "--json", "--no-costs", "--from", str(folder))
    assert r.exit_code == 2 and "not a regular file" in r.stderr


def test_capture_answers_of_the_wrong_type_are_exit_2(run, tmp_path):
    folder = hostile_capture(tmp_path, "x.txt")
    index = json.loads((folder / "index.json").read_text())
    for e in index["entries"]:
        e["status"] = "fine" if e["status"] == "ok" else e["status"]  # not a status
    (folder / "index.json").write_text(json.dumps(index))
    assert run("check", "--json", "--no-costs", "--from", str(folder)).exit_code == 2


# --- item 9: capture --force ----------------------------------------------------------------------

def test_capture_force_never_overwrites_nor_writes_through_links(run, tmp_path, monkeypatch):
    from readiness.host import capture as cap
    from readiness.host.base import Answer

    folder = tmp_path / "out"
    folder.mkdir()
    target = tmp_path / "victim.txt"
    target.write_text("precious")
    host = cap.CaptureHost.__new__(cap.CaptureHost)
    host.answers = {"file:/proc/cpuinfo": Answer("ok", "processor : 0\n")}
    host.system = "linux"
    name = cap._file_name(1, "file:/proc/cpuinfo", "x")
    (folder / name).write_text("the user's own file")
    cap.prepare_folder(str(folder), force=True)
    cap.write(host, str(folder), redact=False)
    assert (folder / name).read_text() == "the user's own file"
    index = json.loads((folder / "index.json").read_text())
    assert index["entries"][0]["file"] != name
    # a second capture into the same folder: its index.json is never replaced or written through
    link_folder = tmp_path / "linked"
    link_folder.mkdir()
    (link_folder / "index.json").symlink_to(target)
    with pytest.raises(Exception) as e:
        cap.prepare_folder(str(link_folder), force=True)
    assert "already holds a capture" in str(e.value)
    assert target.read_text() == "precious"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_capture_folder_is_exit_2(run, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "x").write_text("x")
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        r = run("capture", str(folder), "--force", "--no-torch")
        assert r.exit_code == 2
    finally:
        folder.chmod(0o755)


def test_a_read_only_capture_folder_is_refused_with_exit_2_even_as_root(run, tmp_path, monkeypatch):
    """Root ignores permissions, so the refusal is tested through the write itself failing."""
    from readiness.host import capture as cap
    from readiness.host.base import Answer
    from readiness.errors import ReadinessError

    def denied(*a, **k):
        raise PermissionError(13, "Permission denied")

    host = cap.CaptureHost.__new__(cap.CaptureHost)
    host.answers = {"file:/proc/cpuinfo": Answer("ok", "processor : 0\n")}
    host.system = "linux"
    monkeypatch.setattr(cap.os, "open", denied)
    with pytest.raises(ReadinessError) as e:
        cap.write(host, str(tmp_path), redact=False)
    assert e.value.exit_code == 2 and "Permission denied" in e.value.message


# --- item 7: JSON stays JSON --------------------------------------------------------------------------

def test_a_400_digit_power_limit_and_nan_never_reach_the_json(run, tmp_path):
    src = (FIXTURES / "nvidia" / "device-h200-r580" / "q-h200-r580.txt").read_text()
    line = next(l for l in src.splitlines() if "Current Power Limit" in l)
    huge = src.replace(line, line.split(":")[0] + ": " + "9" * 400 + " W")
    (tmp_path / "q.txt").write_text(huge)
    r = run("check", "--json", "--no-costs", "--from", str(tmp_path / "q.txt"))
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))["facts"]
    assert doc["gpus"][0]["power_limit_w"] is None
    from readiness import jsonout

    assert json.loads(jsonout.dumps({"a": float("nan"), "b": [float("inf")]})) == {"a": None, "b": [None]}


def test_cpu_flags_that_are_not_flag_words_are_dropped(run, tmp_path):
    cpuinfo = (FIXTURES / "linux" / "intel-spr-amx" / "proc-cpuinfo.txt").read_text()
    hostile = re.sub(r"^(flags\s*: )", r'\1"quoted" [bracket] dash-ed ', cpuinfo, count=1, flags=re.M)
    assert hostile != cpuinfo
    (tmp_path / "cpuinfo").write_text(hostile)
    doc = json.loads(run("check", "--json", "--no-costs", "--from", str(tmp_path / "cpuinfo")).stdout)["facts"]
    jsonschema.validate(doc, SCHEMA)
    assert "sse2" in doc["cpu"]["flags"] and not any(c in "".join(doc["cpu"]["flags"]) for c in '"[-')


# --- item 11: terminal escapes, links -------------------------------------------------------------

def test_a_hostile_gpu_name_can_not_steer_the_terminal(run, tmp_path):
    src = (FIXTURES / "nvidia" / "device-h200-r580" / "list-h200-r580.txt").read_text()
    (tmp_path / "l.txt").write_text(src.replace("NVIDIA H200", "NVIDIA H200\x1b]0;pwned\x07\x1b[2J\x9b31m"))
    r = run("check", "--no-costs", "--no-html", "--from", str(tmp_path / "l.txt"))
    assert r.exit_code == 0, r.output
    assert "NVIDIA H200" in r.stdout
    assert not any(c in r.stdout for c in "\x1b\x07\x9b")


def test_the_sanitiser_keeps_text_and_drops_control():
    from readiness import sanitize

    assert sanitize.text("Grüße 日本 ✓\tok\n") == "Grüße 日本 ✓\tok\n"
    assert sanitize.line("a\x1b[31mb\x1b]8;;http://x\x07c\x1b\\d\u202ee\rf\ng") == "abcde f g"


def test_a_rule_reference_that_is_not_http_never_becomes_a_link(run, tmp_path):
    rules = tmp_path / "r.toml"
    rules.write_text('''[[rule]]
id = "always"
title = "always"
severity = "warn"
when = {path = "host.os", op = "exists"}
message = "m"
fix = "f"
reference = "javascript:alert(1)"
''')
    out = tmp_path / "r.html"
    r = run("check", "--no-costs", "--rules", str(rules), "-o", str(out), "--from",
            str(FIXTURES / "linux" / "raspberry-pi"))
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html


# --- item 12: user TOML files -------------------------------------------------------------------------

RULE = '''[[rule]]
id = "x"
title = "t"
severity = "warn"
message = "m"
fix = "f"
'''

BAD_RULES = {
    "rule-not-a-table": "rule = [1]\n",
    "eq-with-a-table": RULE + 'when = {path = "host.os", op = "eq", value = {a = 1}}\n',
    "contains-a-table": RULE + 'when = {path = "host.os", op = "contains", value = {a = 1}}\n',
    "in-list-of-tables": RULE + 'when = {path = "host.os", op = "in", value = [{a = 1}]}\n',
    "matches-a-number": RULE + 'when = {path = "host.os", op = "matches", value = 5}\n',
    "typo-path": RULE + 'when = {path = "host.hostnmae", op = "exists"}\n',
    "typo-item-path": RULE + 'when = {some = "gpus", where = {path = "@.venodr", op = "exists"}}\n',
    "deep-not": RULE + "when = " + "{not = " * 1000 + '{path = "host.os", op = "exists"}' + "}" * 1000 + "\n",
}


@pytest.mark.parametrize("case", sorted(BAD_RULES))
def test_bad_rules_files_are_one_error_line_naming_file_and_key(run, tmp_path, case):
    path = tmp_path / f"{case}.toml"
    path.write_text(BAD_RULES[case])
    r = run("rules", "list", "--rules", str(path))
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"error: {path}")
    assert len([l for l in r.stderr.splitlines() if l.startswith("error:")]) == 1


def test_a_non_utf8_rules_file_is_exit_2(run, tmp_path):
    path = tmp_path / "r.toml"
    path.write_bytes(RULE.encode() + b'when = {path = "host.os", op = "eq", value = "caf\xe9"}\n')
    r = run("rules", "list", "--rules", str(path))
    assert r.exit_code == 2 and "not UTF-8" in r.stderr


def test_a_good_rule_over_free_keyed_tables_is_accepted(run, tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(RULE + 'when = {path = "stack.packages.vllm", op = "exists"}\n')
    assert run("rules", "list", "--rules", str(path)).exit_code == 0


WORKLOAD = '''[[workload]]
id = "mine"
name = "mine"
source = "me"
'''

BAD_WORKLOADS = {
    "workload-not-a-table": "workload = [1]\n",
    "speed-as-text": WORKLOAD + 'kind = "llm-inference"\nmodel = "llama-3.1-8b"\ngood_speed = "fast"\n',
    "negative-context": WORKLOAD + 'kind = "llm-inference"\nmodel = "llama-3.1-8b"\ncontext = -5\n',
    "image-without-sizes": WORKLOAD + 'kind = "image-generation"\nsteps = 20\n',
}


@pytest.mark.parametrize("case", sorted(BAD_WORKLOADS))
def test_bad_workload_files_are_one_error_line_naming_file_and_key(run, tmp_path, case):
    path = tmp_path / f"{case}.toml"
    path.write_text(BAD_WORKLOADS[case])
    r = run("check", "--json", "--no-costs", "--workloads", str(path), "--from", str(FIXTURES / "linux" / "raspberry-pi"))
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith(f"error: {path}")


def test_json_in_tries_only_lines_that_can_open_json_and_few_of_them(monkeypatch):
    """3,000 sycl-ls lines ("[opencl:cpu][opencl:0] ...") were each decoded as JSON, and each failed
    decode counts the lines before it: quadratic (366 KB took 9.8 s, fuzz seed 20, #19)."""
    from readiness.probes import util

    calls = []
    real = util._DECODER

    class Counting:
        def raw_decode(self, text, at):
            calls.append(at)
            return real.raw_decode(text, at)

    monkeypatch.setattr(util, "_DECODER", Counting())
    lines = "[opencl:cpu][opencl:0] Intel(R) OpenCL, CPU 3.0\n" * 3000 + "[\n" * 500
    assert util.json_in("[root@box ~]# amd-smi static --json\n" + lines + '{"gpu": [1]}\n') == {"gpu": [1]}
    assert len(calls) == 1  # none of the sycl-ls, prompt or lone-bracket lines is tried as a "{" document
    calls.clear()
    assert util.json_in('[root@box ~]# amd-smi static --json\n[INFO] x\n{"gpu": [1]}\n') == {"gpu": [1]}
    assert len(calls) == 1
