"""``readiness capture``: run the live probes and keep every raw answer in a folder."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from typing import Any

from readiness import __version__
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
            raise ReadinessError(f"{folder} is not empty", hint="use --force to write into it anyway")
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
            name = _file_name(n, key, value)
            path = os.path.join(folder, name)
            with open(path, "w", encoding="utf-8", newline="") as f:
                if isinstance(value, str):
                    f.write(value)
                else:
                    json.dump(value, f, indent=1, sort_keys=True)
            entry["file"] = name
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
    with open(os.path.join(folder, INDEX_NAME), "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1)
    return len(entries)
