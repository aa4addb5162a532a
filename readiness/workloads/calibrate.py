"""Fitting the speed factors of efficiency.toml on measurements (validation.toml rows).

Every fitted number comes from `fit(samples)`: benchmarks/accuracy.py --fit runs it on all rows and
writes the table; its leave-one-source-out run calls it once per held-out source, in memory, so no
figure it prints was fitted on the rows it is scored on.

The model (llm.components, llm.decode_time, llm.prompt_time):
- decode: bytes per token ÷ (bandwidth × efficiency[backend, generation, quant kind]) + layers ×
  per-layer cost[backend] + MoE layers × routing cost;
- prompt: FLOPs ÷ (peak × efficiency) with routed-expert matmuls slowed by their small per-expert
  batch (b ÷ (b + half)), + the weights each micro-batch touches ÷ bandwidth, + MoE layers × routing cost.
Efficiencies are medians of what each row implies (robust to a stray row); the per-layer and MoE
costs are picked from a grid by the median error they leave.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict

from readiness import catalog
from readiness.errors import ReadinessError
from readiness.workloads import catalogue, cpu, hardware, llm, speed
from readiness.workloads.ranges import Q, RANGE_MIN_ROWS, RANGE_MIN_SOURCES, range_rows  # noqa: F401 (re-exported)

ANY = speed.ANY
MIN_ROWS = 3  # an efficiency group with fewer rows falls back to the next coarser group
MIN_SOURCES = 2
SHRINK = 4.0
# the range rules (RANGE_MIN_ROWS, RANGE_MIN_SOURCES, the tails) are in ranges.py, chosen out of sample there
LAYER_US = (0, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 160, 200)
LAYER_ERA = (0.0, -0.1, -0.2, -0.35, -0.5, -0.75, -1.0)  # per year: older builds paid more per layer
PROMPT_ERA = (0.0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8)  # per year: older builds reached less of the peak
VECTOR_SHARE = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)  # of the prompt FLOPs, paid at the FP32 rate
MOE_DECODE_US = (0, 5, 10, 20, 30, 40, 60, 80, 120)
MOE_HALF = (0, 8, 16, 32, 64, 128, 256)
MOE_ROUTE_US = (0, 2, 5, 10, 20, 40, 80)
PHASES = {"decode": ("decode_tokens_per_s", "context"), "prompt": ("prompt_tokens_per_s", "prompt_tokens")}


def cpu_sample(row: dict, phase: str) -> tuple[dict | None, str | None]:
    """A CPU-only measurement: bandwidth from the CPU family (cpu_memory.toml), the row's DDR speed where
    its label gives one, the row's thread count as cores; decode only (clock and SIMD are not in the rows)."""
    if phase != "decode":
        return None, "CPU-only prompt (no clock or SIMD figures in the row)"
    name = row.get("cpu") or re.sub(r"\s*\(.*$", "", row["gpu"].removeprefix("CPU:").strip())
    if cpu.family(name) is cpu._GENERIC:
        return None, "CPU family not in cpu_memory.toml"
    try:
        model = catalogue.find_model(row["model"])
        quant = catalogue.find_quant(row.get("quant") or "")
    except ReadinessError as e:
        return None, e.message
    speed_m = re.search(r"DDR\dX?-(\d{4})", row["gpu"])
    hw = hardware.from_specs([], 4096, cpu_cores=int(row.get("threads") or 64), backend="cpu", cpu_name=name,
                             ram_mt_s=int(speed_m.group(1)) if speed_m else None)
    context = int(row.get("context") or 512)
    s = {"row": row, "phase": phase, "model": model, "quant": quant, "hw": hw, "context": context,
         "source": row.get("source_group") or row["source"], "measured": float(row["tokens_per_s"]),
         "backend": "cpu", "generation": hw.cpu_generation, "vendor": "cpu", "moe": bool(model.get("experts")),
         "quant_kind": speed.quant_kind(quant), "placement": "cpu"}
    s["c"] = llm.components(model, quant, context, hw.cpu_bandwidth_gbps, None)
    return s, None


