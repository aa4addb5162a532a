"""HTML rendering through Jinja2 templates in report_templates/ (always autoescaped)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

GENERATOR = "readiness"


def templates_dir() -> Path:
    """report_templates/ inside the installed package, or at the top of a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "report_templates", package.parent / "report_templates"):
        if (candidate / "report.html.j2").is_file():
            return candidate
    raise FileNotFoundError("report_templates/ not found beside the readiness package")


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(view: dict, report: dict) -> str:
    """The page. It embeds the facts (what was found), not the judgments: those are the page
    itself, and `check --json` gives the whole report."""
    template = environment().get_template("report.html.j2")
    return template.render(view=view, facts_json=json.dumps(report["facts"], separators=(",", ":"), ensure_ascii=False), generator=GENERATOR)


def is_our_report(path: str) -> bool:
    """True when the file is a report readiness wrote (so it may be replaced without asking)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(2048)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}' in head
