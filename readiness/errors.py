"""The one error type that reaches the user: what went wrong, a hint, and an exit code."""

from __future__ import annotations

from readiness import exitcodes


class ReadinessError(Exception):
    """A problem the user can fix (bad input, a bad option, an unreadable file).

    The CLI prints it as one line, ``error: <message>``, with the hint on a second
    line when there is one, and exits with ``exit_code`` (2 unless said otherwise).

    ``field`` names the input that was wrong, in the engine's words ("hours_per_month"), so
    engines never name command-line flags: the CLI maps the field to its flag (issue 13).
    """

    def __init__(self, message: str, hint: str | None = None, exit_code: int = exitcodes.USAGE,
                 field: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code
        self.field = field
