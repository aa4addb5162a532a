"""The command line: wiring only. Exit codes are decided in ``main`` (see exitcodes.py)."""

from __future__ import annotations

import json
import os
import sys

import click

from readiness import __version__, exitcodes
from readiness.errors import ReadinessError

DEFAULT_REPORT = "readiness-report.html"


def _host(paths: tuple[str, ...], timeout: float, options: dict):
    if paths:
        from readiness.host import replay

        host, report = replay.load(list(paths))
        host.options = options
        for path, why in report.ignored:
            click.echo(f"warning: ignored {path}: {why}", err=True)
        if not report.used:
            raise ReadinessError("none of the given paths holds an output readiness can read",
                                 hint="give a capture folder or raw outputs such as /proc/cpuinfo or nvidia-smi -q -x")
        return host, "from " + ", ".join(paths)
    from readiness.host.live import LiveHost

    return LiveHost(timeout=timeout, options=options), "live"


def _write_report(path: str, html: str, force: bool) -> None:
    from readiness.report import html as html_report

    if os.path.exists(path) and not force and not html_report.is_our_report(path):
        raise ReadinessError(f"{path} exists and is not a readiness report; not overwriting it",
                             hint="choose another file with -o, or pass --force")
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(html)
    except OSError as e:
        raise ReadinessError(f"cannot write {path}: {e.strerror or e}") from e


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="readiness")
def cli() -> None:
    """Which AI workloads will run on this machine, and what is wrong with its AI stack."""


_processes_option = click.option("--processes", is_flag=True,
                                 help="List the processes using each GPU, with their command lines.")
_timeout_option = click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
                               help="Seconds allowed for each external command.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the facts document (JSON) to stdout.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help=f"Where to write the HTML report [default: {DEFAULT_REPORT}; with --json, none].")
@click.option("--no-html", is_flag=True, help="Do not write the HTML report.")
@click.option("--force", is_flag=True, help="Overwrite the output file even if readiness did not write it.")
@click.option("--from", "from_paths", multiple=True, type=click.Path(),
              help="Build the facts from a capture folder or raw outputs instead of this machine.")
@click.argument("more_paths", nargs=-1, type=click.Path(), metavar="[PATH...]")
@_processes_option
@_timeout_option
def check(as_json: bool, output: str | None, no_html: bool, force: bool, from_paths: tuple[str, ...],
          more_paths: tuple[str, ...], processes: bool, timeout: float) -> None:
    """Inspect this machine (or --from PATH...) and report what it can run."""
    from readiness.collect import gather
    from readiness.report import html as html_report
    from readiness.report import text, view

    if more_paths and not from_paths:
        raise click.UsageError(f"unexpected argument {more_paths[0]!r}; did you mean --from {more_paths[0]}?")
    host, origin = _host(from_paths + more_paths, timeout, {"processes": processes})
    facts = gather(host)
    model = view.build(facts, origin)
    if as_json:
        click.echo(json.dumps(facts, indent=2))
    else:
        click.echo(text.render(model), nl=False)
    path = output or (None if as_json or no_html else DEFAULT_REPORT)
    if path and not no_html:
        _write_report(path, html_report.render(model, facts), force)
        if not as_json:
            click.echo(f"\nReport written to {path}")


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@click.option("--redact", is_flag=True, help="Remove hostnames, serial numbers and GPU UUIDs.")
@_processes_option
@_timeout_option
def capture(folder: str, force: bool, redact: bool, processes: bool, timeout: float) -> None:
    """Save every raw output the probes read into FOLDER, for --from or a bug report."""
    from readiness.collect import gather
    from readiness.host import capture as cap
    from readiness.host.live import LiveHost

    cap.prepare_folder(folder, force)
    host = cap.CaptureHost(LiveHost(timeout=timeout, options={"processes": processes}))
    gather(host)
    count = cap.write(host, folder, redact)
    click.echo(f"Captured {count} sources into {folder}" + (" (redacted)" if redact else ""))


def main(argv: list[str] | None = None) -> None:
    """Entry point: every way out goes through here, so exit codes are decided in one place."""
    try:
        cli.main(args=argv, prog_name="readiness", standalone_mode=False)
    except ReadinessError as e:
        click.echo(f"error: {e.message}", err=True)
        if e.hint:
            click.echo(f"hint: {e.hint}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(exitcodes.USAGE)
    except click.ClickException as e:
        e.show()
        sys.exit(exitcodes.USAGE)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except BrokenPipeError:
        sys.exit(exitcodes.OK)
    except Exception as e:  # noqa: BLE001 - last resort: a bug, reported as one line with exit 3
        click.echo(f"internal error: {type(e).__name__}: {e} (please report this; "
                   f"set READINESS_DEBUG=1 for the traceback)", err=True)
        if os.environ.get("READINESS_DEBUG"):
            raise
        sys.exit(exitcodes.INTERNAL)
    sys.exit(exitcodes.OK)
