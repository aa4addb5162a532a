"""A host that answers from recorded outputs: a capture folder, or raw files given with --from.

Raw files are recognised by their content, whatever they are called: each probe
module lists the formats it reads as ``FORMATS = [(key, detect), ...]`` and the
first detector that accepts a file decides which question it answers. The caller
hands that table in (``Detectors``), so host imports nothing above it (issue 13).
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from readiness.errors import ReadinessError
from readiness.host import paste
from readiness.host.base import ABSENT, Answer, Host, key_for

CAPTURE_FORMAT = "readiness-capture"
INDEX_NAME = "index.json"
_MAX_RAW_BYTES = 8 * 1024 * 1024
DETECT_BUDGET_S = 10.0  # for all the detectors over one file
READS = ("lscpu (-J), /proc/cpuinfo, /proc/meminfo, uname -a, /etc/os-release, lspci, nvidia-smi (table, -q, -q -x, "
         "-L, --query-gpu CSV), rocm-smi, amd-smi, xpu-smi, rocminfo, clinfo, sycl-ls, vulkaninfo --summary, "
         "glxinfo -B, inxi, system_profiler, sysctl, dxdiag /t, wmic, Get-CimInstance, collect_env, nvcc --version")

Detector = Callable[[str], bool]


@dataclass
class LoadReport:
    """What --from made of its paths: used files, and ignored ones with why."""

    used: list[tuple[str, str]] = field(default_factory=list)  # (path, key)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


class ReplayHost(Host):
    replayed = True

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


@dataclass(frozen=True)
class Detectors:
    """The raw formats --from can read, handed in by the caller: (key, detector) pairs, most
    specific first; splitters for pastes that answer several questions at once; and the keys of
    formats that own a whole segment (a collect_env report embeds lscpu, which must not be split off)."""

    formats: list[tuple[str, Detector]]
    splitters: list[Callable[[str], dict[str, str]]]
    whole: frozenset[str] = frozenset()
    # outputs whose parser merges what two copies print about one device (lspci, by slot): a second copy
    # in a paste is joined to the first, not dropped (#14 b14)
    joined: frozenset[str] = frozenset()
    # {program: (key, detector)}: a looser detector for a fragment of that program's output,
    # asked only when the prompt line over the segment ran that program.
    fragments: dict[str, tuple[str, Detector]] = field(default_factory=dict)


class _Guard:
    """The one guard every detector runs under when --from reads a file: an exception in a
    detector (a RecursionError on deep JSON, a csv field over its limit, a 5,000-digit number)
    means "not this format", and a file whose recognition runs past its time budget stops there.
    Patterns are linear and segments bounded, so the budget is a backstop, not the design."""

    def __init__(self, detectors: Detectors, budget_s: float = DETECT_BUDGET_S):
        self.detectors = detectors
        self.deadline = time.monotonic() + budget_s
        self.failures: list[str] = []

    @property
    def spent(self) -> bool:
        return time.monotonic() > self.deadline

    def call(self, fn, text: str):
        if self.spent:
            return None
        try:
            return fn(text)
        except Exception as e:  # noqa: BLE001 - recorded below: a detector's bug is "not recognised"
            self.failures.append(f"{getattr(fn, '__name__', 'detector')}: {type(e).__name__}")
            return None

    def recognise(self, text: str) -> dict[str, str]:
        for split in self.detectors.splitters:
            found = self.call(split, text)
            if found:
                return found
        for key, detect in self.detectors.formats:
            if self.call(detect, text):
                return {key: text}
        return {}

    def fragment(self, command: str, text: str) -> dict[str, str]:
        """A fragment the user cut from an output (`$ lscpu`, `[...]`, one line kept) is too little
        for the format's own detector; the command on the prompt line says what it is."""
        words = command.split("|", 1)[0].split()  # `rocm-clinfo|grep ...`: no blank before the pipe (#14 b14)
        # `DISPLAY=:0 glxinfo | grep ...`: an environment assignment before the program is no program (#14 b16)
        while words and (words[0] in ("sudo", "doas", "time") or re.fullmatch(r"[A-Za-z_]\w{0,40}=\S{0,200}", words[0])):
            words = words[1:]
        program = words[0].rsplit("/", 1)[-1] if words else ""
        if "|" in command:
            # `tool ... | grep ...`: a looser detector for the lines grep kept, where the tool has one
            stages = command.split("|", 1)  # a `|` further on may be inside grep's own pattern ('Board|gfx')
            filters = stages[1].split()
            if not filters or filters[0] not in ("grep", "egrep", "rg", "findstr", "Select-String"):
                return {}
            program += " | grep"
        if program not in self.detectors.fragments:
            return {}
        key, detect = self.detectors.fragments[program]
        return {key: text} if self.call(detect, text) else {}


def _paste_parts(text: str, guard: _Guard) -> tuple[list[tuple[str, str, paste.Segment]], list[paste.Segment]]:
    """([(key, text, segment)], [unrecognised segments]) for one decoded file."""
    cleaned = paste.clean(text)
    found: list[tuple[str, str, paste.Segment]] = []
    missed: list[paste.Segment] = []
    for segment in paste.split_prompts(cleaned.lines):
        whole = guard.recognise(segment.text)
        if not whole and segment.command:
            # Some outputs only say what they are through the command that printed them
            # (`sysctl -n machdep.cpu.brand_string` prints just "Apple M3"): try again with it.
            whole = guard.recognise(f"$ {segment.command}\n{segment.text}") or guard.fragment(segment.command,
                                                                                          segment.text)
        pieces = paste.split_headers(segment)
        if whole and (len(pieces) == 1 or any(k in guard.detectors.whole for k in whole)):
            found.extend((k, part, segment) for k, part in whole.items())
            continue
        got = []
        for piece in pieces:
            keys = guard.recognise(piece.text) if len(pieces) > 1 else whole
            if keys:
                got.extend((k, part, piece) for k, part in keys.items())
            else:
                missed.append(piece)
        if not got and whole:  # the pieces mean nothing apart: the segment is one output
            missed = [m for m in missed if m not in pieces]
            got = [(k, part, segment) for k, part in whole.items()]
        found.extend(got)
    return found, missed


