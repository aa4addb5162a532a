"""Turn what a user pasted into the outputs it holds: decode, clean, split into segments.

Pure: bytes in, segments out. A paste from a bug report is rarely one clean command output:
PowerShell's ``>`` saves UTF-16, terminals add colour codes and CRs, people keep the prompt,
quote the text for e-mail or markdown, and paste several commands at once. Each segment keeps
the line numbers it had in the file, so what is not read can be named by its lines.

Every pattern here runs on one line at a time and has bounded repetition, so the work is linear
in the size of the paste whatever it holds.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

MAX_LINE_CHARS = 8 * 1024  # no line of a real tool output is longer; JSON lines are exempt
MAX_BLANK_RUN = 2  # longer runs of blank lines carry nothing and make `^\s*` patterns quadratic


@dataclass
class Segment:
    """One output in a paste: its text, its first and last line in the file, and the command
    that the prompt before it ran (None when it was split at an output header)."""

    text: str
    first_line: int
    last_line: int
    command: str | None = None
    rows: list[tuple[int, str]] = field(default_factory=list, repr=False)  # (line number, text)

    @property
    def lines(self) -> str:
        return f"line {self.first_line}" if self.first_line == self.last_line else \
            f"lines {self.first_line}-{self.last_line}"


@dataclass
class Cleaned:
    """A paste's lines after cleaning, numbered as in the file, and what cleaning changed."""

    lines: list[tuple[int, str]]  # (line number in the file, cleaned text); removed lines absent
    notes: list[str] = field(default_factory=list)  # what cleaning changed that the user should know


# -- decoding ---------------------------------------------------------------------------------

