"""The command line: wiring only. Exit codes are decided in ``main`` (see exitcodes.py)."""

from __future__ import annotations

import json
import os
import sys

import click

from readiness import __version__, exitcodes, jsonout, sanitize
from readiness.cli_bench import bench
from readiness.errors import ReadinessError
from readiness.cli_progress import Progress as _progress

DEFAULT_REPORT = "readiness-report.html"


def _host(paths: tuple[str, ...], timeout: float, options: dict):
    if paths:
        from readiness.host import replay
        from readiness.probes import registry

        host, report = replay.load(list(paths), registry.detectors())
        host.options = options
        for path, why in report.ignored:
            click.echo(sanitize.line(f"warning: ignored {path}: {why}"), err=True)
        if not report.used:
            raise ReadinessError("none of the given paths holds an output readiness can read",
                                 hint="give a capture folder or raw outputs such as /proc/cpuinfo or nvidia-smi -q -x")
        return host, "from " + ", ".join(paths)
    from readiness.host.live import LiveHost

    return LiveHost(timeout=timeout, options=options), "live"


def _cost_options(f):
    """The inputs every cost figure names; each has a default the user can override."""
    opts = [
        click.option("--hours-per-month", type=float, default=40.0, show_default=True, help="Hours of use a month."),
        click.option("--electricity", "electricity", type=float, default=0.17, show_default=True,
                     help="Electricity price per kWh (in --currency)."),
        click.option("--amortisation-months", type=int, default=36, show_default=True,
                     help="Months over which a purchase is written off."),
        click.option("--resale", type=float, default=0.0, show_default=True,
                     help="Share of the price recovered by selling at the end (0-1)."),
        click.option("--host-watts", type=float, default=100.0, show_default=True,
                     help="Power the rest of the machine draws while working."),
        click.option("--currency", default="USD", show_default=True, help="Show money in this currency."),
        click.option("--exchange-rate", type=float, default=None, help="Units of --currency per USD (required "
                                                                       "with a currency other than USD)."),
        click.option("--prices", "price_files", multiple=True, type=click.Path(dir_okay=False),
                     help="Override and extend the price lists with a TOML file (docs/costs.md)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _options(processes: bool, python_path: str | None, no_torch: bool, timeout: float | None = None,
             cache: bool = True) -> dict:
    if python_path is not None and not os.path.exists(python_path):
        raise ReadinessError(f"--python {python_path}: no such file")
    return {"processes": processes, "python": python_path, "torch": not no_torch, "timeout_given": timeout is not None,
            "cache": cache}


def _check_output(path: str, force: bool) -> None:
    """Refuse an output path before any work is done: a missing folder, a link, a FIFO, or a file
    readiness did not write (never overwrite a user's file)."""
    from readiness import outputs

    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ReadinessError(f"cannot write {path}: the folder {folder} does not exist")
    outputs.check_target(path, force, outputs.is_our_html)


def _write_report(path: str, html: str, force: bool) -> None:
    from readiness import outputs

    _check_output(path, force)
    outputs.write_text(path, html)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="readiness")
def cli() -> None:
    """Which AI workloads will run on this machine, and what is wrong with its AI stack."""


_processes_option = click.option("--processes", is_flag=True,
                                 help="List the processes using each GPU, with their command lines.")
_python_option = click.option("--python", "python_path", default=None, metavar="PATH",
                              help="Probe this Python (a venv's or conda env's) instead of the one running readiness.")
_no_torch_option = click.option("--no-torch", is_flag=True,
                                help="Skip the PyTorch probe (it imports torch in a child process, which takes seconds).")
_timeout_option = click.option("--timeout", type=click.FloatRange(0.1, 600), default=None,
                               help="Seconds allowed for each external command and vendor library [default: 10; "
                                    "slow ones such as the PyTorch import get up to 60 unless this is given].")
DEFAULT_TIMEOUT = 10.0


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the facts document (JSON) to stdout.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help=f"Where to write the HTML report [default: {DEFAULT_REPORT}; with --json, none].")
@click.option("--no-html", is_flag=True, help="Do not write the HTML report.")
@click.option("--force", is_flag=True, help="Overwrite the output file even if readiness did not write it.")
@click.option("--from", "from_paths", multiple=True, type=click.Path(),
              help="Build the facts from a capture folder or raw outputs instead of this machine.")
