"""A host that answers from recorded outputs: a capture folder, or raw files given with --from.

Raw files are recognised by their content, whatever they are called: each probe
module lists the formats it reads as ``FORMATS = [(key, detect), ...]`` and the
first detector that accepts a file decides which question it answers.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from readiness.errors import ReadinessError
from readiness.host.base import ABSENT, Answer, Host, key_for

CAPTURE_FORMAT = "readiness-capture"
INDEX_NAME = "index.json"
_MAX_RAW_BYTES = 8 * 1024 * 1024

Detector = Callable[[str], bool]


@dataclass
class LoadReport:
    """What --from made of its paths: used files, and ignored ones with why."""

    used: list[tuple[str, str]] = field(default_factory=list)  # (path, key)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


class ReplayHost(Host):
    def __init__(self, answers: dict[str, Answer], system: str | None, origin: str):
        self.answers = answers
        self.system = system
        self.origin = origin

    def ask(self, kind: str, *args: Any, timeout: float | None = None) -> Answer:
        key = key_for(kind, args)
        answer = self.answers.get(key)
        if answer is None:
            return Answer(ABSENT, reason=f"not in {self.origin}")
        return answer


def formats() -> list[tuple[str, Detector]]:
    """Every raw format the probes can read, most specific first."""
    from readiness.probes import all_probes

    out: list[tuple[str, Detector]] = []
    for probe in all_probes():
        out.extend(getattr(probe, "FORMATS", []))
    return out


def splitters():
    """Formats that answer several questions at once (a collect_env report embeds lscpu)."""
    from readiness.probes import all_probes

    return [f for probe in all_probes() for f in getattr(probe, "SPLITTERS", [])]


# A shell prompt at the start of a line: PowerShell's "PS C:\\Users\\me> " or a POSIX shell's
# "user@host:~$ ", "[root@host ~]# ".
_PROMPT = re.compile(r"^(?:PS [^\n>]*>|[\w.-]+@[\w.-]+:[^\n]*?[$#]|\[[\w.-]+@[\w.-]+ [^\]\n]*\][$#]) \S.*$", re.M)


def recognise_all(text: str) -> dict[str, str]:
    """Every question a raw file answers: {key: text}. A pasted terminal session with several
    commands is read command by command, each from its prompt line on."""
    starts = [m.start() for m in _PROMPT.finditer(text)]
    if len(starts) > 1:
        found: dict[str, str] = {}
        for begin, end in zip(starts, starts[1:] + [len(text)]):
            for key, part in _recognise_one(text[begin:end]).items():
                found.setdefault(key, part)
        if found:
            return found
    return _recognise_one(text)


def _recognise_one(text: str) -> dict[str, str]:
    for split in splitters():
        found = split(text)
        if found:
            return found
    key = recognise(text)
    return {key: text} if key else {}


def recognise(text: str) -> str | None:
    for key, detect in formats():
        try:
            if detect(text):
                return key
        except (ValueError, KeyError, IndexError, TypeError):
            continue
    return None


def _read_text(path: str) -> str | None:
    """The file's text, or None when it is not a text file we could use."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_RAW_BYTES + 1)
    except OSError as e:
        raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
    if len(data) > _MAX_RAW_BYTES or b"\x00" in data[:4096]:
        return None
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n")


_STATUSES = {"ok", "absent", "denied", "timeout", "error"}


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _load_capture(folder: str) -> tuple[dict[str, Answer], str | None]:
    from readiness.host import contained

    index_path = os.path.join(folder, INDEX_NAME)
    try:
        index = json.loads(contained.read_entry(folder, INDEX_NAME).decode("utf-8"), parse_constant=_no_constant)
        entries = index["entries"]
        system = index.get("system")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise ValueError("'entries' must be a list of objects")
        if system is not None and not isinstance(system, str):
            raise ValueError("'system' must be a string")
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise ReadinessError(f"{index_path} is not a readable readiness capture index: {str(e)[:200]}") from e
    answers: dict[str, Answer] = {}
    for entry in entries:
        try:
            value = entry.get("value")
            name = entry.get("file")
            if name is not None:
                data = contained.read_entry(folder, name).decode("utf-8")
                value = json.loads(data, parse_constant=_no_constant) if name.endswith(".json") else data
            key, status = entry["key"], entry["status"]
            exit_code, seconds, reason = entry.get("exit_code"), entry.get("seconds", 0.0), entry.get("reason")
            if not isinstance(key, str) or status not in _STATUSES:
                raise ValueError("key must be a string and status one of " + ", ".join(sorted(_STATUSES)))
            if not (exit_code is None or (isinstance(exit_code, int) and not isinstance(exit_code, bool))):
                raise ValueError("exit_code must be an integer")
            if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds != seconds:
                raise ValueError("seconds must be a number")
            if reason is not None and not isinstance(reason, str):
                raise ValueError("reason must be a string")
            answers[key] = Answer(status, value, reason, exit_code, float(seconds))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
            raise ReadinessError(f"{folder}: capture entry {str(entry)[:80]} is unreadable: {str(e)[:200]}") from e
    return answers, system


def is_capture(folder: str) -> bool:
    from readiness.host import contained

    if not os.path.lexists(os.path.join(folder, INDEX_NAME)):
        return False
    # An index.json that is a FIFO, a device or a link out of the folder is refused here (exit 2),
    # before the folder could be walked as raw files and the FIFO opened.
    head = contained.read_entry(folder, INDEX_NAME)
    try:
        doc = json.loads(head.decode("utf-8"))
        return isinstance(doc, dict) and doc.get("format") == CAPTURE_FORMAT
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return False


def _walk(path: str) -> Iterable[str]:
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)


def _system_of(answers: dict[str, Answer]) -> str | None:
    uname = answers.get("cmd:uname -a")
    if uname is not None and uname.text:
        first = uname.text.split(None, 1)[0].lower() if uname.text.split() else ""
        if first in ("linux", "darwin"):
            return first
    if any(k.startswith(("file:/proc/", "file:/etc/os-release", "cmd:lscpu")) for k in answers):
        return "linux"
    return None


def load(paths: list[str]) -> tuple[ReplayHost, LoadReport]:
    """Build a host from capture folders and raw files. Unreadable paths raise ReadinessError."""
    report = LoadReport()
    answers: dict[str, Answer] = {}
    system: str | None = None
    for path in paths:
        if not os.path.exists(path):
            raise ReadinessError(f"cannot read {path}: no such file or folder")
        if os.path.isdir(path) and is_capture(path):
            captured, captured_system = _load_capture(path)
            for key, answer in captured.items():
                answers.setdefault(key, answer)
            system = system or captured_system
            report.used.append((path, "capture"))
            continue
        files = list(_walk(path)) if os.path.isdir(path) else [path]
        if os.path.isdir(path) and not os.access(path, os.R_OK | os.X_OK):
            raise ReadinessError(f"cannot read {path}: permission denied")
        for file in files:
            text = _read_text(file)
            if text is None:
                report.ignored.append((file, "not a text file, or too large"))
                continue
            found = recognise_all(text)
            if not found:
                report.ignored.append((file, "not a recognised output"))
            for key, part in found.items():
                if key in answers:
                    report.ignored.append((file, f"a second {key.split(':', 1)[1]!r}; the first one is used"))
                else:
                    answers[key] = Answer("ok", part, exit_code=0)
                    report.used.append((file, key))
    origin = "the given files"
    return ReplayHost(answers, system or _system_of(answers), origin), report