def sample(row: dict, phase: str) -> tuple[dict | None, str | None]:
    """One measurement ready to fit or score, or (None, why it can't be)."""
    if row["gpu"].startswith("CPU") or row["backend"] == "cpu":
        return cpu_sample(row, phase)
    if row["backend"] not in catalogue.backends():
        return None, f"backend {row['backend']} not modelled"
    spec = catalog.lookup(row["gpu"])
    if spec is None:
        return None, "GPU not in the catalogue"
    try:
        model = catalogue.find_model(row["model"])
        quant = catalogue.find_quant(row.get("quant") or "")
    except ReadinessError as e:
        return None, e.message
    ram = max(spec.memory_options_gib) if spec.unified_memory and spec.memory_options_gib else row.get("ram_gib")
    if spec.unified_memory and ram is None and not spec.memory_gib and not hardware.known_ram(spec):
        return None, "integrated GPU with no RAM figure"
    hw = hardware.from_specs([(spec, int(row.get("gpu_count", 1)))], ram, backend=row["backend"])
    hw.build_date = str(row.get("date") or "")[:10] or None
    context = int(row.get(PHASES[phase][1]) or 512)
    s = {"row": row, "phase": phase, "model": model, "quant": quant, "hw": hw, "context": context,
         "source": row.get("source_group") or row["source"], "measured": float(row["tokens_per_s"]), "backend": row["backend"],
         "generation": hw.gpus[0].generation if hw.gpus else "unknown", "vendor": spec.vendor,
         "moe": bool(model.get("experts")), "quant_kind": speed.quant_kind(quant)}
    probe = llm.estimate(model, quant, context, hw, _neutral())
    s["placement"] = probe["placement"]
    if probe["placement"] in ("gpu", "multi-gpu"):
        used = hw.gpus if probe["placement"] == "multi-gpu" else [max(hw.gpus, key=lambda d: d.memory_mib)]
        place = llm._gpu_place(1.0, used, quant, hw.build_date, False)
        s["quant_kind"] = place["kernel"]
        s["c"] = llm.components(model, quant, context if phase == "decode" else 512, place["bandwidth_gbps"],
                                place["peak_tflops"], vector_tflops=place.get("vector_tflops"))
    return s, None


def _neutral() -> dict:
    return {"efficiency": [{"phase": p, "backend": ANY, "generation": ANY, "quant_kind": ANY, "efficiency": 0.5}
                           for p in PHASES], "overhead": [], "moe": {}, "range": []}


def predict(s: dict, tbl: dict) -> float | None:
    est = llm.estimate(s["model"], s["quant"], s["context"], s["hw"], tbl)
    return est[PHASES[s["phase"]][0]]


def _levels(s: dict) -> list[tuple[str, str, str]]:
    b, g, q = s["backend"], s["generation"], s["quant_kind"]
    if q == "int8" and s["phase"] == "decode":
        q = "int"  # decode is matrix-vector work: speed.efficiency looks int8 decode rows up as "int"
    if q == "int8":  # relative to the INT8 peak: pooled only with int8 rows, as speed.efficiency looks them up
        return [(b, g, q), (b, ANY, q), (ANY, ANY, q)]
    return [(b, g, q), (b, g, ANY), (b, ANY, q), (b, ANY, ANY), (ANY, ANY, q), (ANY, ANY, ANY)]


def _group_medians(values: list[tuple[dict, float]]) -> dict[tuple, tuple[float, int]]:
    """Median per group; a group needs MIN_ROWS rows from MIN_SOURCES sources (one source's rows
    describe that source's build and machine as much as the hardware), else its rows only count
    towards the coarser groups. Each group's median is shrunk towards its parent's in log space by
    n ÷ (n + SHRINK), so a group of a few rows moves only part of the way."""
    buckets: dict[tuple, list[float]] = defaultdict(list)
    srcs: dict[tuple, set] = defaultdict(set)
    for s, v in values:
        for key in _levels(s):
            buckets[key].append(v)
            srcs[key].add(s["source"])
    out: dict[tuple, tuple[float, int]] = {}
    # coarse to fine, so every group's parent is settled first
    for depth in (5, 4, 3, 2, 1, 0):
        for k, v in buckets.items():
            if _depth(k) != depth:
                continue
            if k != (ANY, ANY, ANY) and (len(v) < MIN_ROWS or len(srcs[k]) < MIN_SOURCES):
                continue
            med = statistics.median(v)
            parent = _parent(k, out)
            if parent is not None:
                w = len(v) / (len(v) + SHRINK)
                med = math.exp(w * math.log(med) + (1 - w) * math.log(parent))
            out[k] = (med, len(v))
    return out


