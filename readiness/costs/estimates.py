"""Each (workload, hardware) pair estimated once per run (issue 18).

The advisor weighs every workload against every GPU it could buy or rent, and many of those
options are the same hardware: a new and a used card, the same GPU at ten providers. An
``Estimates`` is made for one call of the advisor (one pipeline run) and thrown away with it: a
plain dict memo, never a module-level cache, so nothing leaks between runs or tests and a price
file or catalogue changed between two runs is always seen.

It also holds the cheap memory check that prunes, before any estimate, the options that can
never run a workload well (docs/costs.md, "Only the work the answer needs").
"""

from __future__ import annotations

from readiness.workloads import catalogue, engine, hardware, llm, speed

MIB_PER_GIB = 1024.0


class Estimates:
    """A memo of hardware built from catalogue specs and of engine verdicts on it, for one run.
    ``prune``: skip the estimates the memory check proves pointless (False: estimate everything,
    the reference the tests compare against)."""

    def __init__(self, local: dict | None = None, prune: bool = True):
        self._hw: dict[tuple, hardware.Hardware] = {}
        self._results: dict[tuple, dict] = {}
        self._cpu_well: dict[str, bool] = {}
        self._need: dict[tuple, float] = {}
        self._read: dict[str, float] = {}
        self._max_decode_eff: float | None = None
        self._resolved: dict[str, dict] = {}
        self._local = dict(local or {})  # workload id -> its verdict on this machine (engine.verdicts)
        self.prune = prune
        self.estimated = 0  # engine.evaluate calls made (the benchmark and tests read these)
        self.reused = 0
        self.pruned = 0

    # -- hardware -----------------------------------------------------------------------------

    def hardware(self, spec, n: int, ram_gib: float | None) -> hardware.Hardware:
        key = (spec.id, n, ram_gib)
        hw = self._hw.get(key)
        if hw is None:
            hw = self._hw[key] = hardware.from_specs([(spec, n)], ram_gib)
        return hw

    # -- estimates ----------------------------------------------------------------------------

    def evaluate(self, workload: dict, spec, n: int, ram_gib: float | None) -> dict:
        """The engine's verdict of ``workload`` on n × ``spec`` with ``ram_gib`` of RAM (the
        hardware's signature: from_specs builds the same machine from the same three)."""
        key = (workload["id"], spec.id, n, ram_gib)
        result = self._results.get(key)
        if result is None:
            self.estimated += 1
            result = self._results[key] = engine.evaluate(self._resolve(workload), self.hardware(spec, n, ram_gib),
                                                          lean=True)
        else:
            self.reused += 1
        return result

    def local(self, workload: dict, hw: hardware.Hardware) -> dict:
        """The verdict on this machine: the one the verdicts already made when handed in."""
        result = self._local.get(workload["id"])
        if result is None:
            self.estimated += 1
            result = self._local[workload["id"]] = engine.evaluate(workload, hw)
        else:
            self.reused += 1
        return result

    def runs_well(self, workloads: list[dict], spec, n: int, ram_gib: float | None) -> list[dict] | None:
        """The verdicts of all ``workloads`` on that hardware, or None as soon as one does not run
        well (the rest are not estimated: the option is dropped either way)."""
        out = []
        for w in workloads:
            if self.prune and self.cannot_hold(w, spec, n):
                self.pruned += 1
                return None
            r = self.evaluate(w, spec, n, ram_gib)
            if r["verdict"] != "runs well":
                return None
            out.append(r)
        return out

    def _resolve(self, workload: dict) -> dict:
        """The workload with its model and quantization looked up once (the engine takes them
        ready-made as ``_model`` and ``_quant``, as for a model read from its own files)."""
        wid = workload["id"]
        if wid not in self._resolved:
            if workload["kind"] != "llm-inference":
                self._resolved[wid] = workload
            else:
                model = workload.get("_model") or catalogue.find_model(workload["model"])
                quant = workload.get("_quant") or catalogue.find_quant(
                    str(workload.get("quant") or catalogue.default_quant(model)))
                self._resolved[wid] = {**workload, "_model": model, "_quant": quant}
        return self._resolved[wid]

    # -- the cheap memory check ---------------------------------------------------------------

    def cannot_hold(self, workload: dict, spec, n: int) -> bool:
        """True only when n × ``spec`` provably cannot run ``workload`` well, without estimating
        it. An LLM runs well on a what-if machine only placed wholly on its GPUs (offload is never
        "runs well") or on its CPU. Wholly on the GPUs is ruled out when their memory is below what
        the model needs on that backend, or when even the best decode efficiency of the fitted table
        at the card's bandwidth stays below the workload's good speed (each token reads the active
        weights and half the KV cache: a bound the estimate can only be slower than). And the CPU is
        ruled out when the generic CPU of every what-if machine cannot run it well with any amount of
        RAM. Unified-memory GPUs share their bandwidth with the CPU and are never pruned; other
        kinds of work are not pruned either (their placement rules differ)."""
        if workload["kind"] != "llm-inference" or spec.unified_memory or not spec.memory_gib:
            return False
        if "_model" not in workload and not workload.get("model"):
            return False
        need = self._gpu_need_mib(workload, spec)
        if need is None:
            return False
        if need <= n * spec.memory_gib * MIB_PER_GIB and not self._too_slow(workload, spec):
            return False
        return not self._cpu_runs_well(workload)

    def _too_slow(self, workload: dict, spec) -> bool:
        bw = spec.memory_bandwidth_gbps
        if not bw:
            return False  # the verdict would be unknown: left to the engine to say so
        wid = workload["id"]
        if wid not in self._read:
            w = self._resolve(workload)
            kv = catalogue.find_kv_cache(str(w.get("kv_cache", "f16")))
            context = int(w.get("context", 4096))
            self._read[wid] = (llm.weights_bytes(w["_model"], w["_quant"]) * llm.active_fraction(w["_model"])
                               + llm.kv_bytes(w["_model"], max(context // 2, 1), kv_bits=float(kv["bits"])))
        if self._max_decode_eff is None:
            effs = [float(r["efficiency"]) for r in speed.table(None).get("efficiency", []) if r["phase"] == "decode"]
            self._max_decode_eff = max(effs) if effs else 0.0
        if self._max_decode_eff <= 0 or self._read[wid] <= 0:
            return False
        best_tokens_per_s = bw * 1e9 * self._max_decode_eff / self._read[wid]
        # the engine rounds the speed to 0.1 token/s before comparing it with the good speed
        return best_tokens_per_s + 0.05 < float(workload.get("good_speed", 10))

    def _gpu_need_mib(self, workload: dict, spec) -> float | None:
        hw = self.hardware(spec, 1, None)
        if not hw.gpus:
            return None
        key = (workload["id"], hw.gpus[0].backend)
        if key not in self._need:
            w = self._resolve(workload)
            kv = catalogue.find_kv_cache(str(w.get("kv_cache", "f16")))
            backend = catalogue.backends()[hw.gpus[0].backend]
            parts = llm.memory(w["_model"], w["_quant"], int(w.get("context", 4096)), backend, float(kv["bits"]))
            self._need[key] = sum(parts.values())
        return self._need[key]

    def _cpu_runs_well(self, workload: dict) -> bool:
        """Whether the generic CPU of a what-if machine runs it well given all the RAM it needs."""
        if workload["id"] not in self._cpu_well:
            cpu_only = hardware.from_specs([], 1 << 20)  # a PiB of RAM: never the reason it fails
            self.estimated += 1
            self._cpu_well[workload["id"]] = engine.evaluate(self._resolve(workload), cpu_only)["verdict"] == "runs well"
        return self._cpu_well[workload["id"]]
