"""Turning option values into engine inputs, with errors that name the flags (the engines speak of values)."""

from __future__ import annotations

from readiness.errors import ReadinessError


def inputs(hours_per_month, electricity, amortisation_months, resale, host_watts, currency, exchange_rate):
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
    except ReadinessError as e:  # the engine speaks of values; name the option here
        flags = {"hours per": "--hours-per-month", "electricity": "--electricity", "amortisation": "--amortisation-months",
                 "resale": "--resale", "host power": "--host-watts", "exchange rate": "--exchange-rate"}
        flag = next((f for words, f in flags.items() if e.message.startswith(words)), None)
        raise ReadinessError(f"{flag}: {e.message}" if flag else e.message, hint=e.hint) from None
    return inputs
