"""Prices an expert would trust and honest sums: used and street rows with a source and date, multi-GPU
builds with their PSU, multi-GPU pods, stale offers flagged, and the cost per unit of work =
(amortisation at the planned hours + electricity) / work done, with the break-even and the verdict in
agreement. The worked examples are computed by hand in the comments (logic inputs)."""

from datetime import date

import pytest

from readiness import catalog, costs, data
from readiness.costs import Inputs, Prices, advisor
from readiness.errors import ReadinessError
from readiness.report import money

I = Inputs()  # 40 h/month, 0.17 USD/kWh, 36 months, no resale, 100 W host, 0.8 GPU load
PENDING = {"tesla-p40", "instinct-mi50", "instinct-mi60"}  # ids another change adds to the catalogue


def workload(wid):
    return next(w for w in data.rows("workloads", "workload") if w["id"] == wid)


def test_used_price_rows_are_sourced_dated_and_marked():
    doc = data.load("prices_used")
    costs._check_rows(doc["gpu"], "gpu", "prices_used", frozenset(PENDING))
    costs._check_rows(doc["system"], "system", "prices_used", frozenset(PENDING))
    ids = {s.id for s in catalog.all_gpus()}
    used = {r["gpu"] for r in doc["gpu"] if r["condition"] == "used"}
    assert {"rtx-3090", "rtx-3090-ti", "rtx-4090", "rtx-a6000", "tesla-p40"} <= used
    for r in doc["gpu"] + doc["system"]:
        assert r["source"].startswith("https://") and date.fromisoformat(str(r["date"]))
        amount = "price" if costs.foreign(r) else "usd"  # a row in the source's own currency keeps it as stated
        assert r.get(f"{amount}_low", 0) <= r[amount]  # a range keeps its upper end in usd (or price)
        assert r["gpu"] in ids or r["gpu"] in PENDING
    assert any(s["condition"] == "used" and s["gpu"].startswith("apple-m2-ultra") for s in doc["system"])
    assert {"instinct-mi50-32gb", "rx-7900-xtx"} <= {r["gpu"] for r in doc["gpu"] if not costs.foreign(r)}
    assert any(s["gpu"].startswith("apple-m1-ultra") for s in doc["system"])


def test_a_row_in_another_currency_is_kept_as_stated_and_left_out_of_the_sums():
    doc = data.load("prices_used")
    eur = [r for r in doc["gpu"] if r.get("currency") == "EUR"]
    assert eur and all("usd" not in r and r["price"] > 0 for r in eur)
    loaded = costs.load_prices()
    assert not any(costs.foreign(r) for r in loaded.buy_gpus + loaded.systems)
    assert not any(r["gpu"] == "instinct-mi50" for r in loaded.buy_gpus)  # its only row is in EUR
    bad = {**ROW_3090, "currency": "EUR", "price": 110}  # both an amount in EUR and one in USD: which is it?
    with pytest.raises(ReadinessError, match="currency"):
        costs._check_rows([bad], "gpu", "logic")


def test_a_lot_of_cards_is_one_build_at_the_stated_price_by_hand():
    # Logic input: 8 cards for 880 USD together. 8 × 300 W + 100 W host = 2,500 W × 1.2 = 3,000 W -> two
    # 1500 W PSUs at 380 = 760; upfront 880 + 760 = 1,640 (never 8 × 880, never 880 ÷ 8 per card).
    lot = {"gpu": "instinct-mi50-32gb", "kind": "used", "condition": "used", "cards": 8, "usd": 880,
           "source": "logic", "date": "2026-11-01"}
    r = advisor.advise([workload("chat-llama-3.1-70b")], _prices(buy_gpus=[lot]), I, today=TODAY, all_options=True)
    builds = [o for o in r["options"] if o["kind"] == "buy"]
    assert [o["gpus"] for o in builds] == [8]  # no 1×, 2× or 4× made up from a lot's price
    assert builds[0]["upfront_usd"] == 1640 and builds[0]["psu"]["count"] == 2
    text = "\n".join(money.option_lines(builds[0], r))
    assert "price 880 USD for 8 cards together" in text and "= 1,640 USD" in text
    with pytest.raises(ReadinessError, match="cards"):
        costs._check_rows([{**lot, "cards": 1}], "gpu", "logic")


