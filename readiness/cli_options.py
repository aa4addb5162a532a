"""Turning option values into engine inputs, with errors that name the flags (the only place
besides cli.py where flag names appear)."""

from __future__ import annotations

from readiness.errors import ReadinessError
from readiness.workloads import catalogue


def all_workloads(extra_files: tuple[str, ...] = ()) -> list[dict]:
    rows = list(catalogue.builtin_workloads())
    seen = {w["id"] for w in rows}
    for path in extra_files:
        for w in catalogue.load_user_workloads(path):
            if w["id"] in seen:
                rows = [r for r in rows if r["id"] != w["id"]]  # a user's row replaces the builtin one
            seen.add(w["id"])
            rows.append({**w, "headline": w.get("headline", True)})
    return rows


def chosen_workloads(ids: tuple[str, ...], model: str | None, quant: str | None, context: int | None,
                     extra_files: tuple[str, ...] = ()) -> list[dict]:
    """Workloads named by id (one clear error for an unknown id), plus one from --model if given."""
    rows = {w["id"]: w for w in all_workloads(extra_files)}
    chosen = []
    for wid in ids:
        if wid.lower() not in rows:
            raise ReadinessError(f"unknown workload {wid!r}", hint="see `readiness workloads`")
        chosen.append(rows[wid.lower()])
    if model:
        chosen.append(llm_workload(model, quant, context))
    if not chosen:
        raise ReadinessError("give at least one --workload ID or --model M")
    return chosen


def llm_workload(model_name: str | None, quant_name: str | None, context: int | None,
                 model_config: str | None = None, gguf: str | None = None) -> dict:
    """A one-off LLM inference workload from --model/--quant, --model-config or --gguf."""
    given = [x for x in (model_name, model_config, gguf) if x]
    if len(given) != 1:
        raise ReadinessError("give exactly one of --model, --model-config or --gguf")
    quant_id = quant_name
    measured = None
    if gguf:
        from readiness.models import describe

        model, gguf_quant, _size = describe.model_from_gguf(gguf)
        measured = None if quant_id else model.pop("_quant", None)  # bits measured from the file itself
        model.pop("_quant", None)
        quant_id = quant_id or gguf_quant or (measured or {}).get("id")
        if quant_id is None:
            raise ReadinessError(f"{gguf}: its quantization is not one readiness knows; pass --quant")
    elif model_config:
        model = catalogue.model_from_hf_config(model_config)
    else:
        try:
            model = catalogue.find_model(model_name)
        except ReadinessError as e:
            raise ReadinessError(e.message, hint="see `readiness workloads --models`; or describe it with "
                                 "--model-config config.json or --gguf FILE") from e
    quant = measured or catalogue.find_quant(quant_id or catalogue.default_quant(model))
    ctx = 4096 if context is None else int(context)
    if ctx < 1 or ctx > 10_000_000:
        raise ReadinessError(f"bad --context {ctx}: use 1 to 10,000,000 tokens")
    return {"id": f"{model['id']}-{quant['id']}", "name": f"{model['name']} ({quant['id']})", "kind": "llm-inference",
            "model": model["id"], "_model": model, "quant": quant["id"], "_quant": measured, "context": ctx,
            "good_speed": 10.0,
            "source": model["source"]}


def gpu_names(gpus: tuple[str, ...]) -> list:
    """--gpu values resolved as people type them (catalog/names.py): spec, count and a note when
    an ambiguous name was read as its conservative variant."""
    from readiness.catalog import names

    return [names.resolve(g) for g in gpus]


def check_backend(specs: list, ram_gib: float | None, backend: str | None) -> None:
    """What --backend, --gpu and --ram-gib must say together before an estimate can be made."""
    from readiness.workloads import hardware

    for spec, _ in specs:
        if backend and not hardware.compatible(spec.vendor, backend):
            raise ReadinessError(f"--backend {backend} does not run on {spec.name}",
                                 hint="cuda: NVIDIA; rocm: AMD; sycl: Intel; metal: Apple; vulkan: all but Apple; cpu")
    for spec, _ in specs:
        if spec.unified_memory and ram_gib is None and not spec.memory_options_gib and not spec.memory_gib \
                and not hardware.known_ram(spec):
            raise ReadinessError(f"{spec.name} shares the machine's RAM, and its RAM configurations are not in the "
                                 "catalogue", hint="give --ram-gib")
    if backend == "cpu" and ram_gib is None and not any(s.unified_memory for s, _ in specs):
        raise ReadinessError("--backend cpu needs --ram-gib (the model runs from RAM)")


def ram_gib(value: float | None, flag: str = "--ram-gib") -> float | None:
    if value is not None and not 0 < value <= 65536:
        raise ReadinessError(f"bad {flag} {value:g}: use a size between 0 and 65536")
    return value


# Engine errors say which input was wrong (ReadinessError.field); the CLI names the flag.
FLAGS = {"hours_per_month": "--hours-per-month", "electricity_per_kwh": "--electricity",
         "amortisation_months": "--amortisation-months", "resale_fraction": "--resale",
         "host_watts": "--host-watts", "exchange_rate": "--exchange-rate", "budget_usd": "--budget",
         "ram_gib": "--ram-gib"}


def cost_inputs(hours_per_month, electricity, amortisation_months, resale, host_watts, currency, exchange_rate):
    """The cost engine's inputs from the cost options; money is shown in ``currency``."""
    from readiness.costs import Inputs

    currency = currency.upper()
    if currency != "USD" and exchange_rate is None:
        raise ReadinessError(f"--currency {currency} needs --exchange-rate (units of {currency} per USD)")
    rate = 1.0 if currency == "USD" else exchange_rate
    # Electricity is given in the display currency; the maths runs in USD.
    inputs = Inputs(hours_per_month=hours_per_month, electricity_per_kwh=electricity / rate,
                    amortisation_months=amortisation_months, resale_fraction=resale, host_watts=host_watts,
                    currency=currency, exchange_rate=rate)
    try:
        inputs.validate()
    except ReadinessError as e:
        raise with_flag(e) from e
    return inputs


def with_flag(error: ReadinessError) -> ReadinessError:
    """The same error, its message led by the flag that gave the bad value."""
    flag = FLAGS.get(error.field or "")
    if flag is None:
        return error
    return ReadinessError(f"{flag}: {error.message}", hint=error.hint, exit_code=error.exit_code)