_BOMS = [(codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 told by its zero bytes: ASCII text in UTF-16 LE has a zero in every odd byte. A
    single-byte file (CP1252, Latin-1) has none, whatever its length, so it is never taken."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.4 * len(odd) and even.count(0) <= 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and odd.count(0) <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes) -> tuple[str, str] | None:
    """(text, encoding), or None for what is not text (zero bytes in a file that is not UTF-16)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding.startswith("utf-16") and len(data) % 2:
                data = data[:-1]  # a cut-off last byte
            return data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding
    encoding = _utf16_without_bom(data)
    if encoding:
        return data[: len(data) - len(data) % 2].decode(encoding, errors="replace"), encoding
    if b"\x00" in data[:4096]:
        return None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # the five bytes CP1252 leaves undefined
        return data.decode("latin-1"), "latin-1"


# -- cleaning ---------------------------------------------------------------------------------

# CSI (colours, cursor moves), OSC (window titles, links; ended by BEL or ST) and two-byte escapes.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|[\x00-\x08\x0b\x0c\x0e-\x1a\x7f]")
_FENCE = re.compile(r"[ \t]{0,8}(?:```|~~~)[\w+-]{0,40}[ \t]*")
_GLUED_FENCE = re.compile(r"[ \t]{0,8}(?:```|~~~)(?=\S)")
_GLUED_CLOSE = re.compile(r"(?<=\S)[ \t]{0,8}(?:```|~~~)[ \t]{0,8}$")
_QUOTE = re.compile(r"(?:>[ \t]?|#[ \t])")
# A CI log's per-line timestamp: GitHub Actions "2024-07-18T16:39:29.1637194Z ", Jenkins and
# Buildkite "[2024-05-01T12:00:00.123Z] ", GitLab's "2024-05-01T12:00:00.123456Z 00O ".
_CI_STAMP = re.compile(r"\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?\]?"
                       r"(?: \d\d[OE]\+?)?(?: |\t|$)")


_TOOLS = (r"rocminfo|clinfo|vulkaninfo|glxinfo|sycl-ls|inxi|lscpu|lspci|nvidia-smi|rocm-smi|amd-smi|xpu-smi|cat|uname|"
          r"sysctl|system_profiler")
# A command typed without a prompt: over a quoted output, on a paste's first line, after a blank line
# (`/opt/rocm/bin/rocminfo | grep Name`, `uname -a` in a quoted run; #14 b12, b13). The tool, then
# nothing, or an option, a path, a pipe, a redirection, a subcommand (`amd-smi static`), a data type
# (`system_profiler SPHardwareDataType`) or a dotted name (`sysctl hw.memsize`): "cat is great" is prose.
_BARE_COMMAND = re.compile(r"(?:sudo[ \t]+)?(?:/\S{1,200}/)?(?:%s)(?:[ \t]+(?:[-|/>]|(?:static|list|metric|version|"
                           r"monitor|discovery|dump|SP\w{1,40}DataType|[a-z]{1,20}\.[\w.]{1,80})\b).{0,300})?" % _TOOLS)


def _strip_quote(lines: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], bool]:
    """Remove one level of `> ` (e-mail, markdown) or `# ` quoting when every non-blank line has it
    (a bare command line over the quoted output aside)."""
    body = [t for _, t in lines if t.strip()]
    if not body:
        return lines, False
    head = body[0] if len(body) > 1 and _BARE_COMMAND.fullmatch(body[0].strip()) else None
    for prefix in (">", "# "):
        if all(t.lstrip(" ").startswith(prefix) for t in body[1 if head is not None else 0:]):
            return [(n, _unquote(t, prefix) if t.strip() else "") for n, t in lines], True
    return lines, False


def _unquote(line: str, prefix: str) -> str:
    """One level of quoting off a line: the prefix, and for `>` the space after it."""
    s = line.lstrip(" ")
    if not s.startswith(prefix):
        return s
    s = s[len(prefix):]
    return s[1:] if prefix == ">" and s[:1] == " " else s


def _strip_quoted_runs(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A `> ` quoted block inside prose (a reply that quotes the output under a sentence, #14 b11):
    each run of at least 2 quoted lines (blank lines inside it aside; 3 until a quoted `uname -a` and its
    line, #14 b13) loses its quoting: one level, and more while every line of the run has another."""
    out = list(lines)
    run: list[int] = []

    def close() -> None:
        if sum(1 for k in run if out[k][1].strip(" >")) >= 2:
            for _ in range(4):  # nested quoting, "> > ", as many levels as every line of the run has (#14 b15)
                for k in run:
                    out[k] = (out[k][0], _unquote(out[k][1], ">"))
                if not all(out[k][1].lstrip(" ").startswith(">") for k in run if out[k][1].strip()):
                    break
        run.clear()

    for k, (_, t) in enumerate(out):
        if t.lstrip(" ").startswith(">"):
            run.append(k)
        elif t.strip() and run:
            close()
    close()
    return out


def _dedent(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A paste indented as a whole (a markdown code block, a quoted log) loses that indent."""
    indents = [len(t) - len(t.lstrip(" \t")) for _, t in lines if t.strip()]
    cut = min(indents) if indents else 0
    if not cut:
        return lines
    return [(n, t[cut:] if t.strip() else "") for n, t in lines]


def _dedent_prompt_blocks(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A markdown indented code block under prose (#14 b11): after a blank line (or at the start), a
    line indented 4 or more that is a prompt with its command opens it; it runs while lines are blank
    or indented as much, and loses that indent. A block that opens with no prompt is left alone."""
    out = list(lines)
    k = 0
    while k < len(out):
        t = out[k][1]
        indent = len(t) - len(t.lstrip(" "))
        if indent >= 4 and (k == 0 or not out[k - 1][1].strip()) and prompt_command(t.strip()):
            j = k
            while j < len(out) and (not out[j][1].strip() or out[j][1][:indent] == " " * indent):
                n, line = out[j]
                out[j] = (n, line[indent:] if line.strip() else "")
                j += 1
            k = j
        else:
            k += 1
    return out


def clean(text: str) -> Cleaned:
    """The paste's lines as the tool printed them."""
    notes: list[str] = []
    raw = text.replace("\r\n", "\n").split("\n")
    lines: list[tuple[int, str]] = []
    blank_run = 0
    # Copied from a CI log, most lines start with the runner's timestamp: not the tool's output (#14).
    stamped = sum(1 for line in raw if line[:1] in "[0123456789" and _CI_STAMP.match(line))
    ci_log = stamped >= 2 and stamped >= 0.5 * sum(1 for line in raw if line.strip())
    for number, line in enumerate(raw, 1):
        if ci_log:
            stamp = _CI_STAMP.match(line)
            line = line[stamp.end():] if stamp else line
        if "\r" in line:  # a terminal shows what was written after the last carriage return
            line = line.rstrip("\r").rsplit("\r", 1)[-1]
        if "\x1b" in line or any(c < " " and c != "\t" for c in line[:256]):
            line = _ESCAPES.sub("", line)
        if len(line) > MAX_LINE_CHARS and not line.lstrip()[:1] in ("{", "["):
            notes.append(f"line {number}: {len(line)} characters, cut to {MAX_LINE_CHARS}")
            line = line[:MAX_LINE_CHARS]
        if _FENCE.fullmatch(line):
            continue
        if "```" in line or "~~~" in line:
            # a fence glued to the output's first or last line ("```Architecture:   x86_64")
            glued = _GLUED_FENCE.match(line)
            if glued:
                line = line[glued.end():]
            line = _GLUED_CLOSE.sub("", line)
        if not line.strip():
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                continue
            line = ""
        else:
            blank_run = 0
        lines.append((number, line))
    for _ in range(4):  # nested quoting, "> > "
        lines, stripped = _strip_quote(lines)
        if not stripped:
            break
    if any(t.lstrip(" ").startswith(">") for _, t in lines):
        lines = _strip_quoted_runs(lines)
    lines = _dedent(lines)
    if any(t[:4] == "    " for _, t in lines):
        lines = _dedent_prompt_blocks(lines)
    body = [t for _, t in lines if t.strip()]
    # A ` \` on every line (copied from a shell here-doc or a wrapped terminal) is not the output's.
    if body and sum(t.endswith("\\") for t in body) >= 0.8 * len(body) and len(body) > 2:
        lines = [(n, t[:-1].rstrip() if t.endswith("\\") else t) for n, t in lines]
    lines = _undouble(lines)
    while lines and not lines[-1][1].strip():
        lines.pop()
    return Cleaned(lines, notes)


def _undouble(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A paste copied from a web page with a blank line after every line (#14 b13: an nvidia-smi
    table): single blank lines between lines go, longer runs (the output's own blanks) become one."""
    content = [k for k, (_, t) in enumerate(lines) if t.strip()]
    if len(content) < 6:
        return lines
    # every pair of lines apart: prose with blank lines between its paragraphs has some lines together
    if any(b - a < 2 for a, b in zip(content, content[1:])):
        return lines
    out: list[tuple[int, str]] = []
    run: list[tuple[int, str]] = []
    for row in lines:
        if row[1].strip():
            if len(run) >= 2:
                out.append(run[0])
            run = []
            out.append(row)
        else:
            run.append(row)
    return out + run[:1]


# -- splitting --------------------------------------------------------------------------------

# A prompt and the command it ran: PowerShell "PS C:\Users\me> ", cmd.exe "C:\Users\me>",
# "user@host:~$ ", "[root@host ~]# ", zsh "user@host ~ % ", a bare "$ " or "~$ ". Bounded runs.
_PROMPT = re.compile(
    r"(?:\([\w.-]{1,64}\)[ \t]?)?"  # a (venv) or (base) in front
    r"(?:[A-Za-z]:\\[^>\n]{0,200}>[ \t]*(?P<cmd_exe>.{0,2000})"  # cmd.exe writes no space after ">"
    r"|(?:PS[ \t][^>\n]{0,200}>"
    r"|[\w.-]{1,64}@[\w.-]{1,64}(?::[^$#%\n]{0,200}|[ \t][^$#%\n]{0,200})?[$#%]"
    r"|\[[\w.-]{1,64}@[\w.-]{1,64}[^\]\n]{0,200}\][$#]"
    r"|[\w.-]{1,64}[ \t][~/][\w./~-]{0,200}[ \t][$#]"  # Gentoo's root prompt "host ~ #", "host /etc #" (#14 b11)
    r"|~?[$%]"
    r"|#(?=[ \t]+(?:sudo[ \t]+)?(?:/\S{1,200}/)?(?:" + _TOOLS + r")\b)"
    # a lambda-theme prompt's own line ("  λ rocm-smi ...", its clock and path on the line above): only
    # before a known tool, so prose opening with a λ stays prose (#14 b16)
    r"|[ \t]{0,8}λ(?=[ \t]+(?:sudo[ \t]+)?(?:/\S{1,200}/)?(?:" + _TOOLS + r")\b))"
    r"(?:[ \t]+(?P<cmd>.{0,2000}))?)")  # a space after the prompt, so "$5 an hour" is no prompt

# The first line of an output that can follow another in one paste, by format.
_HEADERS = [
    ("lscpu", re.compile(r"Architecture:[ \t]+\S")),
    ("nvidia-smi -q", re.compile(r"=+NVSMI LOG=+")),
    ("nvidia-smi", re.compile(r"\+-{10,}\+[ \t]*$|\|[ \t]+NVIDIA-SMI \d")),
    # rocminfo's first line: the kernel driver check, or under WSL (librocdxg) the WSL notice
    ("rocminfo", re.compile(r"ROCk module .{0,40}loaded|WSL environment detected\.")),
    ("rocm-smi", re.compile(r"=+ ?(?:ROCm System Management Interface|ROCm SMI)")),
    ("vulkaninfo", re.compile(r"VULKANINFO[ \t]*$")),
    ("clinfo", re.compile(r"Number of platforms[ \t]+\d")),
    ("glxinfo", re.compile(r"name of display:[ \t]|display: :\d")),
    ("sycl-ls", re.compile(r"\[(?:opencl|level_zero|ext_oneapi_\w{1,30}|cuda|hip|native_cpu):")),
    ("inxi", re.compile(r"(?:System|CPU|Graphics|Machine):[ \t]{1,}\S")),
    ("lspci", re.compile(r"(?:[0-9a-f]{4}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] \S", re.I)),
]
_RULE = re.compile(r"=+[ \t]*")
_DATE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d ")


def _header(lines: list[tuple[int, str]], i: int) -> str | None:
    text = lines[i][1]
    for name, pattern in _HEADERS:
        if name == "rocminfo" and _RULE.fullmatch(text):
            # rocminfo opens with a rule over "HSA System Attributes" when no ROCk line came first
            nxt = lines[i + 1][1] if i + 1 < len(lines) else ""
            if nxt.strip() == "HSA System Attributes":
                return name
            continue
        if pattern.match(text):
            return name
    return None


def prompt_command(line: str) -> str | None:
    """The command of a prompt line ("" for a bare prompt), or None when the line is no prompt."""
    if len(line) > 2300:
        return None
    m = _PROMPT.fullmatch(line.rstrip())
    if not m:
        return None
    return _right_prompt_off((m.group("cmd_exe") if m.group("cmd_exe") is not None else m.group("cmd") or "").strip())


# zsh's right prompt pasted with the command line: a run of padding, then the clock at the line's end
# ("sysctl -n machdep.cpu.brand_string      [16:50:50]"): no part of the command (#14 b16)
_RIGHT_PROMPT = re.compile(r"[ \t]{8,}\[\d{1,2}:\d{2}(?::\d{2})?\]$")


def _right_prompt_off(command: str) -> str:
    m = _RIGHT_PROMPT.search(command[-40:])
    return command[:len(command) - len(m.group(0))].rstrip() if m else command


def _bare_command(lines: list[tuple[int, str]], k: int) -> str | None:
    text = lines[k][1]
    if len(text) > 400 or (k > 0 and lines[k - 1][1].strip()) or not any(t.strip() for _, t in lines[k + 1:k + 3]):
        return None
    return _right_prompt_off(text.strip()) if _BARE_COMMAND.fullmatch(text.strip()) else None


def split_prompts(lines: list[tuple[int, str]]) -> list[Segment]:
    """Cut at each prompt line (and each bare command line); the line itself belongs to no output."""
    segments: list[Segment] = []
    current: list[tuple[int, str]] = []
    command: str | None = None

    def close() -> None:
        if any(t.strip() for _, t in current):
            segments.append(_segment(current, command))

    for k, (number, text) in enumerate(lines):
        cmd = prompt_command(text)
        if cmd is None and text.strip():
            cmd = _bare_command(lines, k)
        if cmd is not None:
            close()
            current, command = [], cmd or None
            continue
        current.append((number, text))
    close()
    return segments


def split_headers(segment: Segment) -> list[Segment]:
    """Cut where an output of another format starts (lscpu, then lspci, then nvidia-smi -q)."""
    lines = segment.rows
    parts: list[list[tuple[int, str]]] = [[]]
    fmt: str | None = None
    for i, (number, text) in enumerate(lines):
        name = _header(lines, i)
        if name is not None and name != fmt:
            if name == "nvidia-smi" and fmt == "nvidia-smi -q":
                pass  # -q prints no table, but its "|" lines must not cut it
            elif any(t.strip() for _, t in parts[-1]):
                carried = []
                # the rule over a title (rocminfo, vulkaninfo) and nvidia-smi's date line go with it
                while parts[-1] and (_RULE.fullmatch(parts[-1][-1][1]) or _DATE.match(parts[-1][-1][1])):
                    carried.insert(0, parts[-1].pop())
                parts.append(carried)
            fmt = name
        parts[-1].append((number, text))
    pieces = [p for p in parts if any(t.strip() for _, t in p)]
    if len(pieces) <= 1:
        return [segment]
    return [_segment(p, segment.command if k == 0 else None) for k, p in enumerate(pieces)]


def _segment(lines: list[tuple[int, str]], command: str | None) -> Segment:
    while lines and not lines[0][1].strip():
        lines = lines[1:]
    while lines and not lines[-1][1].strip():
        lines = lines[:-1]
    # Removed lines (fences, blank runs) leave gaps in the numbers; the text keeps its own lines.
    return Segment("\n".join(t for _, t in lines) + "\n", lines[0][0], lines[-1][0], command, list(lines))


def first_line(text: str, limit: int = 60) -> str:
    """What a paste's first non-blank line looks like, for an error message."""
    for line in text.split("\n", 50):
        if line.strip():
            line = _ESCAPES.sub("", line.strip())
            return line[:limit] + ("..." if len(line) > limit else "")
    return ""
