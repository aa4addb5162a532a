from __future__ import annotations

import json
import shlex
import threading
from dataclasses import asdict, dataclass
from typing import Any, Sequence

# Answer statuses. They map one to one onto probe statuses where a probe fails.
OK = "ok"
ABSENT = "absent"  # the file, command or library is not there
DENIED = "denied"  # there, but we may not read it
TIMEOUT = "timeout"
ERROR = "error"


@dataclass(frozen=True)
class Answer:
    """What a host returned for one command, file or call, with its status and reason."""

    status: str
    value: Any = None
    reason: str | None = None
    exit_code: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def text(self) -> str | None:
        """The value of a successful file read or command, else None."""
        if self.status == OK and isinstance(self.value, str):
            return self.value
        return None

    def to_dict(self) -> dict:
        return asdict(self)


def key_for(kind: str, args: Sequence[Any]) -> str:
    if kind == "cmd":
        return "cmd:" + shlex.join(args[0])
    if kind == "call":
        name, rest = args[0], list(args[1:])
        return "call:" + name + (" " + json.dumps(rest) if rest else "")
    return kind + ":" + args[0]


def cmd_key(argv: Sequence[str]) -> str:
    return key_for("cmd", [list(argv)])


def call_key(name: str, args: Sequence[Any] = ()) -> str:
    return key_for("call", [name, *args])


class Host:
    """What a probe may ask of a machine. Subclasses answer; none raise."""

    #: "linux", "darwin", "windows", or None when it cannot be told (raw files).
    system: str | None = None
    #: seconds allowed for each command
    timeout: float = 10.0
    #: what the user asked to be collected beyond the default, e.g. {"processes": True}
    options: dict = {}
    #: answers come from recorded outputs (--from, a capture), not from running tools now
    replayed: bool = False

    def ask(self, kind: str, *args: Any, timeout: float | None = None) -> Answer:  # pragma: no cover
        """Answer one question. ``timeout`` (commands only) overrides the host's for slow tools."""
        raise NotImplementedError

    def read_file(self, path: str) -> Answer:
        return self.ask("file", path)

    def run(self, argv: Sequence[str], timeout: float | None = None) -> Answer:
        return self.ask("cmd", list(argv), timeout=timeout)

    def run_cached(self, argv: Sequence[str], timeout: float | None = None) -> Answer:
        """A slow Python child whose answer may be remembered between runs (host/answer_cache.py);
        hosts that keep nothing between runs just run it."""
        return self.run(argv, timeout)

    def list_dir(self, path: str) -> Answer:
        return self.ask("dir", path)

    def read_link(self, path: str) -> Answer:
        return self.ask("link", path)

    def call(self, name: str, *args: Any) -> Answer:
        """A library call by name (see ``readiness.host.live.CALLS``); JSON-able result."""
        return self.ask("call", name, *args)

    def stop(self) -> None:
        """End this host's commands still running and start no more (hosts that run none: nothing)."""


def slow_timeout(host, minimum: float) -> float:
    """The budget of a command known to be slow (torch's import, PowerShell, system_profiler):
    at least ``minimum`` by default, but exactly --timeout when the user gave one."""
    if (getattr(host, "options", None) or {}).get("timeout_given"):
        return host.timeout
    return max(host.timeout, minimum)


class OnceHost(Host):
    """Asks the wrapped host each question once in a run and keeps the answers: probes that need
    the same answer (sysctl for the CPU and Apple probes, the DRM cards for AMD and Intel,
    platform.uname for the OS and CPU) share one command or read. Safe across probe threads."""

    def __init__(self, inner: Host):
        self.inner = inner
        self.system = inner.system
        self.timeout = inner.timeout
        self.options = inner.options
        self.replayed = inner.replayed
        self.answers: dict[str, Answer] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._hung: dict[str, str] = {}

    def ask(self, kind: str, *args: Any, timeout: float | None = None) -> Answer:
        tool = args[0][0] if kind == "cmd" and args and args[0] else None
        return self._once(key_for(kind, args), tool, lambda: self.inner.ask(kind, *args, timeout=timeout))

    def stop(self) -> None:
        self.inner.stop()

    def run_cached(self, argv: Sequence[str], timeout: float | None = None) -> Answer:
        return self._once(cmd_key(argv), argv[0] if argv else None,
                          lambda: self.inner.run_cached(list(argv), timeout))

    def _once(self, key: str, tool: str | None, get) -> Answer:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self.answers:
                hung = self._hung.get(tool) if tool else None
                if hung is not None:
                    # A tool that hung once hangs again: answer at once instead of waiting out the
                    # timeout for every other question asked of it (issue 19).
                    self.answers[key] = Answer(TIMEOUT, reason=f"not run: {hung}")
                else:
                    self.answers[key] = get()
                    if tool and self.answers[key].status == TIMEOUT:
                        self._hung[tool] = self.answers[key].reason or f"{tool} timed out"
            return self.answers[key]
