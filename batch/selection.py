"""Which hours a run processes: one hour, a range, the catch-up, or the last complete hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .hours import hour_range, last_complete_hour, parse_hour
from .run import catch_up_hours
from .settings import BatchSettings


@dataclass(frozen=True)
class HourSelection:
    """The hour options of the command line, as given (``YYYY-MM-DDTHH`` strings)."""

    hour: str | None = None
    start: str | None = None
    end: str | None = None
    catch_up: bool = False
    schedule: bool = False

    def problem(self) -> str | None:
        """Why this combination is not allowed, or ``None``."""
        chosen = [name for name, given in (("--hour", self.hour), ("--from/--to", self.start or self.end),
                                           ("--catch-up", self.catch_up),
                                           ("--schedule", self.schedule)) if given]
        if len(chosen) > 1:
            return f"choose one of {', '.join(chosen)}"
        if bool(self.start) != bool(self.end):
            return "--from and --to go together"
        return None

    def hours(self, settings: BatchSettings, now: datetime) -> list[datetime]:
        """The UTC hours to process, in order (the catch-up asks the lake and the run ledger)."""
        if self.catch_up:
            return catch_up_hours(settings, now)
        if self.hour:
            return [parse_hour(self.hour)]
        if self.start and self.end:
            return hour_range(parse_hour(self.start), parse_hour(self.end))
        return [last_complete_hour(now)]