@click.argument("more_paths", nargs=-1, type=click.Path(), metavar="[PATH...]")
@click.option("--workloads", "workload_files", multiple=True, type=click.Path(dir_okay=False),
              help="Add or replace workloads from a TOML file (docs/workloads.md).")
@click.option("--assume-gpu", default=None, metavar="NAME[xN]",
              help="Judge the workloads as if this GPU were installed (e.g. 'RTX 4090', '2x RTX 3090').")
@click.option("--backend", type=click.Choice(["cuda", "rocm", "vulkan", "sycl", "metal", "cpu"]), default=None,
              help="The runtime backend to estimate for [default: the GPU vendor's usual one].")
@click.option("--ram-gib", "assume_ram_gib", type=float, default=None,
              help="Judge the workloads as if this machine had this much RAM (with --assume-gpu: the assumed "
                   "machine's RAM; Apple's unified memory).")
@click.option("--all-workloads", is_flag=True, help="Judge every catalogue workload, not only the headline set.")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False),
              help="Add or replace rules from a TOML file (docs/rules.md).")
@click.option("--fail-on", type=click.Choice(["warn", "error"]), default=None,
              help="Exit 1 when a finding is at least this severe (for CI and fleet policy gates).")
@click.option("--no-costs", is_flag=True, help="Skip the rent-versus-buy figures.")
@click.option("--all-options", is_flag=True, help="List every priced option for each workload, not only the best few.")
@click.option("--no-cache", is_flag=True, help="Ask torch and the package listing again, and work the costs out "
                                                "again, instead of reusing the last answer (it is reused only while "
                                                "nothing it depends on changed).")
@click.option("--no-models", is_flag=True, help="Skip looking for the models already on this machine.")
@click.option("--no-color", is_flag=True, help="No colours in the terminal (NO_COLOR is honoured too).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the one-line verdict (and a count of problems).")
@click.option("-v", "--verbose", is_flag=True, help="Print every detail: each workload's why and alternatives, each cost.")
@click.option("--open", "open_report", is_flag=True, help="Open the HTML report in the default browser.")
@click.option("--no-bench-cache", is_flag=True, help="Ignore this machine's `readiness bench` results (docs/bench.md).")
@_cost_options
@_processes_option
@_python_option
@_no_torch_option
@_timeout_option
def check(as_json: bool, output: str | None, no_html: bool, force: bool, from_paths: tuple[str, ...],
          more_paths: tuple[str, ...], workload_files: tuple[str, ...], assume_gpu: str | None, backend: str | None,
          assume_ram_gib: float | None, all_workloads: bool, rule_files: tuple[str, ...], fail_on: str | None,
          no_costs: bool, all_options: bool, no_cache: bool, no_models: bool, no_color: bool, quiet: bool,
          verbose: bool, open_report: bool, hours_per_month: float, electricity: float,
          amortisation_months: int, resale: float, host_watts: float, currency: str, exchange_rate: float | None,
          price_files: tuple[str, ...], processes: bool, python_path: str | None, no_torch: bool, timeout: float,
          no_bench_cache: bool) -> int:
    """Inspect this machine (or --from PATH...) and report what it can run."""
    if more_paths and not from_paths:
        raise click.UsageError(f"unexpected argument {more_paths[0]!r}; did you mean --from {more_paths[0]}?")
    path = output or (None if as_json or no_html else DEFAULT_REPORT)
    if path and not no_html:
        _check_output(path, force)
    host, origin = _host(from_paths + more_paths, timeout or DEFAULT_TIMEOUT,
                         _options(processes, python_path, no_torch, timeout, not no_cache))
    from readiness import pipeline

    with _progress("probing this machine" if origin == "live" else "reading the given outputs") as shown:
        # The probes start first and the user's files are read while they run (issue 18); a bad
        # file still fails the check at once: the probes are stopped, their commands killed.
        probing = pipeline.start(host, progress=shown.update)
        try:
            options = _check_options(workload_files, rule_files, all_workloads, assume_gpu, assume_ram_gib,
                                     all_options, backend, no_bench_cache or bool(from_paths or more_paths),
                                     no_models or bool(from_paths or more_paths), no_costs, price_files,
                                     (hours_per_month, electricity, amortisation_months, resale, host_watts, currency,
                                      exchange_rate), no_cache)
            assuming = " with ".join(filter(None, [assume_gpu, assume_ram_gib and f"{assume_ram_gib:g} GiB RAM"]))
            report = pipeline.check(probing, options, origin + (f", assuming {assuming}" if assuming else ""))
        except BaseException:
            probing.stop()
            raise
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    doc = report.to_dict()
    # The view model only for what is rendered from it (the terminal, the HTML): --json alone
    # prints the document as it is (issue 18).
    model = None
    if not as_json or (path and not no_html):
        from readiness.report import view

        model = view.build(doc)
    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    if as_json:
        click.echo(jsonout.dumps(doc, separators=(",", ":"), ensure_ascii=False))  # for scripts: compact; jq indents
    else:
        from readiness.report import text

        click.echo(text.render_quiet(model) if quiet else text.render(model, color=color, verbose=verbose), nl=False)
    if path and not no_html:
        from readiness.report import html as html_report  # Jinja2 only when an HTML report is written

        _write_report(path, html_report.render(model, doc), force)
        if not as_json and not quiet:
            click.echo(f"\nReport written to {path}")
        if open_report:
            import webbrowser
            from pathlib import Path

            webbrowser.open(Path(path).resolve().as_uri())  # a local file: no network
    return exitcodes.decide(report.judgments["findings"], fail_on)


