"""``--catch-up``: the hours whose lake files differ from what the ledger says was processed.

Covers a scheduler that missed runs (hours never processed) and late events written into an old
hour (its fingerprint changed). The hour still being written is left for a later run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from common.schema import PARTITION_KEYS

from .lake_reader import list_hour


def _children(folder: Path, key: str) -> Iterator[tuple[int, Path]]:
    """``(value, path)`` of the ``key=value`` sub-folders of ``folder`` (others are ignored)."""
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        name, _, value = entry.name.partition("=")
        if name == key and value.isdigit() and entry.is_dir():
            yield int(value), entry


def lake_hours(lake: Path) -> list[datetime]:
    """Every hour that has a partition folder in the lake, oldest first."""
    year_key, month_key, day_key, hour_key = PARTITION_KEYS
    found = []
    for year, y in _children(lake, year_key):
        for month, m in _children(y, month_key):
            for day, d in _children(m, day_key):
                for hour, _ in _children(d, hour_key):
                    try:
                        found.append(datetime(year, month, day, hour, tzinfo=UTC))
                    except ValueError:
                        continue
    return sorted(found)


def pending_hours(lake: Path, processed: dict[datetime, str], before: datetime) -> list[datetime]:
    """Hours before ``before`` with files whose fingerprint is not the one ``processed`` recorded."""
    pending = []
    for hour in lake_hours(lake):
        if hour >= before:
            continue
        files = list_hour(lake, hour)
        if files.files and processed.get(hour) != files.fingerprint:
            pending.append(hour)
    return pending
