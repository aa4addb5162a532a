"""Named exit codes. docs/exit-codes.md explains each; cli.py decides which one in one place."""

OK = 0
POLICY = 1  # the machine does not meet a requested policy (--fail-on, fleet require)
USAGE = 2  # bad input or usage: unreadable or malformed files, unknown names, bad options
INTERNAL = 3  # a bug in readiness itself
