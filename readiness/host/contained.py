"""Reading a file named by a capture's index.json: only inside the capture folder, only regular
files, only up to a size budget. Captures are attached to bug reports and replayed on the
maintainer's machine, so an index naming ``../../.ssh/id_rsa``, ``/etc/shadow``, a symlink out of
the folder, ``/dev/zero`` or a FIFO must be refused before anything is opened."""

from __future__ import annotations

import os
import stat

from readiness.errors import ReadinessError

#: The largest capture entry read (a live command's output is cut at 16 MiB; files at 4 MiB).
MAX_ENTRY_BYTES = 16 * 1024 * 1024


def entry_path(folder: str, name) -> str:
    """The entry's real path, or ReadinessError when it is not a plain name inside the folder."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ReadinessError(f"{folder}: a capture entry names no usable file ({str(name)[:60]!r})")
    parts = name.replace("\\", "/").split("/")
    if os.path.isabs(name) or name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
        raise ReadinessError(f"{folder}: capture entry {name[:80]!r} points outside the capture folder; refused")
    root = os.path.realpath(folder)
    real = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, real]) != root:
        raise ReadinessError(f"{folder}: capture entry {name[:80]!r} is a link out of the capture folder; refused")
    return real


def read_entry(folder: str, name, max_bytes: int = MAX_ENTRY_BYTES) -> bytes:
    real = entry_path(folder, name)
    try:
        st = os.stat(real)
    except OSError as e:
        raise ReadinessError(f"{folder}: capture entry {name!r} can't be read: {e.strerror or e}") from e
    if not stat.S_ISREG(st.st_mode):
        raise ReadinessError(f"{folder}: capture entry {name!r} is not a regular file (a FIFO, device or folder); "
                             "refused")
    if st.st_size > max_bytes:
        raise ReadinessError(f"{folder}: capture entry {name!r} is {st.st_size // 2**20} MiB, over the "
                             f"{max_bytes // 2**20} MiB a capture entry may be")
    try:
        # O_NONBLOCK and O_NOFOLLOW: a FIFO or link swapped in after the checks is refused, not waited on.
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise ReadinessError(f"{folder}: capture entry {name!r} can't be read: {e.strerror or e}") from e
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ReadinessError(f"{folder}: capture entry {name!r} is not a regular file; refused")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise ReadinessError(f"{folder}: capture entry {name!r} grew past {max_bytes // 2**20} MiB while read")
    return data