def test_a_row_for_a_gpu_not_yet_in_the_catalogue_is_left_out_until_it_is(monkeypatch):
    assert not any(r["gpu"] == "tesla-p40" for r in costs.load_prices().buy_gpus) or \
        any(s.id == "tesla-p40" for s in catalog.all_gpus())
    extra = catalog._spec(data.load_user_file("tests/fixtures/prices/catalogue-tesla-p40.toml")["gpu"][0])
    shipped = catalog.all_gpus()
    monkeypatch.setattr(catalog, "all_gpus", lambda: (*shipped, extra))
    rows = [r for r in costs.load_prices().buy_gpus if r["gpu"] == "tesla-p40"]
    assert rows and rows[0]["condition"] == "used" and rows[0]["usd"] == 330


ROW_3090 = {"gpu": "rtx-3090", "kind": "used", "condition": "used", "usd": 750, "source": "logic", "date": "2026-11-01"}
PSU = {"watts": 1500, "usd": 380, "source": "logic", "date": "2026-11-01"}
OFFER_H100 = {"provider": "mycloud", "gpu": "h100-sxm5", "instance": "one", "gpus_per_instance": 1,
              "usd_per_gpu_hour": 2.0, "source": "logic", "date": "2026-11-01"}
TODAY = date(2026, 12, 2)


def _prices(**kw):
    base = dict(buy_gpus=[ROW_3090], systems=[], offers=[OFFER_H100], as_of="2026-11-01", psus=[PSU], providers=[])
    return Prices(**{**base, **kw})


def test_a_two_card_build_by_hand():
    result = advisor.advise([workload("chat-llama-3.1-70b")], _prices(), I, today=TODAY)
    build = next(o for o in result["options"] if o["kind"] == "buy" and o["gpus"] == 2)
    # 2 × 750 + one 1500 W PSU (2 × 350 W + 100 W host = 800 W, × 1.2 headroom = 960 W ≤ 1500) = 1,880
    assert build["upfront_usd"] == 1880 and build["psu"]["count"] == 1
    # amortisation 1,880 / 36 = 52.2222 a month
    assert build["amortisation_monthly_usd"] == pytest.approx(52.22, abs=0.01)
    # power 2 × 350 × 0.8 + 100 = 660 W → 0.66 kWh × 0.17 = 0.1122 an hour
    assert build["watts"] == 660 and build["electricity_hourly_usd"] == pytest.approx(0.1122)
    # an hour of use, all in: 52.2222 / 40 + 0.1122 = 1.4178
    assert build["hourly_usd"] == pytest.approx(1.4178, abs=1e-4)
    # per 1M tokens: 1.4178 × 1e6 / (speed × 3600)
    s = build["speed"]["value"]
    assert build["usd_per_million_tokens"] == pytest.approx(1.417756 * 1e6 / (s * 3600), rel=1e-3)
    # a single 24 GB card cannot hold the 70B model at Q4_K_M: only the build is offered
    assert all(o["gpus"] >= 2 for o in result["options"] if o["kind"] == "buy")


def test_break_even_per_unit_of_work_by_hand():
    # buy: amortisation 52.2222/month, electricity 0.1122/h, 20 tokens/s; rent: 2.00/h at 40 tokens/s.
    # Per unit the rental does twice the work an hour, so it is worth 2.00 × 20/40 = 1.00 an hour of the
    # purchase's work: break-even = 52.2222 / (1.00 − 0.1122) = 58.82 hours a month.
    buy = {"speed": {"value": 20, "unit": "tokens/s"}, "electricity_hourly_usd": 0.1122,
           "amortisation_monthly_usd": 52.2222}
    rent = {"speed": {"value": 40, "unit": "tokens/s"}, "hourly_usd": 2.0}
    h, ratio = advisor.break_even(buy, rent, I)
    assert ratio == 0.5 and h == pytest.approx(58.822, abs=0.01)
    # at the break-even both cost the same per 1M tokens: (52.2222/58.822 + 0.1122) / (20 × 3600) × 1e6 = 13.889
    buy_at_h = (52.2222 / h + 0.1122) * 1e6 / (20 * 3600)
    assert buy_at_h == pytest.approx(2.0 * 1e6 / (40 * 3600), rel=1e-4)
    # a rental that costs less per unit than the purchase's electricity alone: buying never pays off
    assert advisor.break_even(buy, {**rent, "hourly_usd": 0.2}, I)[0] is None


