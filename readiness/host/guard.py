"""The one guarded query function for vendor libraries (NVML, amdsmi)."""

from __future__ import annotations

from typing import Any, Callable


class Guard:
    """One guarded query function for a vendor library (NVML, amdsmi): every call goes through
    ``q``, which returns {"v": value} or {"err": code, "reason": words} and never raises, so a
    failing metric is a reason and the GPU stays listed."""

    def __init__(self, lib, error_type: type, to_error: Callable[[Exception], dict], label: str,
                 convert: Callable[[Any], Any] = lambda x: x):
        self.lib, self.error_type, self.to_error, self.label, self.convert = lib, error_type, to_error, label, convert

    def q(self, fn_name: str, *args: Any, convert: Callable[[Any], Any] | None = None) -> dict:
        fn = getattr(self.lib, fn_name, None)
        if fn is None:
            return {"err": "function_not_found", "reason": f"{fn_name} is not in this {self.label}"}
        try:
            return {"v": (convert or self.convert)(fn(*args))}
        except self.error_type as e:
            return self.to_error(e)
        except Exception as e:  # noqa: BLE001 - a binding bug in one metric must not lose the GPU
            return {"err": "exception", "reason": f"{fn_name}: {type(e).__name__}: {e}"}
