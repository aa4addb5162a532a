"""Write expected-facts TOML files from hand-written entries (docs/detection.md).

The entries are typed in by a person who read each raw output; this only formats them.
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "expected"


def _value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def emit(name: str, inputs, batch: str, fmt: str, vendor: str, facts: dict, note: str = "") -> Path:
    path = OUT / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    if note:
        lines += [f"# {line}" for line in note.splitlines()]
    lines += [f"inputs = {_value(list(inputs) if not isinstance(inputs, str) else [inputs])}",
              f"batch = {_value(batch)}", f"format = {_value(fmt)}", f"vendor = {_value(vendor)}", "[facts]"]
    lines += [f"{_value(k)} = {_value(v)}" for k, v in facts.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit("import this module")