@pytest.mark.parametrize("hours", [10, 40, 200, 700])
def test_verdict_per_unit_cost_and_break_even_agree(hours):
    inputs = Inputs(hours_per_month=hours)
    r = advisor.advise([workload("chat-llama-3.1-70b")], _prices(), inputs, today=TODAY)
    buy = next(o for o in r["options"] if o["id"] == r["best_buy"])
    rent = next(o for o in r["options"] if o["id"] == r["best_rent"])
    cheaper = "buy" if buy["usd_per_million_tokens"] < rent["usd_per_million_tokens"] else "rent"
    assert r["verdict"] == cheaper
    h = r["break_even_hours_per_month"]
    if h is not None:
        assert (hours > h) == (cheaper == "buy")
        assert f"{h:.0f} hours a month" in r["why"]


def test_the_sums_shown_add_up():
    r = advisor.advise([workload("chat-llama-3.1-70b")], _prices(), I, today=TODAY)
    build = next(o for o in r["options"] if o["kind"] == "buy")
    lines = advisor.explain(build, r["inputs"], r["offers"])
    text = "\n".join(lines)
    assert "price 2 × 750 USD" in text and "+ 1 × 1500 W PSU at 380 USD" in text and "= 1,880 USD" in text
    assert "1,880 × (1 − 0 resale) ÷ 36 months = 52.22 USD/month" in text
    assert "52.22 ÷ 40 h + 0.1122 = 1.4178 USD/h" in text
    assert f"= {build['usd_per_million_tokens']:.4f} USD per 1M tokens" in text


def test_multi_gpu_pods_where_a_provider_rents_per_gpu():
    offer = {**OFFER_H100, "provider": "podco", "gpu": "rtx-4090", "usd_per_gpu_hour": 0.5}
    provider = {"provider": "podco", "rents_per_gpu": True, "source": "logic", "date": "2026-11-01"}
    r = advisor.advise([workload("chat-llama-3.1-70b")], _prices(offers=[offer], providers=[provider]), I,
                       today=TODAY, all_options=True)
    pods = {o["gpus"]: o for o in r["options"] if o["kind"] == "rent"}
    assert set(pods) == {2, 4, 8}  # one 24 GB card can't hold it; 2, 4 and 8 can
    assert pods[2]["hourly_usd"] == pytest.approx(1.0) and pods[8]["hourly_usd"] == pytest.approx(4.0)
    none = advisor.advise([workload("chat-llama-3.1-70b")], _prices(offers=[offer]), I, today=TODAY)
    assert not [o for o in none["options"] if o["kind"] == "rent"]  # sold by instance: no pods made up


def test_stale_offers_are_flagged_in_the_output():
    old = {**ROW_3090, "date": "2025-01-01"}
    r = advisor.advise([workload("chat-llama-3.1-70b")], _prices(buy_gpus=[old]), I, today=TODAY)
    build = next(o for o in r["options"] if o["kind"] == "buy")
    assert r["offers"][build["offer"]]["stale"] is True
    assert "WARNING: older than 6 months" in "\n".join(money.option_lines(build, r))
    fresh = advisor.advise([workload("chat-llama-3.1-70b")], _prices(), I, today=TODAY)
    assert not any(o["stale"] for o in fresh["offers"].values())


def test_budget_2000_for_a_70b_model_offers_two_used_3090s(run):
    import json

    out = json.loads(run("advise", "--model", "llama-3.1-70b", "--budget", "2000", "--json").stdout)
    buys = [o for o in out["options"] if o["kind"] == "buy"]
    assert buys and all(o["upfront_usd"] <= 2000 for o in buys)
    pick = next(o for o in buys if o["name"] == "2× NVIDIA GeForce RTX 3090 (used)")
    assert out["offers"][pick["offer"]]["condition"] == "used" and pick["speed"]["value"] >= 10
