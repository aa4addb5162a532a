"""Slow Python children (torch, the package listing) are remembered between runs while nothing
they depend on changed (issue 18), and asked again when it did."""

import sys

import pytest

from readiness.host.base import OnceHost
from readiness.host.live import LiveHost


@pytest.fixture
def counting(tmp_path, monkeypatch):
    """A child that counts how often it really ran, with a folder of ours on its sys.path."""
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(site))
    counter = tmp_path / "runs"
    counter.write_text("0")
    argv = [sys.executable, "-c", f"import pathlib; p = pathlib.Path({str(counter)!r}); "
                                  "p.write_text(str(int(p.read_text()) + 1)); print('answer')"]
    return argv, counter, site


def test_a_second_run_reuses_the_answer(counting):
    argv, counter, _ = counting
    first = LiveHost().run_cached(argv)
    second = LiveHost().run_cached(argv)
    assert first.text == second.text == "answer\n"
    assert counter.read_text() == "1"


def test_an_install_into_its_sys_path_asks_again(counting):
    argv, counter, site = counting
    LiveHost().run_cached(argv)
    (site / "newpkg").mkdir()  # what pip does: the folder's modification time changes
    LiveHost().run_cached(argv)
    assert counter.read_text() == "2"


def test_no_cache_asks_every_time(counting):
    argv, counter, _ = counting
    for _ in range(2):
        LiveHost(options={"cache": False}).run_cached(argv)
    assert counter.read_text() == "2"


def test_a_failed_answer_is_not_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("READINESS_CACHE_DIR", str(tmp_path / "cache"))
    counter = tmp_path / "runs"
    counter.write_text("0")
    argv = [sys.executable, "-c", f"import pathlib, sys; p = pathlib.Path({str(counter)!r}); "
                                  "p.write_text(str(int(p.read_text()) + 1)); sys.exit(3)"]
    for _ in range(2):
        LiveHost().run_cached(argv)
    assert counter.read_text() == "2"


def test_the_run_memo_keeps_one_answer_per_command(counting):
    argv, counter, _ = counting
    host = OnceHost(LiveHost(options={"cache": False}))
    assert host.run_cached(argv).text == host.run_cached(argv).text
    assert counter.read_text() == "1"


def test_the_interpreters_sys_path_is_asked_once_a_run(counting, monkeypatch):
    """Two cached children of one interpreter (torch, the package listing) share one sys.path query."""
    argv, counter, _ = counting
    host = LiveHost()
    asked = []
    real = host.run
    monkeypatch.setattr(host, "run", lambda a, timeout=None: (asked.append(a), real(a, timeout))[1])
    host.run_cached(argv)
    host.run_cached([*argv[:-1], argv[-1] + "  # another child"])
    assert sum("sys.path" in " ".join(a) for a in asked) == 1


_OWN_VS_CHILD = """
import json, os, subprocess, sys
from readiness.host import answer_cache
if len(sys.argv) > 1:
    os.environ["PYTHONPATH"] = sys.argv[1]  # changed since start-up: a child would see another sys.path
own = answer_cache.own_sys_path(sys.executable)
child = subprocess.run(answer_cache.sys_path_argv(sys.executable), capture_output=True, text=True).stdout
print(json.dumps([own, json.loads(child)[1:]]))
"""


def test_this_interpreters_sys_path_read_in_process_is_the_childs(tmp_path):
    # Issue 18: no sys.path child for the interpreter running readiness; the list must be the one
    # a child would print (less its first entry, which the fingerprint never reads).
    import json
    import os
    import subprocess
    from pathlib import Path

    root = str(Path(__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": root}
    out = subprocess.run([sys.executable, "-c", _OWN_VS_CHILD], capture_output=True, text=True, cwd=tmp_path,
                         env=env, timeout=120)
    own, child = json.loads(out.stdout)
    assert own == child and any("site-packages" in p for p in own)
    out = subprocess.run([sys.executable, "-c", _OWN_VS_CHILD, str(tmp_path)], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    own, child = json.loads(out.stdout)
    assert own is None and str(tmp_path) in child