def _check_options(workload_files, rule_files, all_workloads, assume_gpu, assume_ram_gib, all_options, backend,
                   no_bench, no_models, no_costs, price_files, cost_args, no_cache):
    """The check's options from its flags: the user's files read and checked."""
    from readiness import cli_options, data, pipeline, rules

    return pipeline.CheckOptions(
        workloads=cli_options.all_workloads(workload_files), rules=rules.load(rule_files),
        all_workloads=all_workloads, assume_gpu=assume_gpu, assume_ram_gib=cli_options.ram_gib(assume_ram_gib),
        all_options=all_options, backend=backend, use_bench=not no_bench and not assume_gpu,
        # another machine's capture has none of this machine's models
        local_models=not no_models, environ=dict(os.environ), platform=sys.platform,
        prices=None if no_costs else _prices(price_files), cost_inputs=cli_options.cost_inputs(*cost_args),
        cost_cache=None if no_cache else data.cache_dir())


def _prices(price_files: tuple[str, ...]):
    from readiness import costs

    return costs.load_prices(price_files)


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@click.option("--redact", is_flag=True, help="Remove hostnames, serial numbers and GPU UUIDs.")
@_processes_option
@_python_option
@_no_torch_option
@_timeout_option
def capture(folder: str, force: bool, redact: bool, processes: bool, python_path: str | None, no_torch: bool,
            timeout: float) -> None:
    """Save every raw output the probes read into FOLDER, for --from or a bug report."""
    from readiness import pipeline
    from readiness.host import capture as cap
    from readiness.host.live import LiveHost

    try:
        cap.prepare_folder(folder, force)
    except ReadinessError as e:
        raise ReadinessError(e.message, hint="use --force to write into it anyway" if e.field == "force" else e.hint)
    # A capture records what the machine says now: nothing remembered from an earlier run.
    count = pipeline.capture(LiveHost(timeout=timeout or DEFAULT_TIMEOUT,
                                      options=_options(processes, python_path, no_torch, timeout, cache=False)),
                             folder, redact)
    click.echo(f"Captured {count} sources into {folder}" + (" (redacted)" if redact else ""))
    return exitcodes.OK


@cli.command()
@click.option("--gpu", "gpus", multiple=True, metavar="NAME[xN]",
              help="A GPU from the catalogue, e.g. 'RTX 4090', '2x RTX 3090', 'A100 80GB', 'M2 Ultra'. Repeatable.")