def _depth(k: tuple) -> int:
    return {(False, False, False): 0, (False, False, True): 1, (False, True, False): 2,
            (False, True, True): 3, (True, True, False): 4, (True, True, True): 5}[tuple(x == ANY for x in k)]


def _parent(k: tuple, fitted: dict) -> float | None:
    b, g, q = k
    cands = ((b, ANY, q), (ANY, ANY, q)) if q == "int8" else ((b, g, ANY), (b, ANY, q), (b, ANY, ANY), (ANY, ANY, q),
                                                             (ANY, ANY, ANY))
    for cand in cands:
        if cand != k and _depth(cand) > _depth(k) and cand in fitted:
            return fitted[cand][0]
    return None


def _eff_rows(phase: str, medians: dict) -> list[dict]:
    return [{"phase": phase, "backend": k[0], "generation": k[1], "quant_kind": k[2],
             "efficiency": round(min(max(v, 0.01), 1.5), 4), "rows": n} for k, (v, n) in sorted(medians.items())]


def _median_error(samples: list[dict], tbl: dict) -> float:
    errs = [abs(math.log(p / s["measured"])) for s in samples if (p := predict_fast(s, tbl))]
    return statistics.median(errs) if errs else float("inf")


def predict_fast(s: dict, tbl: dict) -> float | None:
    """predict() for single-place samples from their components (the grid search calls it thousands of times)."""
    c = s.get("c")
    if c is None:
        return predict(s, tbl)
    key = (s["backend"], s["generation"], s["quant_kind"])
    date = s["hw"].build_date
    ovh = speed.overhead(s["backend"], tbl, date)
    eff_bw, _ = speed.efficiency("decode", *key, tbl)
    if s["phase"] == "decode":
        return 1 / llm.decode_time(c, eff_bw, ovh) if c["decode_s"] else None
    if c["prompt_dense_s"] is None or c["prompt_touched_s"] is None:
        return None
    try:
        eff_fl, _ = speed.efficiency("prompt", *key, tbl)
    except KeyError:  # no int8 factor in this table: the estimate falls back to the FP16 peak
        return predict(s, tbl)
    eff_fl *= speed.era("prompt", s["backend"], date, tbl)
    return 1 / llm.prompt_time(c, eff_fl, eff_bw, ovh)


def _years(rows: list[dict]) -> list[float]:
    return [y for s in rows if (y := speed.year(s["hw"].build_date)) is not None]


def _era_row(term: str, backend: str, per_year: float, rows: list[dict]) -> dict:
    ys = _years(rows) or [speed.T_REF]
    return {"term": term, "backend": backend, "per_year": per_year, "year_min": round(min(ys), 3),
            "year_max": round(max(ys), 3)}


def _era_of(tbl: dict, term: str, s: dict) -> float:
    return speed.era(term, s["backend"], s["hw"].build_date, tbl)


def _decode_implied(rows: list[dict], tbl: dict) -> list[tuple[dict, float]]:
    """What each row implies for the bandwidth efficiency once its per-layer cost (at its build date) is paid."""
    out = []
    for s in rows:
        t = 1 / s["measured"] - s["c"]["layers"] * speed.overhead(s["backend"], tbl, s["hw"].build_date)["per_layer_us"] / 1e6
        if t > 0.3 / s["measured"]:
            out.append((s, s["c"]["decode_s"] / t))
    return out


