"""RAM bandwidth without torch or numpy: the standard library, one process per core.

How it measures (said in the output, docs/bench.md):
- read: ``bytearray.find(b"\\x01")`` over a buffer filled with another byte. CPython hands a
  one-byte search to the C library's ``memchr``, which streams the whole buffer with vector loads;
- copy: ``memoryview`` slice assignment, a ``memcpy`` (counted as read + write, as STREAM does).
Threads would share one GIL, so each worker is a process with its own buffer; a barrier starts
every repeat together and the bandwidths of the workers are summed. Buffers are written before
they are timed so that no page is the kernel's shared zero page (which would read from cache).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time

_FILL = b"\x5a"


def _worker(nbytes: int, repeats: int, budget_s: float, barrier, queue) -> None:
    try:
        src = bytearray(_FILL) * nbytes
        dst = bytearray(_FILL) * nbytes
        view_src, view_dst = memoryview(src), memoryview(dst)
        reads, copies = [], []
        src.find(b"\x01")
        view_dst[:] = view_src
        start = time.perf_counter()
        for _ in range(repeats):
            barrier.wait(timeout=budget_s + 10)
            t = time.perf_counter()
            src.find(b"\x01")
            reads.append(time.perf_counter() - t)
            barrier.wait(timeout=budget_s + 10)
            t = time.perf_counter()
            view_dst[:] = view_src
            copies.append(time.perf_counter() - t)
            # Every worker runs the same number of repeats, or the barrier would wait forever.
            if time.perf_counter() - start > budget_s:
                repeats = 0
        queue.put({"reads": reads, "copies": copies})
    except Exception as e:  # noqa: BLE001 - reported to the parent as data
        queue.put({"error": f"{type(e).__name__}: {e}"})


def measure(total_bytes: int, workers: int | None, repeats: int, budget_s: float) -> dict:
    """Raw samples in the child's format: {"read": {"bytes", "seconds"}, "copy": {...}}.

    Each repeat's time is the slowest worker's, and the bytes are all workers' together, so the
    figure is what all cores draw at once."""
    workers = max(1, workers or os.cpu_count() or 1)
    per = max(total_bytes // workers, 1 << 20)
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() and os.name == "posix" else "spawn")
    barrier = ctx.Barrier(workers)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(per, repeats, budget_s, barrier, queue), daemon=True)
             for _ in range(workers)]
    for p in procs:
        p.start()
    results, deadline = [], time.monotonic() + budget_s * 3 + 20
    try:
        for _ in procs:
            results.append(queue.get(timeout=max(deadline - time.monotonic(), 0.1)))
    except Exception:  # noqa: BLE001 - queue.Empty: a worker died or hung
        results.append({"error": "a worker did not report in time"})
    finally:
        for p in procs:
            p.join(timeout=1)
            if p.is_alive():
                p.terminate()
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return {"error": errors[0]}
    rounds = min(len(r["reads"]) for r in results)
    out = {"workers": workers, "buffer_bytes_per_worker": per,
           "method": "standard library: memchr read (bytearray.find) and memcpy copy, one process per core"}
    for key, name, factor in (("reads", "read", 1), ("copies", "copy", 2)):
        slowest = [max(r[key][i] for r in results) for i in range(rounds)]
        out[name] = {"bytes": per * workers * factor, "seconds": slowest,
                     "repeats_asked": repeats, "budget_s": budget_s, "cut_short": rounds < repeats}
    out["copy"]["counts"] = "read + write"
    return out
