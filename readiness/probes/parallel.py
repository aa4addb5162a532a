"""Running the probes side by side with a deadline. Daemon threads: a probe stuck in a read that
no timeout covers (a hung network file system) can neither hold the check past its deadline nor
keep the program from exiting on Ctrl-C."""

from __future__ import annotations

import threading
import time

from readiness.probes.base import Result

#: Seconds a probe may take beyond its own slowest command budget before it is given up.
_SLACK_S = 5.0


def deadline_for(host) -> float:
    """Each probe runs a few commands one after another, each bounded by the host's timeout (the
    slow ones by their own budget, which --timeout caps when given)."""
    from readiness.host.base import slow_timeout

    return 3 * slow_timeout(host, 60.0) + _SLACK_S


class Running:
    """Probes started on their threads; ``wait()`` gives their results, in the order started.
    ``probes`` may be a generator: each probe starts as soon as it is produced (a check imports
    each probe module just before starting it, so the slow ones start before the rest are imported)."""

    def __init__(self, probes, host, run_one):
        self.probes: list = []
        self.results: list = []
        self.done = threading.Event()
        self.limit = deadline_for(host)
        self.end = time.monotonic() + self.limit
        self._left = 1  # the starting itself, until every probe is started
        self._lock = threading.Lock()
        for i, probe in enumerate(probes):
            with self._lock:
                self.probes.append(probe)
                self.results.append(None)
                self._left += 1
            threading.Thread(target=self._work, args=(i, probe, host, run_one), name=f"probe-{probe.NAME}",
                             daemon=True).start()
        self._finished()

    def _finished(self) -> None:
        with self._lock:
            self._left -= 1
            if self._left == 0:
                self.done.set()

    def _work(self, i: int, probe, host, run_one) -> None:
        try:
            self.results[i] = (probe, *run_one(probe, host))
        finally:
            self._finished()

    def wait(self) -> list[tuple]:
        """[(probe, Result, seconds)]; a probe past the deadline is a timeout by name."""
        while not self.done.is_set() and time.monotonic() < self.end:
            self.done.wait(min(0.2, max(0.0, self.end - time.monotonic())))  # short waits: Ctrl-C is seen at once
        out = []
        for probe, r in zip(self.probes, self.results):
            out.append(r if r is not None else
                       (probe, Result({}, "timeout", f"the {probe.NAME} probe timed out after {self.limit:g} s"),
                        self.limit))
        return out


def run_all(probes: list, host, run_one) -> list[tuple]:
    """[(probe, Result, seconds)] in probe order; a probe past the deadline is a timeout by name."""
    return Running(probes, host, run_one).wait()
