"""One `readiness bench` run: facts, measurements, llama-bench, the store. Called by the CLI."""

from __future__ import annotations

from readiness.bench import apply, cache, llama_bench, render, runner


def _estimate_for(workload: dict | None, why: str | None, facts: dict, doc: dict) -> tuple[dict | None, str | None]:
    """readiness's estimate for the GGUF on this machine, from the figures just measured."""
    from readiness.errors import ReadinessError
    from readiness.workloads import catalogue, hardware, llm

    if workload is None:
        return None, why
    try:
        model = workload.get("_model") or catalogue.find_model(workload["model"])
        quant = workload.get("_quant") or catalogue.find_quant(str(workload.get("quant")))
    except ReadinessError as e:
        return None, e.message
    hw = hardware.from_facts(facts, apply.select(doc, facts).measured)
    return llm.estimate(model, quant, 512, hw), None


def bench(host, opts: runner.Options, gguf: str | None = None, save: bool = True, workload: dict | None = None,
          workload_error: str | None = None) -> dict:
    """``workload``: the GGUF as an LLM workload (built by the caller, which knows the options);
    ``workload_error``: why it could not be built."""
    from readiness.collect import gather
    from readiness.probes.registry import all_probes

    opts.progress("reading this machine (CPU, RAM, GPUs, drivers)")
    # The torch probe is left out: the bench child reports torch itself, and importing it twice costs seconds.
    facts = gather(host, [p for p in all_probes() if p.NAME != "torch"])
    doc = runner.run(host, facts, opts)
    if gguf:
        opts.progress(f"llama-bench on {gguf} (pp512, tg128)")
        lb = llama_bench.run(host, gguf)
        if lb.get("status") == "ok":
            est, why = _estimate_for(workload, workload_error, facts, doc)
            lb["estimate"] = {k: (est or {}).get(k) for k in ("placement", "prompt_tokens_per_s",
                                                              "decode_tokens_per_s")} if est else None
            if why:
                lb["estimate_error"] = why
            lb["comparison"] = render.compare(lb, est)
        doc["llama_bench"] = lb
    measured = apply.select(doc, facts).measured
    if save and measured:
        doc["stored_in"] = cache.save(doc)
    elif save:
        # Never replace a good result with an empty one (a run starved by other load, say).
        doc["notes"].append(f"nothing was measured, so nothing was stored ({cache.path()} is unchanged)")
    return doc
