"""One terminal sanitiser for every string that came from outside (a GPU name, a hostname, rule
text, a file name) before it reaches a terminal: escape sequences and control characters could
otherwise clear the screen, set the window title, hide text or forge a line.

Kept: printable Unicode, tab and newline. Removed: ESC sequences (CSI, OSC, DCS/PM/APC strings
and two-character escapes), the other C0 controls, DEL, the C1 controls, and the bidirectional
overrides that reorder what is shown ("Trojan Source").
"""

from __future__ import annotations

import re

# Each alternative is one linear scan: no nested quantifiers, string bodies are a negated class.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"             # CSI: colours, cursor moves, clear screen
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC (title, hyperlinks), DCS, SOS, PM, APC
    r"|\x9b[0-?]*[ -/]*[@-~]?"               # 8-bit CSI
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit OSC/DCS/SOS/PM/APC
    r"|\x1b[ -/]*[0-~]?"                      # two-character escapes (and a lone ESC)
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\r\n\t\u2028\u2029\x85]+")


def text(value: str) -> str:
    """Safe to print: newlines and tabs kept, everything that steers a terminal removed."""
    if not isinstance(value, str):
        value = str(value)
    if value.isprintable():  # nothing below would change it: escapes, controls and overrides are not (#18)
        return value
    return _CONTROLS.sub("", _ESCAPES.sub("", value))


def line(value) -> str:
    """One line: as text(), with line breaks and tabs turned into spaces (a forged second line
    in a hostname would otherwise read as readiness's own output)."""
    if not isinstance(value, str):
        value = str(value)
    if value.isprintable():  # no line break, tab, escape or control: unchanged (#18)
        return value
    return text(_LINE_BREAKS.sub(" ", value))
