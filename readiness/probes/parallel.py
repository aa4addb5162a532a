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


def run_all(probes: list, host, run_one) -> list[tuple]:
    """[(probe, Result, seconds)] in probe order; a probe past the deadline is a timeout by name."""
    results: list = [None] * len(probes)
    done = threading.Event()
    left = [len(probes)]
    lock = threading.Lock()

    def work(i: int, probe) -> None:
        try:
            results[i] = (probe, *run_one(probe, host))
        finally:
            with lock:
                left[0] -= 1
                if left[0] == 0:
                    done.set()

    if not probes:
        return []
    for i, probe in enumerate(probes):
        threading.Thread(target=work, args=(i, probe), name=f"probe-{probe.NAME}", daemon=True).start()
    limit = deadline_for(host)
    end = time.monotonic() + limit
    while not done.is_set() and time.monotonic() < end:
        done.wait(min(0.2, max(0.0, end - time.monotonic())))  # short waits: Ctrl-C is seen at once
    out = []
    for i, probe in enumerate(probes):
        r = results[i]
        out.append(r if r is not None else
                   (probe, Result({}, "timeout", f"the {probe.NAME} probe timed out after {limit:g} s"), limit))
    return out
