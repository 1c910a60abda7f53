"""Lake file names: after the partition and the offset range its publish recorded, never the clock."""

from __future__ import annotations

from ..records import TopicPartition


def lake_file_name(tp: TopicPartition, first: int, last: int) -> str:
    """Derived from the data, never the clock: a replay of the same offsets gets the same name."""
    return f"part-{tp.topic}-{tp.partition}-{first:020d}-{last:020d}.parquet"
