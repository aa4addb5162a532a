"""The progress line `readiness check` shows on stderr while it probes (a terminal only)."""

from __future__ import annotations

import sys


class Progress:
    """Progress on stderr while probing, only on a terminal: never inside --json output, never in a
    pipe or a log. ``update`` is the pipeline's per-probe callback: it names the probes running."""

    SLOW = {"torch": "importing torch in a child process, this takes a few seconds"}

    def __init__(self, what: str, stream=None):
        import threading

        self.what = what
        self.stream = stream or sys.stderr
        self.on = self.stream.isatty()
        self.running: list[str] = []
        self.lock = threading.Lock()
        self.shown = False

    def __enter__(self):
        return self

    def update(self, name: str, state: str) -> None:
        if not self.on:
            return
        with self.lock:
            if state == "start":
                self.running.append(name)
            elif name in self.running:
                self.running.remove(name)
            slow = next((self.SLOW[n] for n in self.running if n in self.SLOW), None)
            now = slow or (f"probing {', '.join(self.running)}" if self.running else self.what)
            self.stream.write(f"\rreadiness: {now}…"[:79].ljust(80) + "\r")
            self.stream.flush()
            self.shown = True

    def __exit__(self, *exc):
        if self.on and self.shown:
            self.stream.write(" " * 80 + "\r")
            self.stream.flush()
        return False