def _fit_decode(dense: list[dict], tbl: dict) -> None:
    """Per backend: the per-layer cost and how it changed with the build date (grid, smallest that is
    within TIE of the best), the bandwidth efficiencies following from them."""
    backends = sorted({s["backend"] for s in dense})
    best_rows: dict[str, float] = {}
    eras: list[dict] = []
    for b in backends + [ANY]:
        rows = [s for s in dense if b == ANY or s["backend"] == b]
        dated = len({round(y) for y in _years(rows)}) >= 2 and len({s["source"] for s in rows}) >= MIN_SOURCES
        grid = [(us, k) for k in (LAYER_ERA if dated else (0.0,)) for us in LAYER_US]

        def err(cand, rows=rows, b=b):
            us, k = cand
            trial = {**tbl, "overhead": [{"backend": ANY, "per_layer_us": us}],
                     "era": [_era_row("layer", ANY, k, rows)]}
            implied = _decode_implied(rows, trial)
            if not implied:
                return float("inf")
            trial["efficiency"] = _eff_rows("decode", _group_medians(implied))
            return _median_error(rows, trial)

        us, k = _smallest_best(grid, err)
        best_rows[b] = us
        eras.append(_era_row("layer", b, k, rows))
    tbl["overhead"] = [{"backend": b, "per_layer_us": us} for b, us in best_rows.items()]
    tbl["era"] = [r for r in tbl.get("era", []) if r["term"] != "layer"] + eras
    tbl["efficiency"] = [r for r in tbl["efficiency"] if r["phase"] != "decode"] + \
        _eff_rows("decode", _group_medians(_decode_implied(dense, tbl)))


def _prompt_implied(rows: list[dict], tbl: dict) -> list[tuple[dict, float]]:
    """What each row implies for the prompt efficiency at T_REF, once its weight reads and its vector work
    are paid (its own build's era factor divided out)."""
    implied = []
    for s in rows:
        c = s["c"]
        if c["prompt_dense_s"] is None or c["prompt_touched_s"] is None:
            continue
        eff_bw, _ = speed.efficiency("decode", s["backend"], s["generation"], s["quant_kind"], tbl)
        share = speed.overhead(s["backend"], tbl)["vector_share"]
        t = 1 / s["measured"] - c["prompt_touched_s"] / eff_bw - share * c.get("prompt_vector_s", 0.0)
        if t > 0.1 / s["measured"]:
            implied.append((s, c["prompt_dense_s"] / t / _era_of(tbl, "prompt", s)))
    return implied


def _fit_prompt(dense: list[dict], tbl: dict) -> None:
    """Per backend: the share of the work paid at the vector rate and how the efficiency changed with the
    build date (grid, smallest within TIE of the best), then the efficiencies."""
    eras, vector = [], []
    for b in sorted({s["backend"] for s in dense}) + [ANY]:
        rows = [s for s in dense if b == ANY or s["backend"] == b]
        dated = len({round(y) for y in _years(rows)}) >= 2 and len({s["source"] for s in rows}) >= MIN_SOURCES
        grid = [(r, k) for k in (PROMPT_ERA if dated else (0.0,)) for r in VECTOR_SHARE]

        def err(cand, rows=rows):
            r, k = cand
            trial = {**tbl, "era": [e for e in tbl.get("era", []) if e["term"] != "prompt"]
                     + [_era_row("prompt", ANY, k, rows)], "vector": [{"backend": ANY, "share": r}]}
            implied = _prompt_implied(rows, trial)
            if len(implied) < len(rows) / 2:  # the vector share alone would take most rows' time
                return float("inf")
            trial["efficiency"] = [e for e in tbl["efficiency"] if e["phase"] != "prompt"] + \
                _eff_rows("prompt", _group_medians(implied))
            try:
                return _median_error(rows, trial)
            except KeyError:  # a row whose int8 group this trial has no factor for
                return float("inf")

        r, k = _smallest_best(grid, err)
        eras.append(_era_row("prompt", b, k, rows))
        vector.append({"backend": b, "share": r})
    tbl["era"] = [r for r in tbl.get("era", []) if r["term"] != "prompt"] + eras
    tbl["vector"] = vector
    tbl["efficiency"] = [r for r in tbl["efficiency"] if r["phase"] != "prompt"] + \
        _eff_rows("prompt", _group_medians(_prompt_implied(dense, tbl)))


TIE = 0.005  # a cost must lower the median error by half a percent to be preferred to a smaller one


def _smallest_best(grid, err):
    """The first grid value (grids run from small to large) whose error is within TIE of the best: where
    the rows can't tell costs apart, the smaller cost is kept rather than an arbitrary large one."""
    errs = [(err(v), v) for v in grid]
    best = min(e for e, _ in errs)
    return next(v for e, v in errs if e <= best + TIE)


