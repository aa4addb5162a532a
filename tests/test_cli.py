import json
import os
import shutil

import pytest

from conftest import FIXTURES, validate, validate_report
from readiness.probes import registry

LINUX = FIXTURES / "linux"


def test_version(run):
    from readiness import __version__

    result = run("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_check_prints_summary_writes_report_and_exits_0(run, tmp_path):
    result = run("check")
    assert result.exit_code == 0, result.output
    for label in ("OS", "CPU", "RAM", "Disk", "CUDA", "GPU"):
        assert f"  {label} " in result.stdout
    html = (tmp_path / "readiness-report.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and '<meta name="generator" content="readiness' in html


def test_check_json_is_valid_against_the_schema(run, tmp_path):
    result = run("check", "--json")
    assert result.exit_code == 0
    report = validate_report(json.loads(result.stdout))
    assert report["schema_version"] == 2 and report["tool"]["name"] == "readiness"
    # facts apart from judgments: the facts part holds nothing readiness concluded
    assert not {"verdicts", "findings", "checks", "costs"} & set(report["facts"])
    assert {"verdicts", "findings", "checks", "costs"} <= set(report["judgments"])
    assert not (tmp_path / "readiness-report.html").exists()  # --json alone writes no HTML


def test_report_is_not_written_over_a_users_file(run, tmp_path):
    mine = tmp_path / "readiness-report.html"
    mine.write_text("my notes")
    result = run("check")
    assert result.exit_code == 2
    assert "not a readiness report" in result.stderr and "--force" in result.stderr
    assert mine.read_text() == "my notes"
    assert run("check", "--force").exit_code == 0
    assert mine.read_text() != "my notes"


def test_own_report_is_replaced(run, tmp_path):
    assert run("check").exit_code == 0
    assert run("check", "-o", "readiness-report.html").exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["check", "--from", "/no/such/path"], "cannot read /no/such/path"),
    (["check", "--timeout", "-1"], "timeout"),
    (["check", "--bogus"], "No such option"),
    (["check", "stray"], "--from stray"),
    (["nosuchcommand"], "No such command"),
])
def test_bad_input_is_one_clear_line_and_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_from_recognises_outputs_by_content_whatever_their_names(run, tmp_path):
    mixed = tmp_path / "paste"
    mixed.mkdir()
    shutil.copy(LINUX / "wsl2" / "lscpu.txt", mixed / "a")
    shutil.copy(LINUX / "wsl2-kali" / "uname-a.txt", mixed / "b.log")
    shutil.copy(LINUX / "wsl2-laptop-jbell" / "proc-meminfo.txt", mixed / "c")
    (mixed / "notes.txt").write_text("hello, this is not a command output\n")
    result = run("check", "--json", "--from", str(mixed))
    assert result.exit_code == 0
    facts = validate_report(json.loads(result.stdout))["facts"]
    assert facts["cpu"]["logical_cpus"] == 16 and facts["host"]["wsl"] is True
    assert facts["memory"]["total_mib"] == 7989432 // 1024
    assert "warning: ignored" in result.stderr and "notes.txt" in result.stderr


def test_from_several_paths(run):
    result = run("check", "--json", "--from", str(LINUX / "raspberry-pi" / "proc-cpuinfo.txt"),
                 str(LINUX / "raspberry-pi" / "uname-a.txt"))
    facts = json.loads(result.stdout)["facts"]
    assert facts["cpu"]["model"] == "Cortex-A72" and facts["host"]["hostname"] == "lulek"


def test_from_reads_a_pasted_session_command_by_command(tmp_path):
    """One paste, two prompts: `nvidia-smi --list-gpus`, then `nvidia-smi` (AWS g6, 4x L4)."""
    from readiness.host import replay

    paste = FIXTURES / "lspci" / "aws-g6-kvm-epyc-4x-nvidia-l4.nvidia-smi.txt"
    host, report = replay.load([str(paste)], registry.detectors())
    assert sorted(k for _, k in report.used) == ["cmd:nvidia-smi", "cmd:nvidia-smi -L"]
    listing = host.answers["cmd:nvidia-smi -L"].text
    assert "GPU 0: NVIDIA L4" in listing and "+----" not in listing  # the table is the other command's
    # one prompt is not a session: the file is one output
    single = FIXTURES / "windows" / "get-wmiobject-win32-processor-i9-11900kf-excerpt-prompt.txt"
    host, report = replay.load([str(single)], registry.detectors())
    assert len(report.used) == 1 and "11900KF" in host.answers[report.used[0][1]].text


