"""One bounded reader for command output: a time budget, a size budget, and no child left behind.

- The command runs in a new session, so a timeout kills its whole process group.
- stdout and stderr are read together until the deadline; past ``max_bytes`` the rest is read
  and thrown away (the tool is not blocked on a full pipe) and the cut is reported.
- A child that escapes the group (``setsid sleep 999 &`` in a wrapper script) keeps the pipes
  open after the tool exits: after a short grace the pipes are closed and, on Linux, the
  processes still holding them are killed by pid. Nothing waits on them unbounded.
- Ctrl-C: every running child is known here, so the CLI can kill them all before it exits.
- One run's commands can be stopped on their own (``stop(event)``): a check whose probes started
  before the user's files were read, and one of those files is bad, ends its own probes (issue 18).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

#: Bytes kept of a command's stdout (and, separately, stderr).
MAX_OUTPUT_BYTES = 16 * 1024 * 1024
#: Seconds to keep reading after the tool exited, for output its children still write.
_GRACE_S = 0.5
_CHUNK = 65536

_running: dict[int, tuple[subprocess.Popen, threading.Event | None]] = {}
_running_lock = threading.Lock()
_stopped = False  # set by kill_all: no command may start once Ctrl-C has killed the running ones


@dataclass
class Outcome:
    """A finished (or killed) command's exit code and output."""

    returncode: int | None  # None: killed at the deadline
    stdout: bytes
    stderr: bytes
    timed_out: bool = False
    truncated: bool = False  # stdout was longer than the budget
    left_running: int = 0  # escaped children killed after the tool exited


def run(argv: list[str], timeout: float, env: dict | None = None, max_bytes: int = MAX_OUTPUT_BYTES,
        stop: threading.Event | None = None) -> Outcome:
    """``stop``: the run this command belongs to; once it is set (``stop(event)``) nothing of that
    run starts, and what runs is killed."""
    posix = os.name == "posix"
    # Started under the lock: a Ctrl-C's kill_all waits for the registration, so a child started
    # at that very moment is killed too; and once it has run, a probe thread still going (lscpu
    # after lscpu -J was killed) starts nothing that the exit would leave behind.
    with _running_lock:
        if _stopped or (stop is not None and stop.is_set()):
            return Outcome(None, b"", b"")
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=env, start_new_session=posix)
        _running[proc.pid] = (proc, stop)
    try:
        if not posix:  # pragma: no cover - Windows pipes can't be selected on
            return _run_windows(proc, timeout, max_bytes)
        return _run_posix(proc, timeout, max_bytes)
    finally:
        with _running_lock:
            _running.pop(proc.pid, None)


def _run_posix(proc: subprocess.Popen, timeout: float, max_bytes: int) -> Outcome:
    deadline = time.monotonic() + timeout
    bufs = {proc.stdout: bytearray(), proc.stderr: bytearray()}
    seen = {proc.stdout: 0, proc.stderr: 0}
    inodes = [os.fstat(f.fileno()).st_ino for f in bufs]
    sel = selectors.DefaultSelector()
    for f in bufs:
        os.set_blocking(f.fileno(), False)
        sel.register(f, selectors.EVENT_READ)
    timed_out = False
    exited_at = None
    try:
        while sel.get_map():
            now = time.monotonic()
            if proc.poll() is not None and exited_at is None:
                exited_at = now
            if exited_at is not None and now - exited_at > _GRACE_S:
                break  # the tool is done; whatever still holds the pipes is not the tool
            if now >= deadline:
                timed_out = proc.poll() is None
                break
            wait = min(deadline - now, 0.1 if exited_at is None else _GRACE_S)
            for key, _ in sel.select(wait):
                try:
                    chunk = os.read(key.fileobj.fileno(), _CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                seen[key.fileobj] += len(chunk)
                buf = bufs[key.fileobj]
                room = max_bytes - len(buf)
                if room > 0:
                    buf += chunk[:room]
        pipes_open = bool(sel.get_map())  # no EOF on a pipe: something still holds it
    finally:
        sel.close()
    if not timed_out and proc.poll() is None:
        # Both pipes at EOF but not reaped yet: a tool between closing its output and exiting
        # (often, on a loaded machine) finishes on its own; it was SIGKILLed here, and its good
        # output was then read as a crash ("killed by SIGKILL"). Waited for a grace, in the budget.
        try:
            proc.wait(timeout=max(0.0, min(_GRACE_S, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            pass
    if timed_out or proc.poll() is None:
        _kill_group(proc)
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL not delivered (D state)
        pass
    left = _kill_holders(inodes) if pipes_open else 0
    for f in bufs:
        f.close()
    out, err = bytes(bufs[proc.stdout]), bytes(bufs[proc.stderr])
    return Outcome(None if timed_out else proc.returncode, out, err, timed_out, seen[proc.stdout] > max_bytes, left)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill_holders(inodes: list[int]) -> int:
    """Kill, by pid, the processes that still hold our pipes (Linux's /proc tells which)."""
    wanted = {f"pipe:[{i}]" for i in inodes}
    me = os.getpid()
    killed = 0
    try:
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return 0
    for pid in pids:
        if pid == me:
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") in wanted:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                    break
            except OSError:
                continue
    return killed


def _run_windows(proc: subprocess.Popen, timeout: float, max_bytes: int) -> Outcome:  # pragma: no cover
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        try:
            out, err = proc.communicate(timeout=2)
        except subprocess.TimeoutExpired:
            out, err = b"", b""
        return Outcome(None, out[:max_bytes], err[:max_bytes], True, len(out) > max_bytes)
    return Outcome(proc.returncode, out[:max_bytes], err[:max_bytes], False, len(out) > max_bytes)


def kill_all() -> None:
    """Ctrl-C: kill every command still running (each in its own session, so the terminal's
    SIGINT never reached them), and start no more."""
    global _stopped
    with _running_lock:
        _stopped = True
        procs = [proc for proc, _ in _running.values()]
    _kill(procs)


def stop(event: threading.Event) -> None:
    """End one run: set its event (nothing of it starts any more) and kill its commands still
    running; other runs in this process go on."""
    with _running_lock:
        event.set()
        procs = [proc for proc, owner in _running.values() if owner is event]
    _kill(procs)


def _kill(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if os.name == "posix":
            _kill_group(proc)
        else:  # pragma: no cover
            proc.kill()
