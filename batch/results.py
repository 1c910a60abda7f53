"""Typed records of a batch run: one per hour processed, and the summary of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class HourResult:
    """What processing one hour did; ``written`` is False for an hour without data."""

    hour: datetime
    written: bool
    fingerprint: str = ""
    files: int = 0
    events: int = 0
    unknown_user_events: int = 0
    bytes_hourly_rows: int = 0
    quota_rows: int = 0
    batch_bytes: int = 0
    differences: dict[str, int] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True)
class RunSummary:
    """All hours of one run; ``failed`` maps an hour to its error message."""

    results: list[HourResult]
    failed: dict[datetime, str]

    @property
    def written(self) -> list[HourResult]:
        return [r for r in self.results if r.written]

    @property
    def empty(self) -> list[HourResult]:
        return [r for r in self.results if not r.written]
