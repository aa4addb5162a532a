"""Rent or buy: what each workload costs here, on a GPU you could buy, and on one you could rent.

Every figure is built from named inputs (``Inputs``) and dated price rows, and every option
carries the arithmetic that produced it, so a user can redo the sum by hand
(docs/costs.md). Prices live in readiness/data/prices_buy.toml and prices_cloud.toml;
``--prices FILE`` overrides and extends them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from readiness import catalog, data
from readiness.errors import ReadinessError


STALE_MONTHS = 6


@dataclass(frozen=True)
class Inputs:
    """The inputs every cost figure names (hours, electricity, amortisation, resale, currency)."""

    hours_per_month: float = 40.0
    electricity_per_kwh: float = 0.17  # USD; EIA US residential average 2025 (data-sources.md)
    amortisation_months: int = 36
    resale_fraction: float = 0.0
    host_watts: float = 100.0  # the rest of the machine while it works (CPU, board, PSU losses)
    gpu_load: float = 0.8  # the share of a GPU's TDP drawn on average while it works
    cpu_watts: float = 65.0  # a CPU working on its own (CPU-only placements)
    host_ram_gib: float = 64.0  # RAM assumed for a machine built around a card you could buy
    currency: str = "USD"
    exchange_rate: float = 1.0  # units of `currency` per USD

    def validate(self) -> None:
        # Values, not flags: the CLI names its options (engines never do; ReadinessError.field says which).
        checks = [(0 < self.hours_per_month <= 744, "hours_per_month", f"hours per month {self.hours_per_month:g} is "
                   "out of range: use more than 0 and at most 744 (a month of hours)"),
                  (0 <= self.electricity_per_kwh <= 5, "electricity_per_kwh", f"electricity price "
                   f"{self.electricity_per_kwh:g} per kWh is out of range: use 0 to 5"),
                  (1 <= self.amortisation_months <= 240, "amortisation_months", f"amortisation over "
                   f"{self.amortisation_months} months is out of range: use 1 to 240"),
                  (0 <= self.resale_fraction < 1, "resale_fraction", f"resale fraction {self.resale_fraction:g} is out "
                   "of range: use 0 to below 1"),
                  (0 <= self.host_watts <= 5000, "host_watts", f"host power {self.host_watts:g} W is out of range: "
                   "use 0 to 5000"),
                  (self.exchange_rate > 0, "exchange_rate", f"exchange rate {self.exchange_rate:g} must be positive")]
        for ok, name, message in checks:
            if not ok:
                raise ReadinessError(message, field=name)


# -- prices ------------------------------------------------------------------------------------

@dataclass
class Prices:
    """The price lists: GPUs and systems to buy, offers to rent, and when they were compiled."""

    buy_gpus: list[dict] = field(default_factory=list)
    systems: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)
    as_of: str | None = None  # when the shipped price lists were compiled (the older of the two)
    psus: list[dict] = field(default_factory=list)  # power supplies, for multi-GPU builds
    providers: list[dict] = field(default_factory=list)  # how providers rent (singly per GPU or by instance)

    def dates(self) -> list[str]:
        return sorted(str(r["date"]) for r in self.buy_gpus + self.systems + self.offers + self.psus)


def foreign(row: dict) -> bool:
    """A purchase row priced in the source's own currency (``currency`` + ``price``, not ``usd``): kept
    as the source states it, and left out of the sums, which are in USD and convert at no rate of ours."""
    return str(row.get("currency", "USD")).upper() != "USD"


def _check_rows(rows: list[dict], kind: str, source: str, pending: frozenset = frozenset()) -> None:
    """``pending``: GPU ids a shipped list may name before the catalogue has them (their rows are skipped)."""
    ids = {s.id for s in catalog.all_gpus()}
    for i, r in enumerate(rows):
        where = f"{source}: {kind} #{i + 1}" + (f" ({r.get('gpu') or r.get('id') or r.get('accelerator')})")
        for key in ("source", "date"):
            if not r.get(key):
                raise ReadinessError(f"{where}: key {key!r} is missing")
        try:
            date.fromisoformat(str(r["date"]))
        except ValueError as e:
            raise ReadinessError(f"{where}: key 'date' is not an ISO date: {r['date']!r}") from e
        if kind == "provider":
            continue
        price_key = "usd_per_gpu_hour" if kind == "offer" else "price" if foreign(r) else "usd"
        if price_key == "price" and (len(str(r["currency"])) != 3 or "usd" in r):
            raise ReadinessError(f"{where}: key 'currency' must be a 3-letter code, with the amount in 'price' "
                                 "(not 'usd')")
        if r.get("cards") is not None and (not isinstance(r["cards"], int) or isinstance(r["cards"], bool)
                                           or r["cards"] < 2):
            raise ReadinessError(f"{where}: key 'cards' (cards sold together at 'usd') must be a whole number of 2 "
                                 "or more")
        price = r.get(price_key)
        if not isinstance(price, (int, float)) or isinstance(price, bool) or price <= 0:
            raise ReadinessError(f"{where}: key {price_key!r} must be a positive number")
        if kind == "offer" and price > 200 or kind != "offer" and price > 500_000:
            raise ReadinessError(f"{where}: key {price_key!r} = {price} is not a believable price")
        if r.get("gpu") is not None and r["gpu"] not in ids and r["gpu"] not in pending:
            raise ReadinessError(f"{where}: key 'gpu' = {r['gpu']!r} is not a GPU catalogue id")
        if r.get("condition", "new") not in ("new", "used", "refurbished"):
            raise ReadinessError(f"{where}: key 'condition' must be new, used or refurbished")




def load_prices(extra: tuple[str, ...] = ()) -> Prices:
    """The shipped prices, then each --prices file: a row with the same key replaces the shipped one
    (a GPU by id and kind, a system by id, an offer by provider, GPU and instance)."""
    buy = data.load("prices_buy")
    cloud = data.load("prices_cloud")
    used = data.load("prices_used")
    snapshots = sorted(str(d["as_of"]) for d in (buy, cloud, used) if d.get("as_of"))
    ids = {s.id for s in catalog.all_gpus()}
    # prices_used.toml may name GPUs another change adds to the catalogue; until then they are left out.
    used_rows = [r for r in used.get("gpu", []) if r["gpu"] in ids and not foreign(r)]
    systems = [r for r in list(buy.get("system", [])) + list(used.get("system", [])) if not foreign(r)]
    prices = Prices([r for r in buy.get("gpu", []) if not foreign(r)] + used_rows, systems,
                    list(cloud.get("offer", [])), snapshots[0] if snapshots else None,
                    list(buy.get("psu", [])), list(cloud.get("provider", [])))
    for path in extra:
        doc = data.load_user_file(path)
        known = {"gpu", "system", "offer", "psu", "provider", "version", "currency", "as_of"}
        unknown = set(doc) - known
        if unknown:
            raise ReadinessError(f"{path}: unknown table {sorted(unknown)[0]!r} (use [[gpu]], [[system]], [[offer]], "
                                 "[[psu]], [[provider]])")
        for table, attr, key in (("gpu", "buy_gpus", lambda r: (r.get("gpu"), r.get("kind"), r.get("condition"),
                                                                r.get("cards"))),
                                 ("psu", "psus", lambda r: r.get("watts")),
                                 ("provider", "providers", lambda r: r.get("provider")),
                                 ("system", "systems", lambda r: r.get("id")),
                                 ("offer", "offers", lambda r: (r.get("provider"), r.get("gpu") or r.get("accelerator"),
                                                                r.get("instance")))):
            rows = doc.get(table, [])
            _check_rows(rows, table, str(path))
            rows = [r for r in rows if not foreign(r)]
            current = getattr(prices, attr)
            replaced = {key(r) for r in rows}
            setattr(prices, attr, [r for r in current if key(r) not in replaced] + rows)
    return prices


def age_months(oldest: str, today: date | None = None) -> float:
    today = today or date.today()
    d = date.fromisoformat(oldest)
    return (today - d).days / 30.44


# -- the maths (pure) -------------------------------------------------------------------------

def watts(tdp_w: float | None, inputs: Inputs, cpu_only: bool = False) -> float:
    """Average power while working: GPU TDP × load + the host, or a CPU and its host."""
    if cpu_only or not tdp_w:
        return inputs.cpu_watts + inputs.host_watts
    return tdp_w * inputs.gpu_load + inputs.host_watts


def electricity_per_hour(w: float, inputs: Inputs) -> float:
    return w / 1000 * inputs.electricity_per_kwh


def amortisation_per_month(upfront: float, inputs: Inputs) -> float:
    return upfront * (1 - inputs.resale_fraction) / inputs.amortisation_months


def break_even_hours(upfront: float, rent_per_hour: float, own_per_hour: float, inputs: Inputs) -> float | None:
    """Hours a month above which owning is cheaper than renting: A / (r - e). None if renting an
    hour never costs more than running your own (then buying never pays off)."""
    margin = rent_per_hour - own_per_hour
    if margin <= 0:
        return None
    return amortisation_per_month(upfront, inputs) / margin


def unit_cost(per_hour: float, speed: dict | None, kind: str) -> tuple[float | None, str | None]:
    """Cost per unit of work from a cost per hour and a workload's speed."""
    if not speed or not speed.get("value"):
        return None, None
    v, unit = float(speed["value"]), speed.get("unit")
    if kind == "llm-inference":  # tokens/s → per 1M tokens
        return per_hour * 1e6 / (v * 3600), "per 1M tokens"
    if unit == "images/min":
        return per_hour / (v * 60), "per image"
    if unit == "× real time":
        return per_hour / v, "per hour of audio"
    if unit == "sentences/s":
        return per_hour * 1e6 / (v * 3600), "per 1M sentences"
    if unit == "hours":
        return per_hour * v, "per run"
    return None, None


def to_dict(obj: Any) -> Any:
    return asdict(obj) if hasattr(obj, "__dataclass_fields__") else obj
