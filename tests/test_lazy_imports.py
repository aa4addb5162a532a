"""A live check imports only what it uses (issue 18): the readers of pasted outputs, the other
systems' probes, psutil on Linux and the bench/models helpers' heavy standard modules stay out.
Checked by the modules a real `check --json` process has loaded at its end, not by timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from readiness.probes import apple, base, registry, windows

_LIST_MODULES = ("import sys, json, io, contextlib\n"
                 "from readiness.cli import main\n"
                 "with contextlib.redirect_stdout(io.StringIO()):\n"
                 "    try:\n        main(['check', '--json', '--no-torch'])\n"
                 "    except SystemExit:\n        pass\n"
                 "print(json.dumps(sorted(sys.modules)))\n")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    env = {**os.environ, "READINESS_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}
    for _ in range(2):  # the second run, as most are: the tables and costs the first one stored are read
        out = subprocess.run([sys.executable, "-c", _LIST_MODULES], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the set is this Linux machine's")
def test_a_live_check_leaves_the_paste_readers_and_other_systems_unimported(loaded):
    assert "readiness.facts" in loaded and "readiness.probes.cpu" in loaded  # the check did run
    for name in ("readiness.probes.gfxinfo", "readiness.probes.inxi", "readiness.probes.rocminfo",
                 "readiness.probes.sycl", "readiness.probes.clinfo", "readiness.probes.windows", "readiness.probes.apple", "psutil",
                 "xml.etree.ElementTree", "statistics", "difflib", "tempfile", "jinja2"):
        assert name not in loaded, name


def test_a_probe_of_another_system_answers_as_its_module_would():
    for module, name, other in ((apple, "apple", "linux"), (windows, "windows", "darwin")):
        stub = registry.probe(name, system=other)
        assert isinstance(stub, registry.Elsewhere) and stub.NAME == module.NAME
        assert stub.parse(stub.collect(None)) == module.parse({"system": other})
    assert registry.probe("apple", system="darwin") is apple  # its own system: the module itself
    assert registry.probe("windows") is windows  # replayed files (no system): the module
    assert set(base.ONLY_ON) == {"apple", "windows"}
