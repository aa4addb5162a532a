"""HTML rendering through Jinja2 templates in report_templates/ (always autoescaped)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from readiness import jsonout

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
    facts_json = jsonout.dumps(report["facts"], separators=(",", ":"), ensure_ascii=False)  # compact: issue 17 size
    return template.render(view=view, facts_json=facts_json, generator=GENERATOR)
