"""Run a check, a capture or an estimate: the only caller of the engines, in one visible order.

    host -> probes (collect, parse) -> assemble -> facts
    facts -> rules -> checks, findings
    facts (+ an assumed GPU) + workload catalogue -> verdicts
    verdicts + prices -> costs
    -> Report (facts apart from judgments, schema 2)

The CLI turns options into ``CheckOptions``, calls one function here and renders what comes
back; nothing here prints, exits or names a command-line flag (issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from readiness import __version__

REPORT_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class CheckOptions:
    """Everything a check needs besides the host, already validated."""

    workloads: list[dict]
    rules: list
    all_workloads: bool = False
    assume_gpu: str | None = None
    assume_ram_gib: float | None = None
    prices: Any = None  # readiness.costs.Prices, or None for no cost figures
    cost_inputs: Any = None  # readiness.costs.Inputs
    all_options: bool = False
    backend: str | None = None  # the runtime to judge for (cuda, rocm, vulkan, sycl, metal, cpu); None: usual
    use_bench: bool = False  # use this machine's remembered `readiness bench` figures (live checks)
    local_models: bool = False  # look for the models already on this machine (Ollama, HF cache, ...)
    environ: dict | None = None  # where those stores are (HOME, OLLAMA_MODELS, HF_HOME, ...)
    platform: str = ""
    cost_cache: Any = None  # the folder where what-if costs are remembered between runs; None: not remembered


@dataclass(frozen=True)
class Report:
    """What a check found (facts) and what readiness makes of it (judgments), kept apart."""

    facts: dict
    judgments: dict
    origin: str = "live"
    assumed: dict | None = field(default=None)
    notes: tuple[str, ...] = ()  # said on stderr: why remembered figures were not used, ...

    def to_dict(self) -> dict:
        return {"schema_version": REPORT_SCHEMA_VERSION, "tool": {"name": "readiness", "version": __version__},
                "origin": self.origin, "assumed": self.assumed, "facts": self.facts, "judgments": self.judgments}


def gather(host, progress=None) -> dict:
    """The facts document: every probe against the host, assembled (the same document that a
    capture replayed with --from reproduces). ``progress(probe, "start" | "done")``: optional."""
    from readiness import collect

    return collect.gather(host, progress=progress)


def start(host, progress=None):
    """The probes started on ``host`` (collect.Collecting): a caller starts them before it reads
    the user's files, and hands them to ``check``; ``stop()`` ends them if it fails first."""
    from readiness import collect

    return collect.Collecting(host, progress=progress)


def check(host, options: CheckOptions, origin: str = "live", progress=None) -> Report:
    """``host``: a host, or the probes already started on one (``start``). While they run, the
    costs of the what-if options (which no fact changes) are worked out and the model stores read."""
    from readiness import collect

    probing = host if isinstance(host, collect.Collecting) else start(host, progress)
    try:
        ahead = what_if_costs(options) if options.prices is not None else None
        found = None
        if options.local_models:
            from readiness import models

            found = models.discover(options.environ or {}, options.platform, seconds=models.CHECK_SECONDS)["models"]
    except BaseException:
        probing.stop()  # nothing will read the probes' answers: their commands end now
        raise
    facts = probing.facts()
    host = probing.host
    measured, notes = None, []
    if options.use_bench:
        from readiness.bench import apply

        loaded = apply.for_check(host, facts)
        measured, notes = loaded.measured, loaded.notes
    report = judge(facts, options, origin, measured, ahead)
    if found is not None:
        from readiness import models

        report.judgments["models"] = models.judge(facts, found, options.assume_gpu, ram_gib=options.assume_ram_gib)
    return Report(report.facts, report.judgments, report.origin, report.assumed, tuple(notes))


def judge(facts: dict, options: CheckOptions, origin: str = "live", measured: dict | None = None,
          ahead: dict | None = None) -> Report:
    """The judgments on a facts document, in one order: rules, workloads, costs. ``measured``:
    figures `readiness bench` measured on this machine, used in place of the catalogue's;
    ``ahead``: ``what_if_costs(options)``, when already worked out."""
    from readiness import rules
    from readiness.workloads import assumed, engine

    results = rules.run(options.rules, facts)
    judged, assumption = facts, None
    if options.assume_gpu or options.assume_ram_gib is not None:
        judged = assumed.with_gpu(facts, options.assume_gpu, options.assume_ram_gib)
        assumption = assumed.description(judged, options.assume_gpu, options.assume_ram_gib)
        measured = None  # measured here, not on the assumed machine
    verdicts = engine.verdicts(judged, options.workloads, headline_only=not options.all_workloads,
                               measured=measured, backend=options.backend)
    verdicts, shared = hoist_assumptions(verdicts)
    judgments: dict[str, Any] = {
        "checks": [{"id": r["id"], "outcome": r["outcome"]} for r in results],
        "findings": [r for r in results if r["outcome"] in ("info", "warn", "fail")],
        "assumptions": shared,
        "verdicts": verdicts,
        "costs": None,
        "measured": measured,
        "models": None,  # the models found on this machine, judged (check, live); null when not looked for
    }
    if options.prices is not None:
        # The cheapest purchase and rental that run each workload well live in its cost entry,
        # once; the view shows them beside the verdict (no copy in each verdict, issue 13).
        judgments["costs"] = costs_for(judged, verdicts, options, measured, ahead)
    return Report(facts, judgments, origin, assumption)


