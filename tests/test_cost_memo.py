"""The cost engine's per-run memo and its pruning (issue 18): the same answers as estimating every
option from scratch, and the pruned options are never ones that run well."""

from datetime import date

import pytest

from readiness import catalog, costs, pipeline
from readiness.costs import Inputs, advisor
from readiness.costs.estimates import Estimates
from readiness.workloads import catalogue, engine, hardware

TODAY = date(2026, 1, 1)


class FromScratch(Estimates):
    """The reference: every option estimated afresh, nothing remembered, nothing pruned."""

    def __init__(self):
        super().__init__(prune=False)

    def evaluate(self, workload, spec, n, ram_gib):
        self.estimated += 1
        return engine.evaluate(workload, hardware.from_specs([(spec, n)], ram_gib))

    def local(self, workload, hw):
        self.estimated += 1
        return engine.evaluate(workload, hw)


@pytest.fixture(scope="module")
def prices():
    return costs.load_prices()


def _workloads():
    return list(catalogue.builtin_workloads())


def _some(ids):
    by_id = {w["id"]: w for w in _workloads()}
    return [by_id[i] for i in ids if i in by_id]


def test_memo_gives_the_same_costs_as_estimating_everything(prices):
    ws = [w for w in _workloads() if w.get("headline")]
    local_hw = hardware.from_specs([(next(s for s in catalog.all_gpus() if s.id == "rtx-4090"), 1)], 64)
    memo = Estimates()
    ref = FromScratch()
    got = advisor.advise_each(ws, prices, Inputs(), local_hw, today=TODAY, all_options=True, memo=memo)
    want = advisor.advise_each(ws, prices, Inputs(), local_hw, today=TODAY, all_options=True, memo=ref)
    assert got == want
    # it did remember: fewer estimates than the reference made
    assert memo.reused > 0 and memo.estimated < ref.estimated


@pytest.mark.parametrize("ids", [["chat-llama-3.1-8b"], ["chat-llama-3.1-70b"], ["chat-llama-3.1-405b"],
                                 ["chat-llama-3.1-8b", "chat-llama-3.1-70b"]])
def test_pruning_never_removes_the_winner(prices, ids):
    ws = _some(ids) or _workloads()[:2]
    for budget in (None, 5000.0):
        pruned = advisor.advise(ws, prices, Inputs(), budget=budget, today=TODAY, all_options=True,
                                memo=Estimates(prune=True))
        full = advisor.advise(ws, prices, Inputs(), budget=budget, today=TODAY, all_options=True, memo=FromScratch())
        assert pruned == full
        assert (pruned["best_buy"], pruned["best_rent"], pruned["verdict"]) == (
            full["best_buy"], full["best_rent"], full["verdict"])


def test_the_memory_check_only_prunes_what_cannot_run_well():
    """Every catalogue GPU, at 1, 2 and 4 cards, for every LLM workload: where the check says
    "cannot hold", the engine agrees that it does not run well."""
    memo = Estimates()
    pruned = 0
    for w in (w for w in _workloads() if w["kind"] == "llm-inference"):
        for spec in catalog.all_gpus():
            for n in (1, 2, 4):
                if memo.cannot_hold(w, spec, n):
                    pruned += 1
                    verdict = engine.evaluate(w, hardware.from_specs([(spec, n)], 64))["verdict"]
                    assert verdict != "runs well", (w["id"], spec.id, n)
    assert pruned > 0  # the check is not vacuous on the shipped catalogue


def test_unified_memory_and_other_work_are_never_pruned():
    memo = Estimates()
    unified = [s for s in catalog.all_gpus() if s.unified_memory]
    big = max((w for w in _workloads() if w["kind"] == "llm-inference"),
              key=lambda w: catalogue.find_model(w["model"])["params_b"])
    assert unified and not any(memo.cannot_hold(big, s, 1) for s in unified)
    other = [w for w in _workloads() if w["kind"] != "llm-inference"]
    smallest = min((s for s in catalog.all_gpus() if s.memory_gib and not s.unified_memory),
                   key=lambda s: s.memory_gib)
    assert other and not any(memo.cannot_hold(w, smallest, 1) for w in other)


def test_the_check_reuses_its_verdicts_for_this_machine(prices):
    """Costs in a check use the verdicts already made on this machine: the local option says what
    the verdicts say, and equals the option estimated afresh."""
    facts = {"gpus": [], "memory": {"total_mib": 32768, "available_mib": 30000},
             "cpu": {"model": "AMD Ryzen 9 7950X", "physical_cores": 16, "logical_cpus": 32, "max_mhz": 5700,
                     "flags": ["avx2", "fma"]}}
    ws = _some(["chat-llama-3.1-8b", "chat-llama-3.1-70b"]) or _workloads()[:2]
    options = pipeline.CheckOptions(workloads=ws, rules=[], all_workloads=True, prices=prices, cost_inputs=Inputs())
    verdicts = engine.verdicts(facts, ws, headline_only=False)
    got = pipeline.costs_for(facts, verdicts, options)
    want = advisor.advise_each(ws, prices, Inputs(), hardware.from_facts(facts), memo=FromScratch())
    assert got == want
    for entry, v in zip(got["workloads"], verdicts):
        assert entry["options"][0]["verdicts"] == [v["verdict"]]
