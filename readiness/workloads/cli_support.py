"""What the CLI needs from the workload engine: resolving options into workloads and machines."""

from __future__ import annotations

from readiness import catalog
from readiness.errors import ReadinessError
from readiness.workloads import catalogue, engine, hardware


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
    if gguf:
        model, gguf_quant, _size = catalogue.model_from_gguf(gguf)
        quant_id = quant_id or gguf_quant
        if quant_id is None:
            raise ReadinessError(f"{gguf}: its quantization is not one readiness knows; pass --quant")
    elif model_config:
        model = catalogue.model_from_hf_config(model_config)
    else:
        model = catalogue.find_model(model_name)
    quant = catalogue.find_quant(quant_id or "q4_k_m")
    ctx = 4096 if context is None else int(context)
    if ctx < 1 or ctx > 10_000_000:
        raise ReadinessError(f"bad --context {ctx}: use 1 to 10,000,000 tokens")
    return {"id": f"{model['id']}-{quant['id']}", "name": f"{model['name']} ({quant['id']})", "kind": "llm-inference",
            "model": model["id"], "_model": model, "quant": quant["id"], "context": ctx, "good_speed": 10.0,
            "source": model["source"]}


def estimate(gpus: tuple[str, ...], ram_gib: float | None, workload: dict, backend: str | None = None) -> dict:
    specs = [catalog.parse_gpu_arg(g) for g in gpus]
    if ram_gib is not None and not 0 < ram_gib <= 65536:
        raise ReadinessError(f"bad --ram-gib {ram_gib}: use a size between 0 and 65536")
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
    hw = hardware.from_specs(specs, ram_gib, backend=backend)
    result = engine.evaluate(workload, hw)
    result["hardware"] = {"gpus": [{"name": s.name, "count": n, "id": s.id} for s, n in specs],
                          "ram_gib": ram_gib, "backend": backend}
    return result


def assume_gpu(facts: dict, name: str) -> dict:
    """The facts as if the named GPU(s) were this machine's only GPUs (readiness check --assume-gpu)."""
    spec, count = catalog.parse_gpu_arg(name)
    gpus = []
    for i in range(count):
        gpus.append({
            "index": i, "vendor": spec.vendor, "name": spec.name,
            "memory_total_mib": int((spec.memory_gib or 0) * 1024) if not spec.unified_memory else None,
            "memory_free_mib": None, "unified_memory": spec.unified_memory, "status": "ok", "virtual": False,
            "integrated": spec.segment == "apu", "memory_bandwidth_gbps": spec.memory_bandwidth_gbps,
            "source": "assumed",
        })
    return {**facts, "gpus": gpus}
