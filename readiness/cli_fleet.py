"""`readiness fleet`: many hosts' reports in one SQLite inventory (docs/fleet.md). Wiring only,
as in cli.py: every way out goes through cli.main."""

from __future__ import annotations

import click

from readiness import exitcodes, jsonout, sanitize
from readiness.errors import ReadinessError


DEFAULT_DB = "readiness-fleet.sqlite"


@click.group()
def fleet() -> None:
    """Fleet audits: many hosts' reports in one SQLite inventory (docs/fleet.md)."""


_db_option = click.option("--db", default=DEFAULT_DB, show_default=True, type=click.Path(dir_okay=False),
                          help="The inventory database.")


@fleet.command(name="ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_db_option
@click.option("--redact", is_flag=True, help="Store hostnames, serial numbers and UUIDs as stable pseudonyms.")
def fleet_ingest(paths: tuple[str, ...], db: str, redact: bool) -> None:
    """Store reports (from `readiness check --json`) given as files or folders."""
    from readiness.fleet import store

    conn = store.connect(db)
    result = store.ingest(conn, paths, redact)
    for path, why in result.notes:
        click.echo(sanitize.line(f"note: {path}: {why}"), err=True)
    for path, why in result.skipped:
        click.echo(sanitize.line(f"skipped {path}: {why}"), err=True)
    click.echo(sanitize.line(f"stored {len(result.stored)} reports, {len(result.duplicates)} already stored, "
                             f"{len(result.skipped)} skipped; {db}"))
    return exitcodes.USAGE if result.skipped else exitcodes.OK


@fleet.command(name="report")
@_db_option
@click.option("-o", "--output", default="fleet.html", show_default=True, type=click.Path(dir_okay=False))
@click.option("--csv", "csv_path", default=None, type=click.Path(dir_okay=False), help="Also write the host table as CSV.")
@click.option("--stale-days", type=click.IntRange(1, 3650), default=30, show_default=True,
              help="A host whose last report is older than this is stale.")
@click.option("--force", is_flag=True, help="Overwrite files readiness did not write.")
def fleet_report(db: str, output: str, csv_path: str | None, stale_days: int, force: bool) -> None:
    """The fleet report: tiers, who runs what, stack problems, GPU inventory, stale hosts, changes."""
    from readiness.fleet import report, store

    from readiness import outputs

    conn = store.connect(db, create=False)
    # Both destinations are checked before either is written: a refused CSV must not leave a new HTML.
    outputs.check_target(output, force, outputs.is_our_html)
    if csv_path:
        outputs.check_target(csv_path, force, None)
    view = report.build(conn, stale_days)
    outputs.write_text(output, report.html_chunks(view))
    if csv_path:
        outputs.write_text(csv_path, report.csv_chunks(view), newline="")
    click.echo(sanitize.line(f"{view['hosts']} hosts; report written to {output}"
                             + (f", CSV to {csv_path}" if csv_path else "")))


@fleet.command(name="require")
@click.argument("workload_ids", nargs=-1)
@click.option("--model", default=None, help="An LLM, as in `estimate`.")
@click.option("--quant", default=None, help="Its quantization [default: q4_k_m].")
@click.option("--context", type=int, default=None, help="Context length [default: 4096].")
@_db_option
@click.option("--unknown", "unknown_policy", type=click.Choice(["pass", "fail"]), default="fail", show_default=True,
              help="Whether a host whose verdict is unknown (a fact could not be read) meets the requirement.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def fleet_require(workload_ids: tuple[str, ...], model: str | None, quant: str | None, context: int | None, db: str,
                  unknown_policy: str, as_json: bool) -> None:
    """List the hosts that can't run these workloads well; exit 1 if there are any."""
    from readiness import cli_options

    from readiness.fleet import report, store

    wanted = cli_options.chosen_workloads(workload_ids, model, quant, context)
    conn = store.connect(db, create=False)
    from readiness import pipeline

    failing, unknown = report.require_all(conn, wanted, pipeline.judge_one, pipeline.judge_inputs)
    policy = f"hosts whose verdict is unknown {unknown_policy} (--unknown {unknown_policy})"
    if as_json:
        click.echo(jsonout.dumps({"failing": failing, "unknown": unknown, "unknown_policy": unknown_policy}, indent=2))
    else:
        for f in failing:
            click.echo(sanitize.line(f"{f['host']}: {f['workload']}: {f['verdict']}: {f['why']}"))
        click.echo(f"{len({f['host'] for f in failing})} hosts do not meet the requirement")
        if unknown:
            click.echo("")
            for f in unknown:
                click.echo(f"{f['host']}: {f['workload']}: unknown: {f['why']}")
        click.echo(f"{len({f['host'] for f in unknown})} hosts could not be judged; {policy}")
    return exitcodes.POLICY if failing or (unknown and unknown_policy == "fail") else exitcodes.OK
