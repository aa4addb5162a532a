"""`readiness models`: the command's wiring (the work is in readiness/models/, docs/models.md)."""

from __future__ import annotations

import os
import sys

import click

from readiness.errors import ReadinessError


@click.command(name="models")
@click.option("--path", "paths", multiple=True, type=click.Path(file_okay=False), metavar="DIR",
              help="Also look in this folder for GGUF and safetensors models (repeatable).")
@click.option("--assume-gpu", default=None, metavar="NAME[xN]", help="Judge them as if this GPU were installed.")
@click.option("--context", type=click.IntRange(1, 10_000_000), default=None,
              help="Judge at this context length [default: 4096, or the model's Ollama num_ctx].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (docs/models.md).")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=10.0, show_default=True,
              help="Seconds allowed for each external command.")
def models_command(paths: tuple[str, ...], assume_gpu: str | None, context: int | None, as_json: bool,
                   timeout: float) -> None:
    """The models already on this machine (Ollama, Hugging Face, LM Studio, llama.cpp, GPT4All, --path),
    read from their metadata only, and how well each runs here."""
    from readiness import jsonout, pipeline
    from readiness.host.live import LiveHost
    from readiness.report import text, view

    for p in paths:
        if not os.path.isdir(p):
            raise ReadinessError(f"--path {p}: no such folder")
    host = LiveHost(timeout=timeout, options={"processes": False, "python": None, "torch": False})
    doc = pipeline.models(host, dict(os.environ), sys.platform, paths, assume_gpu, context)
    judged, found = doc["models"], doc
    if as_json:
        click.echo(jsonout.dumps(doc, indent=2))
    else:
        click.echo(text.render_models(view.models_view(judged, found["searched"])), nl=False)
