"""The paste normaliser (readiness/host/paste.py) on real pastes from tests/fixtures: prompts,
quoting, a command after another, CRLF. Inputs re-encoded or decorated from a real fixture
(UTF-16 as PowerShell's `>` writes it, ANSI colour, markdown fences, ` \\` continuations) are
"logic" inputs: the bytes around the output are made here, the output itself is real."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from readiness.host import paste, replay
from readiness.probes import registry

FIXTURES = Path(__file__).parent / "fixtures"
NEW = FIXTURES / "newformats"


def load(*paths):
    return replay.load([str(p) for p in paths], registry.detectors())


def segments(text: str) -> list[paste.Segment]:
    return paste.split_prompts(paste.clean(text).lines)


def test_a_prompt_splits_rocminfo_from_the_lspci_after_it():
    """ROCm/ROCm#589: `rocminfo`, then `lspci | grep 470`, then a bare prompt, in one paste."""
    text = (NEW / "rocminfo-gfx803-pentium-g4400-then-lspci.txt").read_text()
    parts = segments(text)
    assert [p.command for p in parts] == ["/opt/rocm/bin/rocminfo", "lspci | grep 470"]
    assert (parts[0].first_line, parts[1].first_line, parts[1].last_line) == (2, 126, 131)
    host, report = load(NEW / "rocminfo-gfx803-pentium-g4400-then-lspci.txt")
    assert sorted(k for _, k in report.used) == ["cmd:lspci -Dnnk", "cmd:rocminfo"]
    assert not report.ignored


def test_email_quoting_is_removed_from_every_line():
    text = (NEW / "inxi-email-quoted-wrapped-ryzen7-5800u.txt").read_text()
    lines = [t for _, t in paste.clean(text).lines]
    assert lines[2].startswith("System:    Kernel:") and not any(t.startswith(">") for t in lines)


def test_unrecognised_parts_are_reported_with_their_lines():
    """The mail's own words before inxi's output, and a comment line after `$ clinfo`."""
    _, report = load(NEW / "inxi-email-quoted-wrapped-ryzen7-5800u.txt")
    assert [why for _, why in report.ignored] == [
        "lines 1-2: not a recognised output (starts 'System information for my laptop:')"]
    _, report = load(NEW / "clinfo-clover-cape-verde.txt")
    assert [why.split(":")[0] for _, why in report.ignored] == ["line 3"]


def test_root_prompt_before_a_command_is_a_prompt_not_a_comment():
    parts = segments((NEW / "sycl-ls-b580-uhd770-docker.txt").read_text())
    assert [p.command for p in parts] == ["sycl-ls"] and parts[0].text.startswith("[opencl:cpu]")


def test_crlf_paste_is_read_like_lf():
    real = FIXTURES / "windows" / "dxdiag-t-rtx4060ti-8gb-desktop-win11-first-display-excerpt.txt"
    assert b"\r\n" in real.read_bytes()
    text = paste.decode(real.read_bytes())[0]
    assert "\r" not in "".join(t for _, t in paste.clean(text).lines)


# -- logic: real outputs wrapped the way pastes arrive --------------------------------------------

REAL = NEW / "vulkaninfo-summary-rtx4090-windows.txt"


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-le", b""),
                                          ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-be", b""),
                                          ("utf-8", codecs.BOM_UTF8)])
def test_logic_powershell_encodings_are_decoded(tmp_path, encoding, bom):
    text = REAL.read_text().replace("\n", "\r\n")  # PowerShell's `>`: UTF-16 LE with a BOM and CRLF
    saved = tmp_path / "vulkaninfo.txt"
    saved.write_bytes(bom + text.encode(encoding))
    host, report = load(saved)
    assert [k for _, k in report.used] == ["cmd:vulkaninfo --summary"]
    assert host.answers["cmd:vulkaninfo --summary"].text.startswith("==========\nVULKANINFO")


