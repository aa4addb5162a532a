"""Named exit codes. docs/exit-codes.md explains each; cli.py decides which one in one place."""

OK = 0
POLICY = 1  # the machine does not meet a requested policy (--fail-on, fleet require)
USAGE = 2  # bad input or usage: unreadable or malformed files, unknown names, bad options
INTERNAL = 3  # a bug in readiness itself


def decide(findings: list[dict], fail_on: str | None) -> int:
    """OK, or POLICY when a finding reaches --fail-on (warn: any warn or fail; error: any fail)."""
    if fail_on is None:
        return OK
    bad = {"warn": ("warn", "fail"), "error": ("fail",)}[fail_on]
    return POLICY if any(f["outcome"] in bad for f in findings) else OK
