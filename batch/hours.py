"""UTC hours as the batch job names them: parsing ``2022-10-29T13``, ranges, the last complete hour.

Every hour here is an aware ``datetime`` in UTC at the start of the hour; the database gets the
naive UTC wall-clock value (``TIMESTAMP`` without time zone, as the seed's tables have it).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from common.errors import ConfigError

HOUR = timedelta(hours=1)
_FORMAT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2})(?::(\d{2})(?::(\d{2}))?)?(Z|[+-]\d{2}:?\d{2})?")


def parse_hour(text: str) -> datetime:
    """``2022-10-29T13``, ``2022-10-29T13:00``, ``2022-10-29T13:00:00Z`` or with an offset -> UTC hour.

    Without an offset the value is UTC. A time that is not the start of an hour is an error.
    """
    match = _FORMAT.fullmatch(text.strip())
    if match is None:
        raise ConfigError(f"not an hour: {text!r} (expected YYYY-MM-DDTHH, UTC, e.g. 2022-10-29T13)")
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        value = datetime.fromisoformat(
            f"{year}-{month}-{day}T{int(hour):02d}:{minute or '00'}:{second or '00'}"
            + ("+00:00" if zone in (None, "Z") else zone))
    except ValueError as e:
        raise ConfigError(f"not an hour: {text!r} ({e})") from e
    value = value.astimezone(UTC)
    if value != floor_hour(value):
        raise ConfigError(f"{text!r} is not the start of an hour")
    return value


def floor_hour(moment: datetime) -> datetime:
    """Start of the UTC hour holding ``moment`` (an aware datetime)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def last_complete_hour(now: datetime) -> datetime:
    """The hour before the one ``now`` is in: the newest hour no more events are expected for."""
    return floor_hour(now) - HOUR


def hour_range(start: datetime, end: datetime) -> list[datetime]:
    """Every hour in ``[start, end)``; ``end`` must be after ``start``."""
    if end <= start:
        raise ConfigError(f"--to {label(end)} must be after --from {label(start)}")
    count = int((end - start) / HOUR)
    return [start + i * HOUR for i in range(count)]


def naive(hour: datetime) -> datetime:
    """The UTC wall-clock value stored in ``TIMESTAMP`` columns."""
    return hour.astimezone(UTC).replace(tzinfo=None)


def label(hour: datetime) -> str:
    """``2022-10-29T13:00Z`` for log lines."""
    return hour.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
