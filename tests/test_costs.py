"""Rent or buy: the maths on worked examples computed by hand, and the price files validated."""

import json
from datetime import date

import pytest

from readiness import catalog, costs, data
from readiness.catalog import names
from readiness.costs import Inputs, advisor
from readiness.errors import ReadinessError

I = Inputs()  # the defaults: 40 h/month, 0.17/kWh, 36 months, no resale, 100 W host, 0.8 GPU load


def test_power_and_electricity_by_hand():
    # RTX 4090: 450 W × 0.8 + 100 W = 460 W; 0.46 kWh × 0.17 = 0.0782 per hour.
    assert costs.watts(450, I) == 460
    assert costs.electricity_per_hour(460, I) == pytest.approx(0.0782)
    # CPU only: 65 W + 100 W = 165 W.
    assert costs.watts(None, I, cpu_only=True) == 165


def test_amortisation_and_break_even_by_hand():
    # A 1,599 card over 36 months: 44.4167/month. Renting at 0.74/h against 0.0782/h of power:
    # break-even = 44.4167 / (0.74 - 0.0782) = 67.11 hours a month.
    assert costs.amortisation_per_month(1599, I) == pytest.approx(44.41667, rel=1e-5)
    assert costs.break_even_hours(1599, 0.74, 0.0782, I) == pytest.approx(67.114, rel=1e-3)
    with_resale = Inputs(resale_fraction=0.25)
    assert costs.amortisation_per_month(1599, with_resale) == pytest.approx(1599 * 0.75 / 36)
    # renting cheaper per hour than the electricity of owning: buying never pays off
    assert costs.break_even_hours(1599, 0.05, 0.0782, I) is None


def test_unit_costs_by_hand():
    # 4.29/h at 30 tokens/s: 1M tokens take 33,333 s = 9.259 h → 39.72 per 1M tokens.
    cost, unit = costs.unit_cost(4.29, {"value": 30, "unit": "tokens/s"}, "llm-inference")
    assert unit == "per 1M tokens" and cost == pytest.approx(39.722, rel=1e-4)
    # 2 images/min at 1.20/h: 120 images an hour → 0.01 per image.
    assert costs.unit_cost(1.2, {"value": 2, "unit": "images/min"}, "image-generation") == pytest.approx((0.01, "per image"))
    # Whisper at 10× real time for 0.50/h: 0.05 per hour of audio.
    assert costs.unit_cost(0.5, {"value": 10, "unit": "× real time"}, "speech")[0] == pytest.approx(0.05)
    # A 12-hour fine-tuning run at 2.00/h: 24 per run.
    assert costs.unit_cost(2.0, {"value": 12, "unit": "hours"}, "fine-tuning") == (24.0, "per run")


def test_inputs_are_validated():
    for bad in (Inputs(hours_per_month=0), Inputs(resale_fraction=1.0), Inputs(amortisation_months=0),
                Inputs(exchange_rate=0)):
        with pytest.raises(ReadinessError):
            bad.validate()


# -- price files --------------------------------------------------------------------------------

def test_price_files_have_a_date_and_source_on_every_row_and_believable_prices():
    buy, cloud = data.load("prices_buy"), data.load("prices_cloud")
    ids = {s.id for s in catalog.all_gpus()}
    for kind, rows in (("gpu", buy.get("gpu", [])), ("system", buy.get("system", [])), ("offer", cloud["offer"])):
        costs._check_rows(rows, kind, "shipped")  # raises on a missing date/source or an absurd price
        for r in rows:
            assert r.get("gpu") is None or r["gpu"] in ids
    assert len(buy["gpu"]) >= 15 and len(cloud["offer"]) >= 30
    assert any(o.get("needs") for o in cloud["offer"])  # TPU / Trainium offers are marked
    for r in buy["gpu"]:
        assert 50 <= r["usd"] <= 100_000
    for o in cloud["offer"]:
        assert 0.01 <= o["usd_per_gpu_hour"] <= 100
        if o.get("spot_usd_per_gpu_hour"):
            assert o["spot_usd_per_gpu_hour"] <= o["usd_per_gpu_hour"] * 1.5


@pytest.mark.parametrize("body, words", [
    ('[[offer]]\nprovider = "x"\ngpu = "rtx-4090"\nusd_per_gpu_hour = -1\nsource = "s"\ndate = "2026-01-01"\n',
     "must be a positive number"),
    ('[[offer]]\nprovider = "x"\ngpu = "rtx-4090"\nusd_per_gpu_hour = 1\nsource = "s"\n', "key 'date' is missing"),
    ('[[gpu]]\ngpu = "voodoo-2"\nkind = "msrp"\nusd = 300\nsource = "s"\ndate = "2026-01-01"\n', "not a GPU catalogue id"),
    ('[[offer]]\nprovider = "x"\ngpu = "h100-sxm5"\nusd_per_gpu_hour = 9999\nsource = "s"\ndate = "2026-01-01"\n',
     "not a believable price"),
    ('[[shop]]\nx = 1\n', "unknown table"),
])
def test_bad_price_files_are_rejected(tmp_path, body, words):
    f = tmp_path / "mine.toml"
    f.write_text(body)
    with pytest.raises(ReadinessError) as e:
        costs.load_prices((str(f),))
    assert words in e.value.message and "mine.toml" in e.value.message


