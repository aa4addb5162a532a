"""Sequential read speed of the disk that holds the models, on a temporary file removed afterwards.

The page cache would turn a disk read into a RAM read. Where the OS offers it (Linux, most BSDs),
``posix_fadvise(POSIX_FADV_DONTNEED)`` after an fsync drops the file's pages before each repeat,
and the result says ``cache: "dropped (posix_fadvise DONTNEED)"``. Elsewhere (macOS, Windows) the
pages can't be dropped from user space, so the result says ``cache: "not dropped"`` and the
figure may be the page cache's; a file larger than free RAM would avoid that but costs minutes.
"""

from __future__ import annotations

import os
import tempfile
import time

from readiness.bench.results import rate

CHUNK = 4 * 2**20


def _drop(fd: int) -> bool:
    if not hasattr(os, "posix_fadvise"):
        return False
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    return True


def measure(folder: str, size_bytes: int, repeats: int, budget_s: float) -> dict:
    """{"read_gbps": figure, "file_bytes", "cache", "folder"} or {"error": ...}."""
    if not os.path.isdir(folder):
        return {"error": f"not a folder: {folder}"}
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize if hasattr(os, "statvfs") else None
    if free is not None:
        # Never fill a disk: at most a tenth of its free space.
        size_bytes = min(size_bytes, free // 10)
    size_bytes = max(CHUNK, size_bytes - size_bytes % CHUNK)
    block = os.urandom(CHUNK)  # random bytes: a compressing filesystem can't shrink the file
    fd, path = tempfile.mkstemp(prefix=".readiness-bench-", dir=folder)
    try:
        written, start = 0, time.monotonic()
        while written < size_bytes and time.monotonic() - start < budget_s:
            written += os.write(fd, block)
        dropped = _drop(fd)
        seconds, out_of_time = [], time.monotonic() + budget_s
        for _ in range(repeats):
            if dropped:
                _drop(fd)
            os.lseek(fd, 0, os.SEEK_SET)
            t = time.perf_counter()
            while os.read(fd, CHUNK):
                pass
            seconds.append(time.perf_counter() - t)
            if time.monotonic() > out_of_time:
                break
    except OSError as e:
        return {"error": f"{type(e).__name__}: {e.strerror or e}"}
    finally:
        os.close(fd)
        os.unlink(path)
    figure = rate({"bytes": written, "seconds": seconds, "budget_s": budget_s,
                   "cut_short": len(seconds) < repeats}, "bytes", 1e9, "GB/s")
    return {"read_gbps": figure, "file_bytes": written, "folder": os.path.abspath(folder),
            "cache": "dropped (posix_fadvise DONTNEED)" if dropped else "not dropped: may be the page cache"}