def hoist_assumptions(verdicts: list[dict]) -> tuple[list[dict], dict[str, list[str]]]:
    """Each assumption said once: those all verdicts share (the machine's: its RAM bandwidth, an
    unknown clock) under "all", those all verdicts of one kind share (the LLM speed formula, the
    context) under that kind; each verdict keeps only its own (issue 13: no repeated inputs)."""
    def common(group: list[dict]) -> list[str]:
        if len(group) < 2:
            return []
        both = set.intersection(*(set(v.get("assumptions") or []) for v in group))
        return [a for a in group[0].get("assumptions") or [] if a in both]

    shared: dict[str, list[str]] = {"all": common(verdicts)}
    for kind in dict.fromkeys(v["kind"] for v in verdicts):
        said = set(shared["all"])
        mine = [a for a in common([v for v in verdicts if v["kind"] == kind]) if a not in said]
        if mine:
            shared[kind] = mine
    out = []
    for v in verdicts:
        hoisted = set(shared["all"]) | set(shared.get(v["kind"], []))
        out.append({**v, "assumptions": [a for a in v.get("assumptions") or [] if a not in hoisted]})
    return out, shared


def _priced(options: CheckOptions, ids: list[str]) -> list[dict]:
    """The judged workloads that get a cost entry: training seen from a perspective other than
    this machine's is left out (its cost is not this machine's question)."""
    by_id = {w["id"]: w for w in options.workloads}
    return [by_id[i] for i in ids if by_id[i]["kind"] != "training" or not by_id[i].get("perspective")]


def what_if_costs(options: CheckOptions) -> dict:
    """The purchases and rentals for each workload a check prices (costs.advisor.what_if): no
    fact changes them, so a check works them out while its probes run, and remembers them in
    ``options.cost_cache`` between runs (costs/cache.py)."""
    from readiness.costs import advisor, cache
    from readiness.workloads import engine

    priced = _priced(options, [w["id"] for w in engine.chosen(options.workloads, not options.all_workloads)])
    found = cache.remembered(options.cost_cache, priced, options.prices, options.cost_inputs, options.all_options,
                             lambda: advisor.what_if(priced, options.prices, options.cost_inputs,
                                                     all_options=options.all_options))
    return {"ids": [w["id"] for w in priced], "found": found}


def costs_for(judged: dict, verdicts: list[dict], options: CheckOptions, measured: dict | None = None,
              ahead: dict | None = None) -> dict:
    """Rent against buy for each judged workload, the inputs and offers stated once. ``ahead``:
    what_if_costs for the same options (used when it priced these same workloads)."""
    from readiness.costs import advisor
    from readiness.costs.estimates import Estimates
    from readiness.workloads import hardware

    local_hw = hardware.from_facts(judged, measured, backend=options.backend)
    priced = _priced(options, [v["id"] for v in verdicts])
    # The verdicts were made on this same machine: the costs reuse them, and estimate each other
    # (workload, hardware) pair once for this run only (issue 18).
    memo = Estimates(local={v["id"]: v for v in verdicts})
    found = ahead["found"] if ahead is not None and ahead["ids"] == [w["id"] for w in priced] else None
    return advisor.advise_each(priced, options.prices, options.cost_inputs, local_hw, all_options=options.all_options,
                               memo=memo, found=found)


def estimate(gpus: list, ram_gib: float | None, workload: dict, backend: str | None = None, prices=None) -> dict:
    """A workload on hardware that isn't here: ``gpus`` are resolved catalogue names (spec, count,
    note). When it does not run well, the alternatives say what would, the cheapest purchase and
    rental among them (with ``prices``: the Prices, or a function that loads them, called only
    then: an estimate that runs well reads no price list, issue 18)."""
    from readiness.workloads import engine, hardware

    hw = hardware.from_specs([(r.spec, r.count) for r in gpus], ram_gib, backend=backend)
    hw.assumptions[:0] = [r.note for r in gpus if r.note]
    result = engine.evaluate(workload, hw, alternatives_too=True)
    result["hardware"] = {"gpus": [{"name": r.spec.name, "count": r.count, "id": r.spec.id,
                                    **({"note": r.note} if r.note else {})} for r in gpus],
                          "ram_gib": ram_gib, "backend": backend}
    if result["verdict"] != "runs well" and prices is not None:
        from readiness import costs
        from readiness.costs import advisor

        prices = prices() if callable(prices) else prices
        advisor.add_shopping([result], advisor.advise_each([workload], prices, costs.Inputs()))
    return result


def capture(live_host, folder: str, redact: bool) -> int:
    """Record every raw answer the probes read into ``folder``; returns how many were written."""
    from readiness.host import capture as cap

    host = cap.CaptureHost(live_host)
    gather(host)
    return cap.write(host, folder, redact)


def advise(workloads: list[dict], prices, inputs, budget_usd: float | None = None, all_options: bool = False) -> dict:
    """GPUs to buy and to rent for these workloads, ranked, with the break-even."""
    from readiness.costs import advisor

    return advisor.advise(workloads, prices, inputs, budget=budget_usd, all_options=all_options)


def judge_one(facts: dict, workload: dict) -> dict:
    """One workload on the machine a facts document describes (fleet require: a stored host)."""
    from readiness.workloads import engine, hardware

    return engine.evaluate(workload, hardware.from_facts(facts))


def judge_inputs(facts: dict) -> dict:
    """The part of a facts document judge_one reads (fleet require judges equal inputs once)."""
    from readiness.workloads import hardware

    return hardware.inputs(facts)


def models(host, environ: dict, platform: str, paths: tuple = (), assume_gpu: str | None = None,
           context: int | None = None) -> dict:
    """`readiness models`: the models in this machine's stores, each judged on it (or on the assumed GPU)."""
    from readiness import models as local_models

    found = local_models.discover(environ, platform, paths)
    judged = local_models.judge(gather(host), found["models"], assume_gpu, context)
    return {"models": judged, "disk_bytes": found["disk_bytes"], "searched": found["searched"],
            "assumed_gpu": assume_gpu}