def test_a_price_file_overrides_a_shipped_row(tmp_path):
    f = tmp_path / "quote.toml"
    f.write_text('[[offer]]\nprovider = "mycloud"\ngpu = "rtx-4090"\ninstance = "box"\nusd_per_gpu_hour = 0.05\n'
                 'source = "our quote"\ndate = "2026-11-01"\n')
    prices = costs.load_prices((str(f),))
    w = next(w for w in data.rows("workloads", "workload") if w["id"] == "chat-llama-3.1-8b")
    result = advisor.advise([w], prices, I)
    best = next(o for o in result["options"] if o["id"] == result["best_rent"])
    assert (best["name"], best["provider"]) == ("NVIDIA GeForce RTX 4090", "mycloud")


def test_stale_prices_are_flagged():
    prices = costs.load_prices()
    w = next(w for w in data.rows("workloads", "workload") if w["id"] == "chat-llama-3.1-8b")
    later = date.fromisoformat(prices.as_of).replace(year=date.fromisoformat(prices.as_of).year + 1)
    assert advisor.advise([w], prices, I, today=later)["prices_as_of"]["stale"] is True
    assert advisor.advise([w], prices, I, today=date.fromisoformat(prices.as_of))["prices_as_of"]["stale"] is False


# -- the advisor --------------------------------------------------------------------------------

def workload(wid):
    return next(w for w in data.rows("workloads", "workload") if w["id"] == wid)


def test_verdict_follows_the_break_even():
    prices = costs.load_prices()
    w = workload("chat-llama-3.1-70b")
    few = advisor.advise([w], prices, Inputs(hours_per_month=5))
    many = advisor.advise([w], prices, Inputs(hours_per_month=700))
    h = few["break_even_hours_per_month"]
    if h is not None:
        assert few["verdict"] == "rent" and f"renting is cheaper below {h:.0f} hours a month" in few["why"]
        assert many["verdict"] == "buy" if h <= 700 else many["verdict"] == "rent"
    buy = next(o for o in few["options"] if o["kind"] == "buy")
    # an hour of use, all in = amortisation spread over the 5 planned hours + that hour's electricity
    assert buy["hourly_usd"] == pytest.approx(buy["amortisation_monthly_usd"] / 5 + buy["electricity_hourly_usd"], abs=1e-3)


def test_local_machine_that_runs_it_well_says_use_what_you_have():
    from readiness.workloads import hardware

    hw = hardware.from_specs([names.parse_gpu_arg("RTX 4090")], 64)
    result = advisor.advise([workload("chat-llama-3.1-8b")], costs.load_prices(), I, local_hw=hw)
    local = result["options"][0]
    assert result["verdict"] == "local" and local["kind"] == "local" and local["upfront_usd"] == 0
    assert local["hourly_usd"] == pytest.approx(0.0782, abs=1e-4)  # 450 W × 0.8 + 100 W at 0.17
    assert local["usd_per_million_tokens"] == pytest.approx(0.0782 * 1e6 / (local["speed"]["value"] * 3600), rel=1e-3)


def test_budget_limits_the_purchases():
    result = advisor.advise([workload("chat-llama-3.1-8b")], costs.load_prices(), I, budget=700)
    assert all(o["upfront_usd"] <= 700 for o in result["options"] if o["kind"] == "buy")


def test_currency_is_converted_and_stated(run):
    r = run("advise", "--workload", "chat-llama-3.1-8b", "--currency", "EUR", "--exchange-rate", "0.9", "--json")
    out = json.loads(r.stdout)
    # the engine stays in USD and states the display currency once; the renderer converts
    assert out["inputs"]["currency"] == "EUR" and out["inputs"]["exchange_rate"] == 0.9
    o = next(o for o in out["options"] if o["kind"] == "rent")
    assert "hourly" not in o and "currency" not in out
    shown = run("advise", "--workload", "chat-llama-3.1-8b", "--currency", "EUR", "--exchange-rate", "0.9").stdout
    assert f"{o['hourly_usd'] * 0.9:,.4f} EUR per hour of use" in shown


def test_advise_json_fields(run):
    r = run("advise", "--model", "llama-3.1-70b", "--quant", "Q4_K_M", "--hours-per-month", "60", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["verdict"] in ("local", "buy", "rent")
    for o in out["options"]:
        for key in ("id", "kind", "name", "upfront_usd", "hourly_usd", "speed", "memory_required_mib",
                    "usd_per_million_tokens"):
            assert key in o
        # one name per quantity: no twins in other units or other words
        assert not {"upfront", "hourly", "monthly", "unit_cost_usd", "decode_tokens_per_s", "inputs"} & set(o)
    assert out["inputs"]["hours_per_month"] == 60


@pytest.mark.parametrize("args, words", [
    (["--workload", "no-such"], "unknown workload"),
    ([], "at least one --workload"),
    (["--workload", "image-sdxl", "--currency", "EUR"], "needs --exchange-rate"),
    (["--workload", "image-sdxl", "--hours-per-month", "0"], "--hours-per-month"),
    (["--workload", "image-sdxl", "--budget", "-5"], "--budget"),
])
def test_advise_bad_input_is_exit_2(run, args, words):
    r = run("advise", *args)
    assert r.exit_code == 2 and words in r.stderr


def test_check_json_has_costs(run):
    from conftest import validate_report

    judged = validate_report(json.loads(run("check", "--json", "--no-torch").stdout))["judgments"]
    entries = judged["costs"]["workloads"]
    assert entries and all(c["verdict"] in ("local", "buy", "rent", None) for c in entries)
    assert all(o.get("offer") in judged["costs"]["offers"] for c in entries for o in c["options"] if o["kind"] != "local")
    assert run("check", "--json", "--no-torch", "--no-costs").exit_code == 0