def test_logic_ansi_colour_and_osc_title_are_stripped():
    coloured = "\x1b]0;user@host: ~\x07\x1b[1;32mGPU0:\x1b[0m\n\t\x1b[33mdeviceName\x1b[0m         = NVIDIA\n"
    assert [t for _, t in paste.clean(coloured).lines] == ["GPU0:", "\tdeviceName         = NVIDIA"]


def test_logic_markdown_fence_and_indent_are_removed(tmp_path):
    fenced = tmp_path / "issue.md"
    body = "".join("    " + line + "\n" for line in REAL.read_text().splitlines())
    fenced.write_text("```text\n" + body + "```\n")
    _, report = load(fenced)
    assert [k for _, k in report.used] == ["cmd:vulkaninfo --summary"] and not report.ignored


def test_logic_continuation_backslashes_are_removed():
    lines = ["Architecture:        x86_64 \\", "CPU(s):              16 \\", "Model name:          X \\"]
    assert [t for _, t in paste.clean("\n".join(lines)).lines] == [
        "Architecture:        x86_64", "CPU(s):              16", "Model name:          X"]


def test_logic_ci_log_timestamps_are_removed():
    """GitHub Actions and Jenkins put the runner's time before every line; an output that merely
    holds one ISO time at a line's start keeps it."""
    gha = ["2024-07-18T16:39:29.1637194Z [opencl:cpu][opencl:1] Intel(R) OpenCL, X", "2024-07-18T16:39:29.1639109Z ",
           "2024-07-18T16:39:29.1639437Z     Version  : OpenCL 3.0"]
    assert [t for _, t in paste.clean("\n".join(gha)).lines] == [
        "[opencl:cpu][opencl:1] Intel(R) OpenCL, X", "", "    Version  : OpenCL 3.0"]
    jenkins = ["[2024-05-01T12:00:00.123Z] Architecture:  x86_64", "[2024-05-01T12:00:01.001Z] CPU(s):        16"]
    assert [t for _, t in paste.clean("\n".join(jenkins)).lines] == ["Architecture:  x86_64", "CPU(s):        16"]
    once = ["Timestamp                                 : Wed Dec  2 10:00:00 2026", "2024-05-01 12:00:00 x", "a", "b"]
    assert [t for _, t in paste.clean("\n".join(once)).lines] == once


def test_logic_three_outputs_without_prompts_are_split_at_their_headers(tmp_path):
    """lscpu, then glxinfo -B, then clinfo, pasted one after the other with no prompt."""
    lscpu = (FIXTURES / "linux" / "wsl2" / "lscpu.txt").read_text()
    glx = (NEW / "glxinfo-B-kabini-radeon.txt").read_text()
    cl = (NEW / "clinfo-clover-cape-verde.txt").read_text().split("\n", 4)[4]  # without its prompt lines
    (tmp_path / "all.txt").write_text(lscpu + glx + cl)
    _, report = load(tmp_path / "all.txt")
    assert sorted(k for _, k in report.used) == ["cmd:clinfo", "cmd:glxinfo -B", "cmd:lscpu"]


def test_logic_windows_prompts():
    assert paste.prompt_command(r"PS C:\Users\me> Get-CimInstance Win32_Processor") == "Get-CimInstance Win32_Processor"
    assert paste.prompt_command(r"C:\Users\me>nvidia-smi") == "nvidia-smi"
    assert paste.prompt_command("[root@host ~]# rocminfo") == "rocminfo"
    assert paste.prompt_command("(venv) user@box:~/src$ clinfo") == "clinfo"
    assert paste.prompt_command("  Name:                    gfx906") is None
    assert paste.prompt_command("# a comment, not a command") is None
    assert paste.prompt_command("# sudo rocminfo") == "sudo rocminfo"
    assert paste.prompt_command("$5 an hour for an A100") is None
    assert paste.prompt_command("[root@host ~]#") == ""


def test_logic_single_byte_text_is_never_utf16():
    for data in ("Nom : Processeur Intel\n".encode("cp1252"), "ab\n".encode() * 1000):
        assert paste.decode(data)[1] in ("utf-8", "cp1252")
