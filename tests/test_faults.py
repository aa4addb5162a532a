"""Fault tests (issue 19, items 2, 5 and 10): fake tools on PATH that sleep, flood, print garbage,
crash after partial output and daemonise a child; a fake NVML that hangs in init. Every fake here
is a hand-made "logic" input, not a real output. No timing assertions: a hang shows up as the
subprocess limit being hit (the speed figures come from benchmarks/hangs.py)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from readiness.host import runner
from readiness.host.base import TIMEOUT, OnceHost
from readiness.host.live import LiveHost

ROOT = Path(__file__).parent.parent
pytestmark = pytest.mark.skipif(os.name != "posix", reason="fake tools are shell scripts")


def tool(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    p.chmod(0o755)
    return p


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def check(tmp_path, path_dir: Path, *args, env_extra=None, limit=120):
    env = {**os.environ, "PATH": f"{path_dir}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT), **(env_extra or {})}
    proc = subprocess.run([sys.executable, "-m", "readiness", "check", "--json", "--no-costs", "--no-torch", *args],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=limit)
    return proc


# --- the bounded reader ---------------------------------------------------------------------------

def test_a_daemonised_child_can_not_hang_the_reader_and_is_killed(tmp_path):
    pidfile = tmp_path / "pid"
    t = tool(tmp_path / "bin", "wrapper", f"""\
        setsid sleep 999 &
        echo $! > {pidfile}
        echo hello
        """)
    out = runner.run([str(t)], timeout=30)
    assert out.stdout == b"hello\n" and not out.timed_out
    pid = int(pidfile.read_text())
    for _ in range(50):
        if not alive(pid):
            break
        time.sleep(0.1)
    assert not alive(pid), "the escaped child was left running"
    assert out.left_running >= 1


def test_a_flood_is_cut_at_the_budget_and_reported(tmp_path):
    t = tool(tmp_path / "bin", "flood", "head -c 3000000 /dev/zero | tr '\\0' x\n")
    out = runner.run([str(t)], timeout=60, max_bytes=1000)
    assert len(out.stdout) == 1000 and out.truncated and out.returncode == 0


def test_a_sleeping_tool_is_killed_with_its_group_at_the_deadline(tmp_path):
    pidfile = tmp_path / "pid"
    t = tool(tmp_path / "bin", "hang", f"sleep 999 &\necho $! > {pidfile}\nwait\n")
    out = runner.run([str(t)], timeout=1)
    assert out.timed_out and out.returncode is None
    time.sleep(0.2)
    assert not alive(int(pidfile.read_text()))


# --- what the live host makes of it ------------------------------------------------------------------

def test_a_crash_after_partial_output_is_an_error_naming_the_signal(tmp_path, monkeypatch):
    tool(tmp_path / "bin", "crashy", "echo 'Model name: half'\nkill -SEGV $$\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    a = LiveHost(timeout=10).run(["crashy"])
    assert a.status == "error" and "SIGSEGV" in a.reason and a.exit_code == -signal.SIGSEGV


def test_a_hung_tool_says_timed_out_and_is_asked_only_once(tmp_path, monkeypatch):
    tool(tmp_path / "bin", "nvidia-smi", "sleep 999\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    host = OnceHost(LiveHost(timeout=0.5))
    first = host.run(["nvidia-smi", "-q", "-x"])
    second = host.run(["nvidia-smi", "-L"])
    assert first.status == TIMEOUT and "timed out after 0.5 s" in first.reason
    assert second.status == TIMEOUT and second.seconds == 0.0 and "not run" in second.reason


def test_the_users_timeout_caps_the_slow_commands_too():
    from readiness.host.base import slow_timeout

    assert slow_timeout(LiveHost(timeout=3, options={"timeout_given": True}), 60) == 3
    assert slow_timeout(LiveHost(timeout=10, options={}), 60) == 60


# --- whole checks ---------------------------------------------------------------------------------

HUNG_TOOLS = ["nvidia-smi", "lscpu", "rocm-smi", "nvcc", "amd-smi"]  # amd-smi: tried before rocm-smi, whose "not found" hid it


@pytest.mark.parametrize("name", HUNG_TOOLS)
def test_check_with_a_hung_tool_finishes_names_it_and_keeps_the_other_facts(tmp_path, name):
    pidfile = tmp_path / "pids"
    fake = tool(tmp_path / "bin", name, f"setsid sleep 999 &\necho $! >> {pidfile}\nsleep 999\n")
    assert fake.exists()
    proc = check(tmp_path, tmp_path / "bin", "--timeout", "3", limit=60)
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)["facts"]
    reasons = " ".join(p["reason"] or "" for p in doc["probes"])
    assert f"{name}" in reasons and "timed out after 3 s" in reasons, doc["probes"]
    assert doc["memory"]["total_mib"] and doc["host"]["os"] == "linux"
    assert doc["cpu"]["model"] or doc["cpu"]["logical_cpus"]
    for pid in map(int, pidfile.read_text().split()):
        assert not alive(pid), f"{name}'s escaped child {pid} was left running"


def test_lscpu_garbage_falls_back_to_proc_cpuinfo(tmp_path):
    tool(tmp_path / "bin", "lscpu", "echo '{\"lscpu\": [garbage'\n")
    doc = json.loads(check(tmp_path, tmp_path / "bin").stdout)["facts"]
    cpu_probe = next(p for p in doc["probes"] if p["name"] == "cpu")
    assert cpu_probe["status"] == "ok" and "not lscpu's JSON" in cpu_probe["reason"]
    assert doc["cpu"]["model"] and doc["cpu"]["flags"]


def test_a_flooding_tool_is_cut_and_the_check_goes_on(tmp_path):
    tool(tmp_path / "bin", "nvidia-smi", "yes 'garbage line'\n")
    proc = check(tmp_path, tmp_path / "bin", "--timeout", "3")
    assert proc.returncode in (0, 1)
    assert json.loads(proc.stdout)["facts"]["memory"]["total_mib"]


def _fake_nvml(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pynvml.py").write_text(textwrap.dedent(body))
    # The library the binding would load, where dlopen looks first: without it no child is started
    # (host/live.py loadable, issue 18), and a hung library can only hang where it is installed.
    (folder / "libnvidia-ml.so.1").write_bytes(b"")
    return folder


def test_a_vendor_library_that_hangs_in_init_is_a_timeout_by_name(tmp_path):
    lib = _fake_nvml(tmp_path / "lib", """\
        import time
        class NVMLError(Exception):
            pass
        def nvmlInit():
            time.sleep(999)
        """)
    (tmp_path / "bin").mkdir()
    proc = check(tmp_path, tmp_path / "bin", "--timeout", "3",
                 env_extra={"PYTHONPATH": f"{lib}{os.pathsep}{ROOT}", "LD_LIBRARY_PATH": str(lib)}, limit=60)
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)["facts"]
    nvidia = next(p for p in doc["probes"] if p["name"] == "nvidia")
    assert "nvml library timed out after 3 s" in nvidia["reason"], nvidia
    assert doc["memory"]["total_mib"] and doc["cpu"]["logical_cpus"]


def test_ctrl_c_stops_a_check_at_once_with_130(tmp_path):
    tool(tmp_path / "bin", "lscpu", "sleep 999\n")
    env = {**os.environ, "PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "readiness", "check", "--json", "--no-torch", "--no-costs",
                             "--timeout", "300"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for _ in range(100):  # wait until the fake lscpu runs
        if subprocess.run(["pgrep", "-f", f"{tmp_path}/bin/lscpu"], capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    for _ in range(50):  # SIGKILL was sent; give a loaded machine a moment to reap it
        if subprocess.run(["pgrep", "-f", f"{tmp_path}/bin/lscpu"], capture_output=True).returncode == 1:
            break
        time.sleep(0.1)
    assert subprocess.run(["pgrep", "-f", f"{tmp_path}/bin/lscpu"], capture_output=True).returncode == 1


def test_a_fifo_as_output_is_refused_never_opened(tmp_path):
    fifo = tmp_path / "report.html"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "readiness", "check", "--no-torch", "--no-costs", "-o", str(fifo),
                           "--from", str(ROOT / "tests/fixtures/linux/raspberry-pi")],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=60)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr


def test_a_dangling_symlink_as_output_is_refused(tmp_path):
    link = tmp_path / "report.html"
    link.symlink_to(tmp_path / "elsewhere" / "x.html")
    proc = subprocess.run([sys.executable, "-m", "readiness", "check", "--no-torch", "--no-costs", "-o", str(link),
                           "--from", str(ROOT / "tests/fixtures/linux/raspberry-pi")],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          timeout=60)
    assert proc.returncode == 2 and "symbolic link" in proc.stderr
    assert not (tmp_path / "elsewhere").exists()


def test_a_file_quoting_our_generator_tag_is_not_ours(tmp_path):
    from readiness.outputs import is_our_html

    quoting = tmp_path / "notes.html"
    quoting.write_text('<p>readiness writes <meta name="generator" content="readiness 1.0"> in its reports</p>')
    assert not is_our_html(str(quoting))
    ours = tmp_path / "ours.html"
    ours.write_text('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                    '<meta name="generator" content="readiness 0.1.0">\n')
    assert is_our_html(str(ours))


def test_after_ctrl_c_no_command_starts(tmp_path, monkeypatch):
    # A probe thread still going after kill_all (lscpu after a killed lscpu -J) must not start a
    # tool that the exit would leave running: the flaky half of the Ctrl-C test above.
    from readiness.host import runner

    monkeypatch.setattr(runner, "_stopped", False)
    marker = tmp_path / "ran"
    runner.kill_all()
    out = runner.run(["touch", str(marker)], timeout=5)
    assert out.returncode is None and not marker.exists()


def test_stopping_one_run_kills_its_commands_and_starts_no_more(tmp_path):
    # Issue 18: a check starts its probes before it reads the user's files; a bad file stops that
    # run's probes (runner.stop) and nothing else: another run's commands go on.
    import threading

    mine, other = threading.Event(), threading.Event()
    pidfile = tmp_path / "pid"
    sleeper = tool(tmp_path / "bin", "sleeper", f"echo $$ > {pidfile}\nexec sleep 999\n")
    got = {}
    worker = threading.Thread(target=lambda: got.update(out=runner.run([str(sleeper)], timeout=120, stop=mine)))
    worker.start()
    for _ in range(600):  # until it runs
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.05)
    runner.stop(mine)
    worker.join(timeout=60)
    assert not worker.is_alive() and got["out"].returncode is not None and not got["out"].timed_out
    marker = tmp_path / "ran"
    assert runner.run(["touch", str(marker)], timeout=5, stop=mine).returncode is None and not marker.exists()
    assert runner.run(["touch", str(marker)], timeout=5, stop=other).returncode == 0 and marker.exists()


def test_stopping_a_check_kills_its_probes_commands(tmp_path, monkeypatch):
    # Issue 18: the probes start before the user's files are read; when one is bad, the check
    # stops them (collect.Collecting.stop): their commands are killed, not left running.
    from readiness import pipeline

    pidfile = tmp_path / "pid"
    tool(tmp_path / "bin", "lscpu", f"echo $$ > {pidfile}\nexec sleep 999\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    probing = pipeline.start(LiveHost(timeout=300, options={"torch": False}))
    for _ in range(600):  # until the fake lscpu runs
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.05)
    pid = int(pidfile.read_text())
    probing.stop()
    for _ in range(100):
        if not alive(pid):
            break
        time.sleep(0.05)
    assert not alive(pid)
    cpu = next(p for p in probing.facts()["probes"] if p["name"] == "cpu")  # and the probes end
    assert cpu["status"] != "timeout"


def test_a_bad_user_file_found_while_probing_stops_the_probes(tmp_path, monkeypatch, capsys):
    from readiness import cli, pipeline

    stopped = []
    real = pipeline.start

    def start(host, progress=None):
        probing = real(host, progress)
        stop = probing.stop
        probing.stop = lambda: (stopped.append(True), stop())
        return probing

    monkeypatch.setattr(pipeline, "start", start)
    bad = tmp_path / "w.toml"
    bad.write_text("[[workload]\nid = ")
    code = cli._run(["check", "--json", "--no-torch", "--workloads", str(bad),
                     "--from", str(ROOT / "tests/fixtures/linux/raspberry-pi")])
    assert code == 2 and "not valid TOML" in capsys.readouterr().err and stopped == [True]


def test_a_vendor_binding_not_installed_is_answered_without_a_child(tmp_path, monkeypatch):
    # Issue 18: no child Python for a binding that is nowhere on sys.path, and the answer is the
    # child's own (issue 19's child still runs when the binding is there).
    from readiness.host import live

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    started = []
    monkeypatch.setattr(live.runner, "run", lambda argv, *a, **k: started.append(argv) or runner.Outcome(1, b"", b""))
    here = LiveHost().call("amdsmi")
    assert started == [] and here.ok
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-m", "readiness.host.vendor_child", "amdsmi"], capture_output=True,
                           text=True, cwd=tmp_path, env=env, timeout=120)
    assert here.value == json.loads(child.stdout) and here.value["init"]["err"] == "binding_missing"
    (tmp_path / "amdsmi.py").write_text("raise ImportError('a fake binding in the working folder')\n")
    LiveHost().call("amdsmi")
    assert len(started) == 1 and "readiness.host.vendor_child" in started[0]


def test_nvml_without_its_library_is_answered_without_a_child(tmp_path, monkeypatch):
    # Issue 18: the binding is installed (a run-time dependency) but libnvidia-ml.so.1 is nowhere
    # dlopen looks: the answer is the one snapshot() gives when nvmlInit can't load it, no child.
    from readiness.host import live, nvml

    if not sys.platform.startswith("linux"):
        pytest.skip("the dlopen search is Linux's")
    cache = tmp_path / "ld.so.cache"
    cache.write_bytes(b"glibc-ld.so.cache1.1\0libz.so.1\0/lib/x86_64-linux-gnu/libz.so.1\0")
    monkeypatch.setattr(live, "_LD_CACHE", str(cache))
    monkeypatch.setattr(live, "_DEFAULT_LIB_DIRS", (str(tmp_path / "none"),))
    monkeypatch.setenv("LD_LIBRARY_PATH", "")
    started = []
    monkeypatch.setattr(live.runner, "run", lambda argv, *a, **k: started.append(argv) or runner.Outcome(1, b"", b""))
    assert live.loadable("libnvidia-ml.so.1") is False and live.loadable("libz.so.1") is True
    here = LiveHost().call("nvml")

    class Binding:
        class NVMLError(Exception):
            value = 12  # NVML_ERROR_LIBRARY_NOT_FOUND, what pynvml raises when the dlopen fails

        def nvmlInit(self):
            raise self.NVMLError()

    assert started == [] and here.ok and here.value == nvml.snapshot(Binding())
    # Found by the cache (as a path's tail, glibc's suffix sharing), by LD_LIBRARY_PATH, or a cache
    # that can't be read: the child decides.
    cache.write_bytes(cache.read_bytes() + b"/usr/lib/wsl/lib/libnvidia-ml.so.1\0")
    LiveHost().call("nvml")
    cache.write_bytes(b"")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "libnvidia-ml.so.1").write_bytes(b"")
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path / "lib"))
    LiveHost().call("nvml")
    monkeypatch.setenv("LD_LIBRARY_PATH", "")
    monkeypatch.setattr(live, "_LD_CACHE", str(tmp_path / "missing"))
    LiveHost().call("nvml")
    assert len(started) == 3 and all("readiness.host.vendor_child" in argv for argv in started)


def test_a_tool_that_closes_its_output_before_exiting_is_not_killed(tmp_path):
    # Both pipes at EOF a moment before the exit: the tool's own exit status, not a SIGKILL.
    t = tool(tmp_path / "bin", "closer", "echo done\nexec >&- 2>&-\nsleep 0.2\nexit 3\n")
    out = runner.run([str(t)], timeout=30)
    assert out.returncode == 3 and out.stdout == b"done\n"
