"""The live machine: files, argv commands with timeouts, and named library calls."""

from __future__ import annotations

import errno
import glob
import json
import os
import platform
import shutil
import signal
import sys
import threading
import time
from typing import Any, Callable

from readiness.host import runner
from readiness.host.base import ABSENT, DENIED, ERROR, OK, TIMEOUT, Answer, Host

# Commands always run in the C locale so that their output parses the same everywhere.
_C_LOCALE = {"LC_ALL": "C", "LANG": "C", "LANGUAGE": "C"}
_MAX_FILE_BYTES = 4 * 1024 * 1024


def _uname() -> dict:
    u = platform.uname()
    return {"system": u.system, "node": u.node, "release": u.release, "version": u.version, "machine": u.machine}


def _cpu_count() -> dict:
    import psutil

    return {"logical": psutil.cpu_count(logical=True), "physical": psutil.cpu_count(logical=False)}


def _cpu_freq() -> dict | None:
    import psutil

    f = psutil.cpu_freq()
    return None if f is None else {"current": f.current, "min": f.min, "max": f.max}


def _virtual_memory() -> dict:
    import psutil

    vm, sw = psutil.virtual_memory(), psutil.swap_memory()
    return {"total": vm.total, "available": vm.available, "swap_total": sw.total}


def _battery() -> dict | None:
    import psutil

    b = psutil.sensors_battery() if hasattr(psutil, "sensors_battery") else None
    return None if b is None else {"percent": round(b.percent, 1), "power_plugged": b.power_plugged}


def _disk_usage(path: str) -> dict:
    st = os.stat(path)
    du = shutil.disk_usage(path)
    return {"total": du.total, "free": du.free, "device": st.st_dev}


def _env(name: str) -> str | None:
    return os.environ.get(name)


def _glob(pattern: str) -> list[str]:
    return sorted(glob.glob(pattern))


def _windows_cpu() -> dict | None:
    """The CPU's name and vendor from the registry (Windows only; None elsewhere)."""
    try:
        import winreg
    except ImportError:
        return None
    key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"HARDWARE\DESCRIPTION\System\CentralProcessor\0")
    try:
        name = winreg.QueryValueEx(key, "ProcessorNameString")[0].strip()
        vendor = winreg.QueryValueEx(key, "VendorIdentifier")[0].strip()
    finally:
        winreg.CloseKey(key)
    return {"name": name, "vendor": vendor}


def _process(pid: int) -> dict | None:
    import psutil

    try:
        proc = psutil.Process(pid)
        return {"name": proc.name(), "cmdline": proc.cmdline()}
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


#: Library calls a probe may make, by name. Each returns JSON-able data, or None for "not there".
CALLS: dict[str, Callable[..., Any]] = {
    "platform.uname": _uname,
    "psutil.cpu_count": _cpu_count,
    "psutil.cpu_freq": _cpu_freq,
    "psutil.virtual_memory": _virtual_memory,
    "psutil.battery": _battery,
    "disk_usage": _disk_usage,
    "env": _env,
    "which": shutil.which,
    "python.executable": lambda: sys.executable,
    "home": lambda: os.path.expanduser("~"),
    "cwd": os.getcwd,
    "glob": _glob,
    "realpath": lambda path: os.path.realpath(path) if os.path.exists(path) else None,
    "windows.cpu": _windows_cpu,
    "process": _process,
}


