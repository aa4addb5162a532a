"""What the CLI needs from the workload engine: resolving options into workloads and machines."""

from __future__ import annotations

from readiness.catalog import names
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
    quant = catalogue.find_quant(quant_id or catalogue.default_quant(model))
    ctx = 4096 if context is None else int(context)
    if ctx < 1 or ctx > 10_000_000:
        raise ReadinessError(f"bad --context {ctx}: use 1 to 10,000,000 tokens")
    return {"id": f"{model['id']}-{quant['id']}", "name": f"{model['name']} ({quant['id']})", "kind": "llm-inference",
            "model": model["id"], "_model": model, "quant": quant["id"], "context": ctx, "good_speed": 10.0,
            "source": model["source"]}


def estimate(gpus: tuple[str, ...], ram_gib: float | None, workload: dict) -> dict:
    resolved = [names.resolve(g) for g in gpus]
    specs = [(r.spec, r.count) for r in resolved]
    if ram_gib is not None and not 0 < ram_gib <= 65536:
        raise ReadinessError(f"bad RAM size {ram_gib} GiB: use a size between 0 and 65536")
    hw = hardware.from_specs(specs, ram_gib)
    hw.assumptions[:0] = [r.note for r in resolved if r.note]
    result = engine.evaluate(workload, hw, alternatives_too=True)
    result["hardware"] = {"gpus": [{"name": r.spec.name, "count": r.count, "id": r.spec.id,
                                    **({"note": r.note} if r.note else {})} for r in resolved],
                          "ram_gib": ram_gib}
    return result


def assume_gpu(facts: dict, name: str | None, ram_gib: float | None = None) -> dict:
    """The facts as if the named GPU(s) were this machine's only GPUs and ``ram_gib`` its RAM
    (readiness check --assume-gpu, --ram-gib). Every GPU and RAM figure not read from this machine is
    marked: ``assumed: true`` on the GPU, ``source`` saying where each number came from."""
    judged = dict(facts)
    note = None
    if ram_gib is not None:
        if not 0 < ram_gib <= 65536:
            raise ReadinessError(f"bad RAM size {ram_gib} GiB: use a size between 0 and 65536")
        mib = int(ram_gib * 1024)
        judged["memory"] = {**facts.get("memory", {}), "total_mib": mib, "available_mib": int(mib * 0.9),
                            "cgroup_limit_mib": None, "source": "assumed"}
    if name:
        r = names.resolve(name)
        spec, count, note = r.spec, r.count, r.note
        gpus = []
        for i in range(count):
            gpu = {"index": i, "vendor": spec.vendor, "name": spec.name, "status": "ok", "virtual": False,
                   "integrated": spec.segment == "apu", "unified_memory": spec.unified_memory,
                   "memory_bandwidth_gbps": spec.memory_bandwidth_gbps, "memory_free_mib": None,
                   "source": "assumed", "assumed": True, "catalog_id": spec.id,
                   **({"assumed_note": note} if note else {})}
            if spec.unified_memory:
                # Unified memory is that machine's RAM: the assumed RAM, else the smallest configuration
                # the catalogue knows (never this machine's RAM, which belongs to another computer).
                total = int(ram_gib * 1024) if ram_gib else (int(spec.memory_gib * 1024) if spec.memory_gib else None)
                gpu["memory_total_mib"] = total
                if total is not None and spec.vendor != "apple":
                    gpu["memory_usable_mib"] = int(total * 0.5)  # an APU's GTT share, as in estimate
            else:
                gpu["memory_total_mib"] = int(spec.memory_gib * 1024) if spec.memory_gib else None
            gpus.append(gpu)
        judged["gpus"] = gpus
        if spec.unified_memory and ram_gib is None and gpus[0]["memory_total_mib"]:
            mib = gpus[0]["memory_total_mib"]
            judged["memory"] = {**facts.get("memory", {}), "total_mib": mib, "available_mib": int(mib * 0.9),
                                "cgroup_limit_mib": None, "source": "assumed"}
    judged["assumed"] = {"gpu": name, "resolved": [g["name"] for g in judged.get("gpus", [])] if name else None,
                         "ram_gib": ram_gib, **({"note": note} if note else {})}
    return judged