@click.option("--ram-gib", type=float, default=None, help="System RAM, for CPU offload (and Apple's unified memory).")
@click.option("--model", default=None, help="Catalogue id (llama-3.1-8b) or Hugging Face repo (meta-llama/Meta-Llama-3-8B).")
@click.option("--quant", default=None, help="Quantization: f16, q8_0, q4_k_m, gptq-4bit, ... [default: q4_k_m]")
@click.option("--context", type=int, default=None, help="Context length in tokens [default: 4096].")
@click.option("--model-config", type=click.Path(dir_okay=False), default=None, help="A Hugging Face config.json.")
@click.option("--gguf", type=click.Path(dir_okay=False), default=None, help="A GGUF file (only its header is read).")
@click.option("--workload", "workload_id", default=None, help="A catalogue workload id instead of a model.")
@click.option("--backend", type=click.Choice(["cuda", "rocm", "vulkan", "sycl", "metal", "cpu"]), default=None,
              help="The runtime backend to estimate for [default: the GPU vendor's usual one].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def estimate(gpus: tuple[str, ...], ram_gib: float | None, model: str | None, quant: str | None, context: int | None,
             model_config: str | None, gguf: str | None, workload_id: str | None, backend: str | None,
             as_json: bool) -> None:
    """Estimate a workload on hardware that isn't here."""
    from readiness import cli_options

    from readiness import pipeline
    from readiness.report import text

    if not gpus and ram_gib is None:
        raise ReadinessError("give at least one --gpu (or --ram-gib for a CPU-only machine)")
    if workload_id:
        (workload,) = cli_options.chosen_workloads((workload_id,), None, None, None)
    else:
        workload = cli_options.llm_workload(model, quant, context, model_config, gguf)
    resolved, ram = cli_options.gpu_names(gpus), cli_options.ram_gib(ram_gib)
    cli_options.check_backend([(r.spec, r.count) for r in resolved], ram, backend)
    result = pipeline.estimate(resolved, ram, workload, backend, prices=lambda: _prices(()))
    if as_json:
        click.echo(jsonout.dumps(result, indent=2))
    else:
        click.echo(text.render_estimate(result), nl=False)
    return exitcodes.OK


