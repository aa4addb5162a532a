"""Battery and AC power: a laptop on battery throttles its GPU and CPU."""

from __future__ import annotations

from readiness.probes.base import Result

NAME = "power"


def collect(host) -> dict:
    return {"battery": host.call("psutil.battery")}


def parse(raw: dict) -> Result:
    battery = raw["battery"]
    if not battery.ok:
        return Result({"power": {"has_battery": False if battery.status == "absent" and "gave nothing" in (
            battery.reason or "") else None, "battery_percent": None, "on_battery": None}},
            "absent", "no battery" if "gave nothing" in (battery.reason or "") else battery.reason)
    b = battery.value
    plugged = b.get("power_plugged")
    return Result({"power": {"has_battery": True, "battery_percent": b.get("percent"),
                             "on_battery": None if plugged is None else not plugged}})
