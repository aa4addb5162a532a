"""The value checks for a user's workloads file: every key a workload of its kind needs, each of
the right type and range, so that a bad file is one ``error:`` line naming the file, the workload
and the key (never a ZeroDivisionError half-way through a check)."""

from __future__ import annotations

import math

from readiness.errors import ReadinessError

# Keys with a default in the engine (a user workload may leave them out).
_DEFAULTED = {"quant", "context", "good_speed", "headline", "date", "perspective", "activation_mib", "batch_size", "bits",
              "dataset_tokens", "epochs", "gradient_checkpointing", "method", "seq_len", "speed_unit"}
# Keys that are text or flags, whatever the kind.
_TEXT = {"id", "kind", "name", "source", "date", "model", "quant", "method", "speed_unit"}
_FLAGS = {"headline", "gradient_checkpointing", "perspective"}
# Whole numbers (at least 1).
_COUNTS = {"context", "bits", "steps", "evals_per_step", "batch_size", "seq_len", "epochs", "dataset_tokens",
           "tokens_per_item", "audio_seconds_per_item"}


def _required_by_kind(builtin: list[dict]) -> dict[str, set[str]]:
    """What every builtin workload of a kind has is what a user's workload of that kind needs.
    (``builtin`` is handed in by the catalogue, which imports this module.)"""
    keys: dict[str, set[str]] = {}
    for w in builtin:
        present = set(w) - _DEFAULTED
        keys[w["kind"]] = keys[w["kind"]] & present if w["kind"] in keys else present
    return keys


def check(row: dict, where: str, builtin: list[dict]) -> None:
    for key in sorted(_required_by_kind(builtin).get(row["kind"], set())):
        if key not in row:
            raise ReadinessError(f"{where}: key {key!r} is missing (a {row['kind']} workload needs it)")
    for key, value in row.items():
        if key in _TEXT:
            if not isinstance(value, str):
                raise ReadinessError(f"{where}: key {key!r} must be a string, not {value!r:.40}")
        elif key in _FLAGS:
            if not isinstance(value, bool):
                raise ReadinessError(f"{where}: key {key!r} must be true or false")
        elif key in _COUNTS:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**9:
                raise ReadinessError(f"{where}: key {key!r} must be a whole number from 1 to 1000000000, "
                                     f"not {value!r:.40}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ReadinessError(f"{where}: key {key!r} must be a number, not {value!r:.40}")
        elif not math.isfinite(value) or value <= 0 or value > 1e30:
            raise ReadinessError(f"{where}: key {key!r} must be a positive number, not {value!r}")