@cli.command()
@click.option("--workload", "workload_ids", multiple=True, help="A catalogue workload id (repeatable).")
@click.option("--model", default=None, help="An LLM by catalogue id or Hugging Face repo, as in `estimate`.")
@click.option("--quant", default=None, help="Its quantization [default: q4_k_m].")
@click.option("--context", type=int, default=None, help="Context length in tokens [default: 4096].")
@click.option("--budget", type=float, default=None, help="Only consider purchases up to this price (USD).")
@click.option("--workloads", "workload_files", multiple=True, type=click.Path(dir_okay=False),
              help="Add workloads from a TOML file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_cost_options
def advise(workload_ids: tuple[str, ...], model: str | None, quant: str | None, context: int | None,
           budget: float | None, workload_files: tuple[str, ...], as_json: bool, hours_per_month: float,
           electricity: float, amortisation_months: int, resale: float, host_watts: float, currency: str,
           exchange_rate: float | None, price_files: tuple[str, ...]) -> None:
    """Rank GPUs to buy and to rent for these workloads, with the break-even worked out."""
    from readiness import cli_options

    from readiness import pipeline
    from readiness.report import text

    inputs = cli_options.cost_inputs(hours_per_month, electricity, amortisation_months, resale, host_watts, currency,
                                     exchange_rate)
    if budget is not None and budget <= 0:
        raise ReadinessError("--budget must be a positive amount in USD")
    chosen = cli_options.chosen_workloads(workload_ids, model, quant, context, workload_files)
    result = pipeline.advise(chosen, _prices(price_files), inputs, budget)
    click.echo(jsonout.dumps(result, indent=2) if as_json else text.render_advice(result, result["inputs"]), nl=not as_json)
    return exitcodes.OK


@cli.command()
@click.option("--models", "show_models", is_flag=True, help="List the LLM architectures instead.")
@click.option("--workloads", "workload_files", multiple=True, type=click.Path(dir_okay=False),
              help="Include workloads from a TOML file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def workloads(show_models: bool, workload_files: tuple[str, ...], as_json: bool) -> None:
    """List the workload catalogue."""
    from readiness import cli_options

    from readiness.workloads import catalogue

    if show_models:
        rows = [{k: m.get(k) for k in ("id", "name", "hf_repo", "params_b", "active_params_b", "layers", "max_context")}
                for m in catalogue.models().values()]
    else:
        rows = [{k: w.get(k) for k in ("id", "kind", "name", "headline")} for w in cli_options.all_workloads(workload_files)]
    if as_json:
        click.echo(jsonout.dumps(rows, indent=2))
        return
    for r in rows:
        if show_models:
            click.echo(f"{r['id']:<32} {r['params_b'] or '?':>7}B  {r['name']}  ({r['hf_repo']})")
        else:
            click.echo(f"{r['id']:<40} {r['kind']:<17} {'*' if r['headline'] else ' '} {r['name']}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def gpus(as_json: bool) -> None:
    """List the GPU spec catalogue."""
    from dataclasses import asdict

    from readiness import catalog

    rows = [asdict(s) for s in catalog.all_gpus()]
    if as_json:
        click.echo(jsonout.dumps(rows, indent=2))
        return
    for r in rows:
        mem = f"{r['memory_gib']:g} GiB" if r["memory_gib"] else "shared"
        bw = f"{r['memory_bandwidth_gbps']:g} GB/s" if r["memory_bandwidth_gbps"] else "?"
        click.echo(f"{r['id']:<28} {r['name']:<42} {mem:>9} {bw:>11}")


cli.add_command(bench)  # defined in cli_bench.py, which keeps this file within its size
from readiness.cli_fleet import fleet  # noqa: E402 - its own module keeps this one under 500 lines

cli.add_command(fleet)


@cli.group(name="rules")
def rules_group() -> None:
    """The stack-health rules."""


@rules_group.command(name="list")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False), help="Include a rules file.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def rules_list(rule_files: tuple[str, ...], as_json: bool) -> None:
    """List every rule: id, severity and title."""
    from readiness import rules

    rows = [{"id": r.id, "severity": r.severity, "title": r.title, "source": r.source} for r in rules.load(rule_files)]
    if as_json:
        click.echo(jsonout.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']:<40} {r['severity']:<6} {r['title']}")


@rules_group.command(name="explain")
@click.argument("rule_id")
@click.option("--rules", "rule_files", multiple=True, type=click.Path(dir_okay=False), help="Include a rules file.")
def rules_explain(rule_id: str, rule_files: tuple[str, ...]) -> None:
    """Show one rule in full: what it checks, its condition, and its fix."""
    from readiness import rules

    found = [r for r in rules.load(rule_files) if r.id == rule_id]
    if not found:
        raise ReadinessError(f"unknown rule {rule_id!r}", hint="see `readiness rules list`")
    r = found[0]
    click.echo(f"{r.id} ({r.severity}): {r.title}\n")
    if r.applies:
        click.echo(f"applies when: {json.dumps(r.applies)}")
    click.echo(f"problem when: {json.dumps(r.when)}\n")
    click.echo(f"message: {r.message}\nfix: {r.fix}")
    if r.reference:
        click.echo(f"reference: {r.reference}")
    click.echo(f"source: {r.source}")


from readiness.cli_models import models_command  # noqa: E402 - its own module keeps this one under 500 lines
cli.add_command(models_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every way out goes through here, so the exit code is decided in one place.
    Commands return their exit code; errors become one ``error:`` line (and a ``hint:``)."""
    sys.exit(_run(argv))


def _error(message: str, hint: str | None = None) -> None:
    click.echo(f"error: {sanitize.line(message)}", err=True)  # messages quote user input
    if hint:
        click.echo(f"hint: {sanitize.line(hint)}", err=True)


def _run(argv: list[str] | None) -> int:
    try:
        code = cli.main(args=argv, prog_name="readiness", standalone_mode=False)
    except ReadinessError as e:
        _error(e.message, e.hint)
        return e.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        from readiness.host import runner

        runner.kill_all()  # commands run in their own sessions: the terminal's Ctrl-C never reached them
        click.echo("aborted", err=True)
        os._exit(130)  # now, with 130 (SIGINT): probe threads stuck in a read must not hold the exit
    except click.UsageError as e:
        # click prints three lines (Usage / Try / Error); the README promises one error line.
        command = e.ctx.command_path if e.ctx is not None else "readiness"
        _error(e.format_message(), f"see `{command} --help`")
        return exitcodes.USAGE
    except click.ClickException as e:
        _error(e.format_message())
        return exitcodes.USAGE
    except click.exceptions.Exit as e:
        return e.exit_code
    except BrokenPipeError:
        return exitcodes.OK
    except Exception as e:  # noqa: BLE001 - last resort: a bug, reported as one line with exit 3
        click.echo(f"internal error: {type(e).__name__}: {sanitize.line(e)} (please report this; "
                   f"set READINESS_DEBUG=1 for the traceback)", err=True)
        if os.environ.get("READINESS_DEBUG"):
            raise
        return exitcodes.INTERNAL
    return code if isinstance(code, int) else exitcodes.OK