def test_from_with_nothing_recognised_is_an_error(run, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("nothing to see\n")
    result = run("check", "--from", str(junk))
    assert result.exit_code == 2 and "none of the given paths" in result.stderr


def test_unreadable_file_is_exit_2(run, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root can read a file whatever its mode")
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0)
    assert run("check", "--from", str(secret)).exit_code == 2


def test_capture_refuses_a_non_empty_folder(run, tmp_path):
    target = tmp_path / "cap"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    result = run("capture", str(target))
    assert result.exit_code == 2 and "not empty" in result.stderr
    assert run("capture", str(target), "--force").exit_code == 0
    assert (target / "keep.txt").read_text() == "mine"


def test_capture_then_from_gives_the_same_facts(run, tmp_path):
    assert run("capture", str(tmp_path / "cap")).exit_code == 0
    index = json.loads((tmp_path / "cap" / "index.json").read_text())
    assert index["format"] == "readiness-capture"
    for entry in index["entries"]:
        assert {"key", "status", "exit_code", "seconds", "file"} <= set(entry)
        if entry["file"]:
            assert (tmp_path / "cap" / entry["file"]).is_file()
    live = json.loads(run("check", "--json").stdout)["facts"]
    replayed = validate_report(json.loads(run("check", "--json", "--from", str(tmp_path / "cap")).stdout))["facts"]
    assert strip_times(live) == strip_times(replayed)


def strip_times(facts: dict) -> dict:
    facts = json.loads(json.dumps(facts))
    facts.pop("collected_at")
    for p in facts["probes"]:
        p.pop("seconds")
    for d in facts["disks"]:  # free space moves between two runs on a live machine
        d.pop("free_mib")
    facts["memory"].pop("available_mib")
    return facts


def test_capture_redact_removes_hostname(run, tmp_path):
    import platform
    import re

    node = re.compile(r"(?<![\w.-])" + re.escape(platform.node()) + r"(?![\w-])")
    assert run("capture", "--redact", str(tmp_path / "cap")).exit_code == 0
    for f in (tmp_path / "cap").iterdir():
        assert not node.search(f.read_text()), f.name
    replayed = json.loads(run("check", "--json", "--from", str(tmp_path / "cap")).stdout)["facts"]
    assert replayed["host"]["hostname"] == "redacted-host"


@pytest.mark.parametrize("index", ['{"format": "readiness-capture", "entries": "nope"}',
                                   '{"format": "readiness-capture", "entries": [{"key": "file:/x"}]}',
                                   '{"format": "readiness-capture", "entries": [{"key": "file:/x", "status": "ok", '
                                   '"file": "missing.txt"}]}'])
def test_malformed_capture_is_one_line_and_exit_2(run, tmp_path, index):
    cap = tmp_path / "cap"
    cap.mkdir()
    (cap / "index.json").write_text(index)
    result = run("check", "--from", str(cap))
    assert result.exit_code == 2 and result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_truncated_capture_index_is_an_error(run, tmp_path):
    cap = tmp_path / "cap"
    cap.mkdir()
    (cap / "index.json").write_text('{"format": "readiness-capture", "entr')
    result = run("check", "--from", str(cap))
    assert result.exit_code == 2 and "not a readable readiness capture index" in result.stderr


def test_check_json_states_each_thing_once(run):
    """Schema 2 says shared inputs once (issue 13): no assumption repeated in every verdict, no
    cost option copied into the verdicts, and the whole report stays small."""
    out = run("check", "--json", "--no-torch")
    report = validate_report(json.loads(out.stdout))
    verdicts = report["judgments"]["verdicts"]
    shared = report["judgments"]["assumptions"]
    for v in verdicts:
        assert not set(v["assumptions"]) & set(shared["all"]), v["id"]
        assert all(a.get("kind") not in ("buy", "rent") for a in v.get("alternatives") or [])
    assert len(out.stdout.encode()) <= 64 * 1024


@pytest.mark.parametrize("args", [["check", "--no-such-option"], ["no-such-command"], ["check", "--fail-on", "often"],
                                  ["estimate", "--gpu"], ["check", "--timeout", "-1"]])
def test_every_usage_error_is_one_error_line_and_exit_2(run, args):
    """click's own errors (unknown option, bad choice, missing value) too: no Usage/Try block."""
    r = run(*args)
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and lines[0].startswith("error: ") and len(lines) <= 2, r.stderr
    assert all(line.startswith(("error: ", "hint: ")) for line in lines) and "Usage:" not in r.stderr


def test_output_folder_is_checked_before_probing(run, tmp_path):
    r = run("check", "--no-torch", "-o", str(tmp_path / "missing" / "r.html"))
    assert r.exit_code == 2 and "does not exist" in r.stderr and r.stdout == ""
