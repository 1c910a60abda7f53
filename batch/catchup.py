"""``--catch-up``: the hours whose lake files differ from what the ledger says was processed.

Covers a scheduler that missed runs (hours never processed) and late events written into an old
hour (its fingerprint changed). The hour still being written is left for a later run. The lake is
listed once (one paged listing in a bucket), and each hour's fingerprint is computed from that
listing exactly as ``list_hour`` computes it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from common.lake import prefix_hour
from common.lake_store import LakeObject, LakeStore

from .lake_reader import fingerprint, visible


def partition_hour(relative: str) -> datetime | None:
    """The hour of a ``year=Y/month=M/day=D/hour=H/<file>`` path, or None for anything else."""
    folder, slash, _ = relative.rpartition("/")
    return prefix_hour(folder) if slash else None


def lake_files_by_hour(store: LakeStore) -> dict[datetime, tuple[LakeObject, ...]]:
    """Every hour that has a partition folder with objects, with its visible files, oldest first."""
    found: defaultdict[datetime, list[LakeObject]] = defaultdict(list)
    for obj in store.walk():
        if (hour := partition_hour(obj.relative)) is not None:
            found[hour].append(obj)
    return {hour: visible(sorted(found[hour], key=lambda o: o.name)) for hour in sorted(found)}


def pending_hours(store: LakeStore, processed: dict[datetime, str], before: datetime) -> dict[datetime, str]:
    """Hours before ``before`` with files whose fingerprint is not the one ``processed`` recorded,
    oldest first, with their fingerprint now."""
    found = {hour: fingerprint(files) for hour, files in lake_files_by_hour(store).items() if hour < before and files}
    return {hour: now for hour, now in found.items() if processed.get(hour) != now}
