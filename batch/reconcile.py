"""Reconciliation of the two layers: the batch totals of an hour minus the speed layer's.

The speed layer's ``bytes`` table holds 5-minute sums; the 12 windows of an hour added up per
type should equal the batch layer's hourly totals. A positive difference is bytes the speed layer
missed (events later than its grace, for example); a negative one is bytes it counted twice.
"""

from __future__ import annotations

from common import schema

TYPES = tuple(schema.METRIC_TYPES.values())


def differences(batch: dict[str, int], speed: dict[str, int]) -> dict[str, int]:
    """``batch - speed`` for every metric type (a type missing on either side counts as 0)."""
    return {t: batch.get(t, 0) - speed.get(t, 0) for t in TYPES}


def summarize_differences(diff: dict[str, int]) -> str:
    """``speed layer matches`` or ``speed layer differs: user_total_bytes=+12 ...`` for the log."""
    if not any(diff.values()):
        return "speed layer matches"
    return "speed layer differs: " + " ".join(f"{t}={d:+d}" for t, d in diff.items())
