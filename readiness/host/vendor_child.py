"""``python -m readiness.host.vendor_child nvml|amdsmi``: take one vendor library's snapshot and
print it as JSON. The live host runs this as a child process under --timeout, so a library that
hangs in init (a wedged driver, a GPU fallen off the bus) can't hang readiness itself."""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in ("nvml", "amdsmi"):
        print("usage: python -m readiness.host.vendor_child nvml|amdsmi", file=sys.stderr)
        return 2
    if argv[0] == "nvml":
        from readiness.host import nvml as lib
    else:
        from readiness.host import amdsmi as lib
    snapshot = lib.snapshot_live()
    # NaN from a binding is not JSON: str() keeps the value visible for the parse to refuse.
    sys.stdout.write(json.dumps(snapshot, default=str, allow_nan=True))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
