"""``readiness capture``: run the live probes and keep every raw answer in a folder."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from typing import Any

from readiness import __version__, jsonout
from readiness.errors import ReadinessError
from readiness.host.base import OnceHost
from readiness.host.replay import CAPTURE_FORMAT, INDEX_NAME
from readiness import redact as redaction


class CaptureHost(OnceHost):
    """Asks the live host, once per question, and keeps every answer for the capture folder."""


def _file_name(n: int, key: str, value: Any) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-")[:60]
    return f"{n:03d}-{slug}.{'txt' if isinstance(value, str) else 'json'}"


def prepare_folder(folder: str, force: bool) -> None:
    """Refuse a non-empty folder unless forced: a capture never overwrites a user's files silently."""
    if os.path.exists(folder):
        if not os.path.isdir(folder):
            raise ReadinessError(f"{folder} exists and is not a folder")
        if os.listdir(folder) and not force:
            raise ReadinessError(f"{folder} is not empty", field="force")
        if os.path.lexists(os.path.join(folder, INDEX_NAME)):
            # --force adds files beside the user's; it never replaces an index.json (or writes through one).
            raise ReadinessError(f"{folder} already holds a capture ({INDEX_NAME}); not replacing it",
                                 hint="capture into a new folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ReadinessError(f"cannot write into {folder}: permission denied")
    else:
        try:
            os.makedirs(folder)
        except OSError as e:
            raise ReadinessError(f"cannot create {folder}: {e.strerror or e}") from e


def write(host: CaptureHost, folder: str, redact: bool) -> int:
    """Write one file per answered source plus index.json; returns the number of sources."""
    answers = dict(sorted(host.answers.items()))
    secrets = redaction.secrets_in(answers) if redact else set()
    entries = []
    for n, (key, answer) in enumerate(answers.items(), 1):
        value = answer.value
        reason = answer.reason
        if redact:
            value = redaction.scrub_identity(key, redaction.scrub(value, secrets))
            reason = redaction.scrub(reason, secrets)
        entry: dict[str, Any] = {"key": key, "status": answer.status, "reason": reason,
                                 "exit_code": answer.exit_code, "seconds": answer.seconds, "file": None}
        if value is not None:
            text = value if isinstance(value, str) else json.dumps(jsonout.finite(value), indent=1, sort_keys=True,
                                                                   allow_nan=False)
            entry["file"] = _write_new(folder, _file_name(n, key, value), text)
        entries.append(entry)
    index = {
        "format": CAPTURE_FORMAT,
        "format_version": 1,
        "tool": {"name": "readiness", "version": __version__},
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "system": host.system,
        "redacted": redact,
        "entries": entries,
    }
    _write_exclusive(folder, INDEX_NAME, json.dumps(index, indent=1, allow_nan=False))
    return len(entries)


def _write_exclusive(folder: str, name: str, text: str) -> None:
    """Create the file; never replace one, never follow a link planted under its name."""
    path = os.path.join(folder, name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        raise
    except OSError as e:
        raise ReadinessError(f"cannot write {path}: {e.strerror or e}",
                             hint="give capture a folder you can write to") from e
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)


def _write_new(folder: str, name: str, text: str) -> str:
    """Write under ``name`` or, when a file (or link) of that name is already there, a new name."""
    stem, dot, ext = name.rpartition(".")
    for n in range(1000):
        candidate = name if n == 0 else f"{stem}-{n}{dot}{ext}"
        try:
            _write_exclusive(folder, candidate, text)
            return candidate
        except FileExistsError:
            continue
    raise ReadinessError(f"{folder}: no free file name for {name}")
