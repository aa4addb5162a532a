"""Writing the files the user names (-o, --csv): never through a symbolic link, never into a FIFO
or a device, never over a file readiness did not write unless --force."""

from __future__ import annotations

import os
import stat

from readiness.errors import ReadinessError

# The first bytes of every HTML page readiness writes (report_templates/*.html.j2): a file is "ours"
# only when it starts with exactly this, not when it merely quotes our generator tag somewhere.
OUR_HTML_START = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                  '<meta name="generator" content="readiness ')


def is_our_html(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        head = os.read(fd, len(OUR_HTML_START.encode()) + 64).decode("utf-8", errors="replace")
    finally:
        os.close(fd)
    if not head.startswith(OUR_HTML_START):
        return False
    rest = head[len(OUR_HTML_START):]
    version, sep, _ = rest.partition('">')
    return bool(sep) and 0 < len(version) <= 40 and "<" not in version


def check_target(path: str, force: bool, is_ours=None) -> None:
    """Refuse a destination before anything is written (so that two outputs are checked first)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as e:
        raise ReadinessError(f"cannot write {path}: {e.strerror or e}") from e
    if stat.S_ISLNK(st.st_mode):
        raise ReadinessError(f"{path} is a symbolic link; not writing through it",
                             hint="give the real file's path, or another name")
    if not stat.S_ISREG(st.st_mode):
        raise ReadinessError(f"{path} exists and is not a regular file (a folder, FIFO or device); not writing to it")
    if force:
        return
    if is_ours is not None and is_ours(path):
        return
    what = "is not a readiness report" if is_ours is not None else "exists"
    raise ReadinessError(f"{path} {what}; not overwriting it", hint="choose another file, or pass --force")


def write_text(path: str, text, newline: str | None = None) -> None:
    """``text``: a string, or an iterable of strings written as they come (a fleet report's 100,000
    rows are never held whole, #18). O_NOFOLLOW and O_NONBLOCK: a symlink or FIFO swapped in after
    the check is still refused."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as e:
        raise ReadinessError(f"cannot write {path}: {e.strerror or e}") from e
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ReadinessError(f"{path} is not a regular file; not writing to it")
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as f:
            fd = -1
            for chunk in [text] if isinstance(text, str) else text:
                f.write(chunk)
    except OSError as e:
        raise ReadinessError(f"cannot write {path}: {e.strerror or e}") from e
    finally:
        if fd >= 0:
            os.close(fd)
