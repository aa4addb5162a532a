"""`readiness bench` and the check's use of its results: the CLI side (docs/bench.md).

Kept beside cli.py so that cli.py stays a readable size; registered there with add_command."""

from __future__ import annotations

import json
import os
import sys

import click

from readiness.errors import ReadinessError


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (bench_schema_version 1).")
@click.option("--disk", "disk_dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Also measure the read speed of the disk holding this folder (a temporary file, removed).")
@click.option("--gguf", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Run llama-bench (if on PATH) on this model and compare with readiness's estimate.")
@click.option("--size", type=click.Choice(["normal", "tiny"]), default="normal", show_default=True,
              help="Buffer and matrix sizes; tiny is for tests and CI (seconds, not meaningful figures).")
@click.option("--threads", type=click.IntRange(1, 4096), default=None, help="CPU threads [default: torch's].")
@click.option("--clear", is_flag=True, help="Delete the remembered bench results and exit.")
@click.option("--python", "python_path", default=None, metavar="PATH",
              help="Run the torch measurements in this Python (a venv's or conda env's).")
@click.option("--no-torch", is_flag=True, help="Do not use torch: the standard-library RAM measurement only.")
def bench(as_json: bool, disk_dir: str | None, gguf: str | None, size: str, threads: int | None, clear: bool,
          python_path: str | None, no_torch: bool) -> None:
    """Measure this machine (RAM, CPU, GPUs, disk) so that estimates use measured figures."""
    from readiness.bench import cache, render, runner, session
    from readiness.host.live import LiveHost

    if python_path is not None and not os.path.exists(python_path):
        raise ReadinessError(f"--python {python_path}: no such file")
    if clear:
        click.echo(f"removed {cache.path()}" if cache.clear() else f"nothing to remove ({cache.path()})")
        return
    tty = sys.stderr.isatty() and not as_json
    opts = runner.Options(size=size, torch=not no_torch, python=python_path,
                          disk=disk_dir, threads=threads,
                          progress=(lambda line: click.echo(f"readiness bench: {line}…", err=True)) if tty else
                          (lambda line: None))
    workload, why = None, None
    if gguf:
        from readiness import cli_options

        try:
            workload = cli_options.llm_workload(None, None, 512, None, gguf)
        except ReadinessError as e:
            why = e.message
    doc = session.bench(LiveHost(options={"torch": False}), opts, gguf, workload=workload, workload_error=why)
    click.echo(json.dumps(doc, indent=2) if as_json else render.text(doc), nl=not as_json)
