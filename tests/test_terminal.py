"""The terminal summary: one screen here, wrapped to the terminal, one line per workload,
rent-or-buy grouped by its answer; --verbose shows everything; per-probe progress on a terminal
only, never in --json."""

import io
import json

from conftest import FIXTURES

NO_GPU = FIXTURES / "linux" / "amd-zen"  # a real capture of a machine without a GPU


def _lines(result):
    return result.stdout.rstrip("\n").split("\n")


def test_live_summary_fits_one_screen_here(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    r = run("check", "--no-torch", "--no-html")
    assert r.exit_code == 0, r.output
    lines = _lines(r)
    assert len(lines) <= 40, "\n".join(lines)
    assert all(len(line) <= 100 for line in lines[1:]), [line for line in lines if len(line) > 100]


def test_one_line_per_workload_and_verbose_shows_the_whys(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    full = json.loads(run("check", "--json", "--from", str(NO_GPU)).stdout)
    verdicts = full["judgments"]["verdicts"]
    short = run("check", "--no-html", "--from", str(NO_GPU)).stdout
    block = short.split("\nWorkloads\n")[1].split("\n\n")[0].splitlines()
    assert len(block) == len(verdicts)  # one line each, nothing wrapped onto a second line
    assert all(v["why"] not in short for v in verdicts)
    verbose = run("check", "--no-html", "--verbose", "--from", str(NO_GPU)).stdout
    assert all(v["why"] in verbose for v in verdicts)
    assert "instead: " in verbose and "instead: " not in short


def test_rent_or_buy_is_grouped_by_its_answer(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # wide: one line per answer, to count them
    full = json.loads(run("check", "--json", "--from", str(NO_GPU)).stdout)
    entries = full["judgments"]["costs"]["workloads"]
    out = run("check", "--no-html", "--from", str(NO_GPU)).stdout
    block = [line for line in out.split("\nRent or buy")[1].splitlines()[1:] if line.startswith("  ")]
    answers = [line.strip().split(": ")[0] for line in block]
    assert len(answers) == len(set(answers))  # no answer repeated
    assert len(block) < len(entries)  # grouped: fewer lines than workloads
    rented = [e for e in entries if e["verdict"] == "rent"]
    chosen = {next(o for o in e["options"] if o["id"] == e["best_rent"])["name"] for e in rented}
    assert len([a for a in answers if a.startswith("rent ")]) == len(chosen)


def test_lines_wrap_to_a_narrow_terminal(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    lines = _lines(run("check", "--no-html", "--from", str(NO_GPU)))
    assert all(len(line) <= 60 for line in lines[1:]), [line for line in lines[1:] if len(line) > 60]
    assert lines[2].startswith(("Runs", "No LLM", "Could not"))  # the headline stays the third line


class _Tty(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


def test_progress_names_the_probe_and_the_slow_torch_import_on_a_tty_only():
    from readiness.cli import _progress

    shown = _Tty(True)
    with _progress("probing this machine", stream=shown) as p:
        p.update("cpu", "start")
        p.update("torch", "start")
        p.update("cpu", "done")
    text = shown.getvalue()
    assert "probing cpu" in text and "importing torch in a child process, this takes a few seconds" in text
    piped = _Tty(False)
    with _progress("probing this machine", stream=piped) as p:
        p.update("torch", "start")
    assert piped.getvalue() == ""


def test_gather_tells_each_probe_start_and_done():
    """Logic: a replay host with no answers; every probe still starts and ends."""
    from readiness import collect
    from readiness.host.replay import ReplayHost

    seen = []
    facts = collect.gather(ReplayHost({}, "Linux", "nothing"), progress=lambda n, s: seen.append((n, s)))
    names = {p.NAME for p in collect.all_probes()}
    assert {n for n, s in seen if s == "start"} == names == {n for n, s in seen if s == "done"}
    assert facts["probes"]
    collect.gather(ReplayHost({}, "Linux", "nothing"), progress=lambda n, s: 1 / 0)  # a broken display never fails


def test_json_has_no_progress(run):
    r = run("check", "--no-torch", "--json")
    json.loads(r.stdout)
    assert "readiness:" not in r.stdout and "probing" not in r.stdout


def test_progress_on_a_real_pty_and_not_in_json_stdout(tmp_path):
    """stderr on a pseudo-terminal, stdout a pipe: progress goes to the terminal, the JSON stays clean."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "readiness", "check", "--json", "--no-torch"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=follower, timeout=120,
                              env={**os.environ, "READINESS_CACHE_DIR": str(tmp_path / "c")})
        os.close(follower)
        follower = None
        said = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            said += chunk
    finally:
        if follower is not None:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    json.loads(proc.stdout)
    assert b"readiness: probing" in said and b"probing" not in proc.stdout