def fit(samples: list[dict]) -> dict:
    """The efficiency table fitted on ``samples`` (those placed wholly on GPUs)."""
    usable = [s for s in samples if s.get("c") and (s["phase"] != "decode" or s["c"]["decode_s"])]
    tbl: dict = {"efficiency": [], "overhead": [], "era": [], "vector": [], "moe": {}, "range": []}
    dec = [s for s in usable if s["phase"] == "decode"]
    pro = [s for s in usable if s["phase"] == "prompt"]
    _fit_decode([s for s in dec if not s["moe"]] or dec, tbl)
    _fit_prompt([s for s in pro if not s["moe"]] or pro, tbl)
    moe_dec = [s for s in dec if s["moe"]]
    moe_pro = [s for s in pro if s["moe"]]
    tbl["moe"] = {"decode_layer_us": 0.0, "prompt_half_batch": 0.0, "prompt_route_us": 0.0,
                  "decode_rows": len(moe_dec), "prompt_rows": len(moe_pro)}
    # MoE costs only from MoE rows of MIN_SOURCES sources: one benchmark's MoE build says little of others'
    moe_dec = moe_dec if len({s["source"] for s in moe_dec}) >= MIN_SOURCES else []
    moe_pro = moe_pro if len({s["source"] for s in moe_pro}) >= MIN_SOURCES else []
    # MoE kernels changed most of all between builds (grouped expert matmuls, 2025): each cost has an era
    # slope too, fitted on the MoE rows with the cost (LAYER_ERA: older builds paid more)
    dec_era = LAYER_ERA if len({round(y) for y in _years(moe_dec)}) >= 2 else (0.0,)
    pro_era = LAYER_ERA if len({round(y) for y in _years(moe_pro)}) >= 2 else (0.0,)

    def with_moe(**kw):
        era = {(e["term"], e["backend"]): e for e in tbl["era"]}
        for term, rows, k in (("moe_decode", moe_dec, kw.pop("dec_k", None)), ("moe_prompt", moe_pro, kw.pop("pro_k", None))):
            if k is not None:
                era[(term, ANY)] = _era_row(term, ANY, k, rows)
        return {**tbl, "moe": {**tbl["moe"], **kw}, "era": list(era.values())}

    if moe_dec:
        grid = [(us, k) for k in dec_era for us in MOE_DECODE_US]
        us, k = _smallest_best(grid, lambda c: _median_error(moe_dec, with_moe(decode_layer_us=c[0], dec_k=c[1])))
        tbl.update(with_moe(decode_layer_us=us, dec_k=k))
    if moe_pro:
        grid = sorted(((h, r, k) for h in MOE_HALF for r in MOE_ROUTE_US for k in pro_era),
                      key=lambda c: (c[1], c[0], -c[2]))
        h, r, k = _smallest_best(grid, lambda c: _median_error(moe_pro, with_moe(
            prompt_half_batch=c[0], prompt_route_us=c[1], pro_k=c[2])))
        tbl.update(with_moe(prompt_half_batch=h, prompt_route_us=r, pro_k=k))
    return tbl


def to_toml(tbl: dict, source: str, date: str) -> str:
    """efficiency.toml's text: every row carries the fit's source and date."""
    def val(v):
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, bool):
            return "true" if v else "false"
        return repr(v)

    out = ["# Speed factors fitted on measurements: do not edit by hand; regenerate with",
           "#   python benchmarks/accuracy.py --fit",
           "# efficiency: share of peak reached per phase, backend × generation × quant kind ('*' = any);",
           "# overhead: decode cost per layer per token (µs); moe: routing costs (readiness/workloads/calibrate.py);",
           "# range: multipliers around an estimate that held ~80% of held-out measurements in their group.",
           "version = 1", ""]
    moe = {**tbl.get("moe", {}), "source": source, "date": date}
    out.append("[moe]")
    out += [f"{k} = {val(v)}" for k, v in moe.items()]
    for table_name in ("overhead", "era", "vector", "efficiency", "range", "image"):
        for row in tbl.get(table_name, []):
            out += ["", f"[[{table_name}]]"] + [f"{k} = {val(v)}" for k, v in {**row, "source": source,
                                                                              "date": date}.items()]
    return "\n".join(out) + "\n"
