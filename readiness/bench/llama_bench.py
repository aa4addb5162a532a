"""llama.cpp's `llama-bench`: run it on a GGUF (collect) and read its output (pure parse).

Reads every format people paste: the markdown table (new `pp512` and old `pp 512` test names,
any extra columns, a `# ` comment prefix as in llama.cpp's README), `-o json` and `-o jsonl`.
"""

from __future__ import annotations

import json
import re

MAX_CHARS = 1_000_000
TIMEOUT_S = 300.0  # loading a large model from a slow disk, then pp512 and tg128, three times each
ARGS = ["-p", "512", "-n", "128", "-r", "3", "-o", "json"]

_ROW = re.compile(r"^[ \t]*(?:#[ \t]*)?\|(.*)\|[ \t]*$")
_TEST = re.compile(r"^(pp|tg)[ ]?(\d+)(?:\+tg(\d+))?(?: @ d(\d+))?$")
_RATE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(?: ± ([0-9]+(?:\.[0-9]+)?))?$")
_BUILD = re.compile(r"^[ \t]*(?:#[ \t]*)?build: ([0-9a-f]+) \((\d+)\)", re.M)


def _test_fields(test: str) -> dict:
    m = _TEST.match(test.strip())
    if not m:
        return {"kind": None, "n_prompt": None, "n_gen": None, "n_depth": None}
    kind, n, tg, depth = m.group(1), int(m.group(2)), m.group(3), m.group(4)
    if tg:
        return {"kind": "pg", "n_prompt": n, "n_gen": int(tg), "n_depth": int(depth or 0)}
    return {"kind": kind, "n_prompt": n if kind == "pp" else 0, "n_gen": n if kind == "tg" else 0,
            "n_depth": int(depth or 0)}


def parse_markdown(text: str) -> list[dict]:
    rows, header = [], None
    for line in text[:MAX_CHARS].splitlines():
        m = _ROW.match(line)
        if not m:
            header = None if line.strip() == "" else header
            continue
        cells = [c.strip() for c in m.group(1).split("|")]
        if cells and cells[0] == "model":
            header = cells
            continue
        if header is None or len(cells) != len(header) or set(cells[0]) <= set("-: "):
            continue
        rec = dict(zip(header, cells))
        rate = _RATE.match(rec.get("t/s", ""))
        if not rate:
            continue
        test = rec.get("test", "")
        rows.append({"model": rec.get("model"), "size": rec.get("size"), "params": rec.get("params"),
                     "backend": rec.get("backend"), "test": test, **_test_fields(test),
                     "tokens_per_s": float(rate.group(1)),
                     "stddev": float(rate.group(2)) if rate.group(2) else None,
                     "columns": {k: v for k, v in rec.items()
                                 if k not in ("model", "size", "params", "backend", "test", "t/s")}})
    return rows


def _from_object(o: dict) -> dict:
    n_prompt, n_gen = int(o.get("n_prompt") or 0), int(o.get("n_gen") or 0)
    kind = "pg" if n_prompt and n_gen else ("pp" if n_prompt else "tg")
    test = {"pp": f"pp{n_prompt}", "tg": f"tg{n_gen}", "pg": f"pp{n_prompt}+tg{n_gen}"}[kind]
    return {"model": o.get("model_type"), "size": o.get("model_size"), "params": o.get("model_n_params"),
            "backend": o.get("backends"), "test": test, "kind": kind, "n_prompt": n_prompt, "n_gen": n_gen,
            "n_depth": int(o.get("n_depth") or 0), "tokens_per_s": float(o["avg_ts"]),
            "stddev": float(o["stddev_ts"]) if o.get("stddev_ts") is not None else None,
            "samples": o.get("samples_ts"),
            "columns": {k: o.get(k) for k in ("n_threads", "n_gpu_layers", "gpu_info", "cpu_info", "model_filename",
                                               "flash_attn", "build_commit", "build_number") if k in o}}


def parse_json(text: str) -> list[dict]:
    """`-o json` (one array) or `-o jsonl` (one object a line)."""
    body = text[:MAX_CHARS].strip()
    objects = []
    if body.startswith("["):
        start = body.find("[")
        doc = json.loads(body[start:body.rindex("]") + 1])
        objects = [o for o in doc if isinstance(o, dict)]
    else:
        for line in body.splitlines():
            line = line.strip()
            if line.startswith("{"):
                objects.append(json.loads(line))
    return [_from_object(o) for o in objects if "avg_ts" in o]


def parse(text: str) -> dict:
    """{"rows": [...], "build": {"commit", "number"} | None, "format": "json" | "markdown" | None}."""
    text = text[:MAX_CHARS]
    stripped = text.lstrip()
    if stripped.startswith("[") or stripped.startswith("{"):
        try:
            rows = parse_json(stripped)
        except (ValueError, KeyError, TypeError):
            rows = []
        if rows:
            build = rows[0]["columns"].get("build_commit")
            number = rows[0]["columns"].get("build_number")
            return {"rows": rows, "format": "json",
                    "build": {"commit": build, "number": number} if build else None}
    rows = parse_markdown(text)
    m = _BUILD.search(text)
    return {"rows": rows, "format": "markdown" if rows else None,
            "build": {"commit": m.group(1), "number": int(m.group(2))} if m else None}


def speeds(parsed: dict) -> dict:
    """The prompt (pp, no depth) and generation (tg, no depth) rates, first of each."""
    out = {"prompt_tokens_per_s": None, "decode_tokens_per_s": None}
    for r in parsed["rows"]:
        if r["n_depth"]:
            continue
        if r["kind"] == "pp" and out["prompt_tokens_per_s"] is None:
            out["prompt_tokens_per_s"] = r["tokens_per_s"]
        if r["kind"] == "tg" and out["decode_tokens_per_s"] is None:
            out["decode_tokens_per_s"] = r["tokens_per_s"]
    return out


# -- collect ------------------------------------------------------------------

def run(host, gguf: str, timeout: float = TIMEOUT_S) -> dict:
    """Run llama-bench on one GGUF through the host (argv list, C locale, time limit)."""
    which = host.call("which", "llama-bench")
    if not which.ok or not which.value:
        return {"status": "absent", "reason": "llama-bench is not on PATH"}
    argv = ["llama-bench", "-m", gguf, *ARGS]
    answer = host.run(argv, timeout=timeout)
    if not answer.text:
        return {"status": answer.status, "reason": answer.reason or "llama-bench printed nothing", "argv": argv}
    parsed = parse(answer.text)
    if not parsed["rows"]:
        return {"status": "error", "reason": "llama-bench printed no result rows", "argv": argv}
    return {"status": "ok", "argv": argv, "seconds": answer.seconds, **parsed, **speeds(parsed)}