def _from_sys(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        from readiness.host import linux_sys

        return getattr(linux_sys, name)(*args)

    return call


# On Linux these calls read /sys and /proc themselves (host/linux_sys.py), in psutil's shape: importing
# psutil cost more than the rest of the CPU probe (issue 18). Elsewhere psutil answers.
if sys.platform.startswith("linux"):
    CALLS.update({"psutil.cpu_count": _from_sys("cpu_count"), "psutil.cpu_freq": _from_sys("cpu_freq"),
                  "psutil.battery": _from_sys("battery"), "process": _from_sys("process")})

#: Vendor libraries, each run in a child process bounded by the host's timeout (host/vendor_child.py).
VENDOR_CALLS = ("nvml", "amdsmi")


class LiveHost(Host):
    def __init__(self, timeout: float = 10.0, options: dict | None = None):
        self.timeout = timeout
        self.options = options or {}
        self.system = platform.system().lower() or None
        self._sys_paths: dict[str, Answer] = {}  # per interpreter, for the answer cache's fingerprint
        self._sys_paths_lock = threading.Lock()
        self._stop = threading.Event()  # set by stop(): this host's commands end, none start

    def stop(self) -> None:
        runner.stop(self._stop)

    def ask(self, kind: str, *args: Any, timeout: float | None = None) -> Answer:
        start = time.monotonic()
        try:
            answer = self._cmd(*args, timeout=timeout) if kind == "cmd" else getattr(self, "_" + kind)(*args)
        except PermissionError as e:
            answer = Answer(DENIED, reason=f"permission denied: {e.filename or args[0]}")
        except (FileNotFoundError, NotADirectoryError) as e:
            answer = Answer(ABSENT, reason=f"not found: {e.filename or args[0]}")
        except ImportError as e:
            answer = Answer(ABSENT, reason=f"library not installed: {e.name or e}")
        except OSError as e:
            answer = Answer(ERROR, reason=f"{type(e).__name__}: {e.strerror or e}")
        if answer.seconds == 0.0:
            answer = Answer(answer.status, answer.value, answer.reason, answer.exit_code,
                            round(time.monotonic() - start, 4))
        return answer

    def run_cached(self, argv, timeout: float | None = None) -> Answer:
        from readiness import data
        from readiness.host import answer_cache

        folder = data.cache_dir()
        if self.options.get("cache") is False or folder is None:
            return self.run(argv, timeout)
        return answer_cache.run_cached(self, list(argv), timeout, folder, self._sys_path)

    def _sys_path(self, interpreter: str, timeout: float | None) -> Answer:
        """The interpreter's sys.path, asked once a run: the torch probe and the package listing
        run the same interpreter, and each child costs tens of milliseconds."""
        from readiness.host import answer_cache

        with self._sys_paths_lock:
            if interpreter not in self._sys_paths:
                own = answer_cache.own_sys_path(shutil.which(interpreter) or interpreter)
                self._sys_paths[interpreter] = (Answer(OK, json.dumps(own)) if own is not None else
                                                self.run(answer_cache.sys_path_argv(interpreter), timeout))
            return self._sys_paths[interpreter]

    def _file(self, path: str) -> Answer:
        with open(path, "rb") as f:
            data = f.read(_MAX_FILE_BYTES)
        return Answer(OK, data.decode("utf-8", errors="replace"))

    def _dir(self, path: str) -> Answer:
        return Answer(OK, sorted(os.listdir(path)))

    def _link(self, path: str) -> Answer:
        try:
            return Answer(OK, os.readlink(path))
        except OSError as e:
            if e.errno == errno.EINVAL:
                return Answer(ABSENT, reason=f"not a symbolic link: {path}")
            raise

    def _call(self, name: str, *args: Any) -> Answer:
        if name in VENDOR_CALLS:
            return self._vendor(name)
        fn = CALLS.get(name)
        if fn is None:
            return Answer(ERROR, reason=f"unknown call {name!r}")
        value = fn(*args)
        if value is None:
            return Answer(ABSENT, reason=f"{name} gave nothing")
        return Answer(OK, value)

    def _vendor(self, name: str) -> Answer:
        """The library's snapshot from a child Python, so that a hung library is a timeout."""
        import json

        import readiness

        top = os.path.dirname(os.path.dirname(os.path.abspath(readiness.__file__)))
        missing = _binding_missing(name, top)
        if missing is not None:
            return Answer(OK, missing)
        env = {**os.environ, **_C_LOCALE,
               "PYTHONPATH": os.pathsep.join(p for p in (top, os.environ.get("PYTHONPATH")) if p)}
        start = time.monotonic()
        out = runner.run([sys.executable, "-m", "readiness.host.vendor_child", name], self.timeout, env=env,
                         stop=self._stop)
        seconds = round(time.monotonic() - start, 4)
        if out.timed_out:
            return Answer(TIMEOUT, reason=f"the {name} library timed out after {self.timeout:g} s", seconds=seconds)
        if out.returncode != 0:
            last = out.stderr.decode("utf-8", errors="replace").strip().splitlines()
            return Answer(ERROR, reason=f"the {name} query {_exit_words(out.returncode)}"
                          + (f": {last[-1][:200]}" if last else ""), seconds=seconds)
        try:
            value = json.loads(out.stdout)
        except (ValueError, RecursionError):
            return Answer(ERROR, reason=f"the {name} query printed no readable answer", seconds=seconds)
        return Answer(OK, value, seconds=seconds)

    def _cmd(self, argv: list[str], timeout: float | None = None) -> Answer:
        limit = timeout or self.timeout
        exe = shutil.which(argv[0])
        if exe is None:
            return Answer(ABSENT, reason=f"{argv[0]} not found on PATH")
        env = {**os.environ, **_C_LOCALE}
        start = time.monotonic()
        out = runner.run([exe, *argv[1:]], limit, env=env, stop=self._stop)
        seconds = round(time.monotonic() - start, 4)
        if out.timed_out:
            return Answer(TIMEOUT, reason=f"{_short(argv)} timed out after {limit:g} s", seconds=seconds)
        text = out.stdout.decode("utf-8", errors="replace")
        notes = []
        if out.truncated:
            notes.append(f"output cut at {runner.MAX_OUTPUT_BYTES // 2**20} MiB (the rest was discarded)")
        if out.left_running:
            notes.append(f"{out.left_running} process(es) it left running were killed")
        if out.returncode is not None and out.returncode < 0:
            # Killed by a signal (a crash) after whatever it printed: the output may be partial.
            return Answer(ERROR, text, reason=f"{argv[0]} {_exit_words(out.returncode)}"
                          + (f" after {len(out.stdout)} bytes of output" if out.stdout else ""),
                          exit_code=out.returncode, seconds=seconds)
        if out.returncode != 0 and not text.strip():
            reason = out.stderr.decode("utf-8", errors="replace").strip().splitlines()
            return Answer(ERROR, text, reason=f"{argv[0]} exited {out.returncode}"
                          + (f": {reason[-1][:300]}" if reason else ""), exit_code=out.returncode, seconds=seconds)
        return Answer(OK, text, reason="; ".join(notes) or None, exit_code=out.returncode, seconds=seconds)


def _binding_missing(name: str, top: str) -> dict | None:
    """The child's own answer when its binding module is nowhere on the child's sys.path, or
    (NVML on Linux) when the library the binding loads is nowhere dlopen looks: looked
    up here (a path search: nothing imported, no vendor code run), so no child Python is started
    for a library that is not installed (issue 18; 0.1-0.2 s each). A binding that is there is
    still imported only in the child, where a hung library is a timeout (issue 19). The child is
    this interpreter run with ``-m`` (the working folder first) and ``top`` added to PYTHONPATH,
    so those are searched with our sys.path."""
    import importlib.machinery

    from readiness.host import amdsmi, nvml

    lib = nvml if name == "nvml" else amdsmi
    path = [os.getcwd(), top, *os.environ.get("PYTHONPATH", "").split(os.pathsep), *sys.path]
    try:
        if importlib.machinery.PathFinder.find_spec(lib.BINDING, [p for p in path if p]) is None:
            return lib.binding_missing()
    except (ImportError, ValueError, OSError):
        return None  # can't tell here: the child will
    soname = getattr(lib, "LIBRARY", None)
    if soname and sys.platform.startswith("linux") and loadable(soname) is False:
        return lib.library_missing()
    return None


#: Where glibc's dlopen looks for a bare soname after LD_LIBRARY_PATH and its cache (ld.so(8)).
_DEFAULT_LIB_DIRS = ("/lib", "/usr/lib", "/lib64", "/usr/lib64")
_LD_CACHE = "/etc/ld.so.cache"
_MAX_LD_CACHE_BYTES = 16 * 2**20


def loadable(soname: str) -> bool | None:
    """Whether dlopen(soname) could find the file, decided without loading anything: False only
    when it is in none of LD_LIBRARY_PATH, the loader's cache and the default folders, the places
    ld.so(8) searches for a name without a slash. None (can't tell: the child decides) when the
    cache can't be read. A check with the binding installed but no driver (most machines, and
    every CI runner) then starts no NVML child (issue 18: 40-90 ms on its critical path)."""
    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d] + list(_DEFAULT_LIB_DIRS)
    if any(os.path.exists(os.path.join(d, soname)) for d in dirs):
        return True
    try:
        with open(_LD_CACHE, "rb") as f:
            cache = f.read(_MAX_LD_CACHE_BYTES + 1)
    except OSError:
        return None
    if len(cache) > _MAX_LD_CACHE_BYTES:
        return None
    # The cache holds each soname as a NUL-terminated string (and its path after a slash).
    return (b"\0" + soname.encode() + b"\0") in cache or (b"/" + soname.encode() + b"\0") in cache


def _exit_words(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited {code}"


def _short(argv: list[str]) -> str:
    """The command for a message: a long -c script is shown as '-c …'."""
    import shlex

    shown = [a if len(a) < 80 else a[:20] + "…" for a in argv]
    return shlex.join(shown)