def _read_bytes(path: str, top: bool) -> tuple[bytes | None, str | None]:
    """The file's bytes, or (None, why) for what must not or cannot be read. Only a regular file
    is opened: a FIFO would block forever, a device could be endless."""
    try:
        st = os.stat(path)
    except OSError as e:
        if top:
            raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
        return None, f"cannot read: {e.strerror or e}"
    if not stat.S_ISREG(st.st_mode):
        why = "not a regular file (a FIFO, device or socket), not opened"
        if top:
            raise ReadinessError(f"cannot read {path}: {why}", hint="save the output to a file and give that")
        return None, why
    if st.st_size > _MAX_RAW_BYTES:
        return None, f"{st.st_size} bytes, over the {_MAX_RAW_BYTES // 2**20} MiB size cap for one output"
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_RAW_BYTES + 1)
    except OSError as e:
        if top:
            raise ReadinessError(f"cannot read {path}: {e.strerror or e}") from e
        return None, f"cannot read: {e.strerror or e}"
    if len(data) > _MAX_RAW_BYTES:
        return None, f"over the {_MAX_RAW_BYTES // 2**20} MiB size cap for one output"
    return data, None


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
    """A folder with an index.json of readiness's capture format. An index that names the format
    but can't be read is an error, never a folder of unrecognised files."""
    from readiness.host import contained

    path = os.path.join(folder, INDEX_NAME)
    if not os.path.lexists(path):
        return False
    # An index.json that is a FIFO, a device or a link out of the folder is refused here (exit 2),
    # before the folder could be walked as raw files and the FIFO opened.
    raw = contained.read_entry(folder, INDEX_NAME)
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        if CAPTURE_FORMAT.encode() in raw:
            raise ReadinessError(f"{path} is not a readable readiness capture index: {type(e).__name__}: {e}",
                                 hint="capture the machine again with `readiness capture FOLDER`") from e
        return False
    return isinstance(doc, dict) and doc.get("format") == CAPTURE_FORMAT


def _walk(path: str, unreadable: list[tuple[str, str]] | None = None) -> Iterable[str]:
    def report(e: OSError) -> None:
        if unreadable is not None:
            unreadable.append((e.filename or path, f"folder not read: {e.strerror or e}"))

    for root, dirs, files in os.walk(path, onerror=report):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield os.path.join(root, name)


def _load_file(file: str, top: bool, answers: dict[str, Answer], report: LoadReport, firsts: dict,
               detectors: Detectors) -> None:
    data, why = _read_bytes(file, top)
    decoded = paste.decode(data) if data is not None else None
    if decoded is None:
        report.ignored.append((file, why or "not a text file"))
        return
    text = decoded[0]
    guard = _Guard(detectors)
    found, missed = _paste_parts(text, guard)
    if not found:
        firsts[file] = paste.first_line(text)
        why = "not a recognised output" if text.strip() else "empty"
        if guard.spent:
            why += f" (recognition stopped at its {DETECT_BUDGET_S:.0f} s budget)"
        report.ignored.append((file, why))
        return
    for segment in missed:
        report.ignored.append((file, f"{segment.lines}: not a recognised output "
                                     f"(starts {paste.first_line(segment.text, 40)!r})"))
    for key, part, segment in found:
        if key in detectors.joined and key in answers and answers[key].text:
            # lspci's devices are keyed by their slot: a second listing adds to the first (#14 b14)
            answers[key] = Answer("ok", answers[key].text + part, exit_code=0)
            report.used.append((file, key))
        elif key in answers:
            report.ignored.append((file, f"{segment.lines}: a second {key.split(':', 1)[1]!r}; the first one is used"))
        else:
            answers[key] = Answer("ok", part, exit_code=0)
            report.used.append((file, key))


def _system_of(answers: dict[str, Answer]) -> str | None:
    uname = answers.get("cmd:uname -a")
    if uname is not None and uname.text:
        first = uname.text.split(None, 1)[0].lower() if uname.text.split() else ""
        if first in ("linux", "darwin"):
            return first
    if any(k.startswith(("file:/proc/", "file:/etc/os-release", "cmd:lscpu")) for k in answers):
        return "linux"
    return None


def load(paths: list[str], detectors: Detectors) -> tuple[ReplayHost, LoadReport]:
    """Build a host from capture folders and raw files. Unreadable paths raise ReadinessError."""
    report = LoadReport()
    firsts: dict[str, str] = {}
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
        if os.path.isdir(path) and not os.access(path, os.R_OK | os.X_OK):
            raise ReadinessError(f"cannot read {path}: permission denied")
        files = list(_walk(path, report.ignored)) if os.path.isdir(path) else [path]
        for file in files:
            _load_file(file, file == path, answers, report, firsts, detectors)
    if not report.used:
        shown = "; ".join(f"{p} starts with {firsts[p]!r}" if firsts.get(p) else f"{p}: {why}"
                          for p, why in report.ignored[:3])
        raise ReadinessError("none of the given paths holds an output readiness can read" + (f": {shown}" if shown else ""),
                             hint="readiness reads " + READS)
    origin = "the given files"
    return ReplayHost(answers, system or _system_of(answers), origin), report
