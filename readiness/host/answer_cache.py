"""Answers of slow Python children (the torch probe, the package listing) remembered between runs.

Importing torch in a child takes seconds; its answer only changes when the interpreter, its
installed packages or the GPU driver change (issue 18). An answer is stored under a key made of
the command and a fingerprint of everything it depends on:
- the interpreter (its real path, size and modification time);
- every folder on that interpreter's ``sys.path`` (pip adds or removes entries there on every
  install, upgrade or uninstall, which changes the folder's modification time);
- the GPU driver (``/proc/driver/nvidia/version``, the ``/dev`` nodes of NVIDIA, AMD and Intel
  GPUs) and the environment variables that decide which GPUs a framework sees.
Finding that fingerprint runs the interpreter once to print its sys.path (tens of milliseconds), unless it
is the interpreter running readiness, started the same way (own_sys_path: its sys.path is read in process). Any
change makes a new key, so a stale answer is never used; ``--no-cache`` skips the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import time

from readiness.host.base import OK, Answer

_ENV = ("CUDA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "ZE_AFFINITY_MASK",
        "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONDA_PREFIX", "TORCH_HOME")
MAX_AGE_S = 7 * 24 * 3600  # a week: a driver update that leaves no trace above still ages out
MAX_BYTES = 4 * 1024 * 1024


def _stat(path: str) -> list:
    try:
        st = os.stat(path)
    except OSError:
        return [path, None]
    return [path, st.st_size, st.st_mtime_ns]


def fingerprint(interpreter: str, sys_path: list[str]) -> str:
    dev = []
    try:
        dev = sorted(n for n in os.listdir("/dev") if n.startswith(("nvidia", "kfd", "dri", "dxg")))
    except OSError:
        pass
    parts = {
        "interpreter": _stat(os.path.realpath(interpreter)),
        "sys_path": [_stat(p) for p in sys_path if p],
        "driver": _stat("/proc/driver/nvidia/version"),
        "dev": dev,
        "env": {k: os.environ.get(k) for k in _ENV},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def path_for(folder, argv: list[str], print_: str) -> str:
    key = hashlib.sha256(json.dumps([argv, print_]).encode()).hexdigest()[:32]
    return os.path.join(str(folder), "answers", f"{key}.json")


def load(path: str) -> Answer | None:
    try:
        if time.time() - os.stat(path).st_mtime > MAX_AGE_S or os.path.getsize(path) > MAX_BYTES:
            return None
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        answer = Answer(d["status"], d["value"], d.get("reason"), d.get("exit_code"), 0.0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return answer if answer.status == OK else None


def store(path: str, answer: Answer) -> None:
    """Only successful answers are kept: a failure or a timeout is asked again next time."""
    if answer.status != OK or answer.exit_code not in (0, None) or not isinstance(answer.value, str) \
            or len(answer.value) > MAX_BYTES:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(answer.to_dict(), f)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that can't be written only costs the child next time


# The variables that move an interpreter's sys.path, as this process found them when this module
# was imported (at start-up, in a check): a child started now with them changed sees another sys.path.
_PATH_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONPLATLIBDIR", "PYTHONNOUSERSITE", "PYTHONSAFEPATH")
_START_ENV = {k: os.environ.get(k) for k in _PATH_ENV}


def own_sys_path(interpreter: str) -> list[str] | None:
    """This process's sys.path, when a child of ``interpreter`` run now would have the same one:
    it is this interpreter, started without the flags that change sys.path (-I, -E, -s, -S, -P),
    and the variables above are as they were. The first entry (the child's '' or this process's
    script folder) is left out, as the fingerprint leaves out the child's. None: ask the child.
    Saves the sys.path child on every check (issue 18); tests/test_answer_cache.py compares the two."""
    import sys

    try:
        if os.path.realpath(interpreter) != os.path.realpath(sys.executable or ""):
            return None
    except (OSError, ValueError):
        return None
    f = sys.flags
    if f.isolated or f.ignore_environment or f.no_user_site or f.no_site or getattr(f, "safe_path", False):
        return None
    if any(os.environ.get(k) != v for k, v in _START_ENV.items()):
        return None
    return [p for p in sys.path[1:] if isinstance(p, str)]


def sys_path_argv(interpreter: str) -> list[str]:
    """The interpreter's own sys.path, as the real child will see it (PYTHONPATH included)."""
    return [interpreter, "-c", "import sys, json; print(json.dumps(sys.path))"]


def run_cached(host, argv: list[str], timeout: float | None, folder, sys_path_of=None) -> Answer:
    """``host.run(argv)``, or the answer remembered for the same command and fingerprint.
    ``sys_path_of(interpreter, timeout)``: the host's (memoised) way to ask an interpreter's sys.path."""
    import shutil

    interpreter = shutil.which(argv[0]) or argv[0]
    paths = sys_path_of(argv[0], timeout) if sys_path_of else host.run(sys_path_argv(argv[0]), timeout)
    try:
        sys_path = json.loads(paths.text or "")
        if not isinstance(sys_path, list):
            raise ValueError
    except ValueError:
        return host.run(argv, timeout)
    where = path_for(folder, argv, fingerprint(interpreter, [str(p) for p in sys_path]))
    cached = load(where)
    if cached is not None:
        return cached
    answer = host.run(argv, timeout)
    store(where, answer)
    return answer
