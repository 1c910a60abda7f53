"""The Parquet lake's layout and schema, shared by the speed layer (writer) and the batch layer.

Everything about where a file of the lake lives and what it is called is here, once:

- ``<lake>/year=YYYY/month=M/day=D/hour=H/<file>``: hive partitions by event time in UTC, integers
  without zero padding (as Spark's ``partitionBy`` writes them); ``hour_prefix`` builds one,
  ``prefix_hour`` reads it back.
- The speed layer names a file after its partition and offset range, never the clock (a replay of the
  same offsets gets the same name): ``part-<topic>-<partition>-<first>-<last>.parquet``, offsets
  zero padded to 20 digits so names sort in offset order; ``file_name`` and ``parse_file_name``.
- Which files count (``counts``): every ``*.parquet`` file, whoever wrote it, except names starting
  with ``.`` or ``_``: other tools' bookkeeping (``_SUCCESS``, ``.crc``, an editor's swap file) and
  the writers' own temporary files (``temporary_name``), which may sit inside the lake until they
  are renamed into place (a folder on another file system) or never do (a crash).

Files hold the columns of ``EVENT_SCHEMA``; the partition values live in the folder names only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from .schema import PARTITION_KEYS

EVENT_SCHEMA = pa.schema([
    pa.field("timestamp", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("id", pa.string(), nullable=False),
    pa.field("antenna_id", pa.string(), nullable=False),
    pa.field("bytes", pa.int64(), nullable=False),
    pa.field("app", pa.string(), nullable=False),
])

# The input contract's bounds (RELIABILITY.md#the-input-contract): every row of the lake obeys them,
# and the batch layer checks that it does (a file the speed layer did not write may not).
# processor/events/contract.py holds the same values; tests/batch/test_row_check.py keeps them equal.
MAX_TEXT = 256  # characters (code points) of id, antenna_id and app, at least 1, never U+0000
MAX_EPOCH = 253_402_300_800  # 10000-01-01T00:00:00Z in epoch seconds: timestamps are in [0, MAX_EPOCH)
DEFAULT_MAX_EVENT_BYTES = 10**12  # default of the MAX_EVENT_BYTES setting: bytes are in [0, it]

SUFFIX = ".parquet"
OFFSET_DIGITS = 20  # any Kafka offset (a signed 64-bit integer) fits
_NAME = re.compile(r"part-(?P<topic>[A-Za-z0-9._-]+)-(?P<partition>0|[1-9][0-9]*)"
                   rf"-(?P<first>[0-9]{{{OFFSET_DIGITS}}})-(?P<last>[0-9]{{{OFFSET_DIGITS}}})\.parquet")


def hour_prefix(hour: int | datetime) -> str:
    """``year=Y/month=M/day=D/hour=H`` of one UTC hour, given its start as epoch seconds or an aware datetime."""
    t = hour if isinstance(hour, datetime) else datetime.fromtimestamp(hour, UTC)
    t = t.astimezone(UTC)
    return f"year={t.year}/month={t.month}/day={t.day}/hour={t.hour}"


def hour_dir(lake: Path, hour: int | datetime) -> Path:
    """Folder of one UTC hour in a local lake."""
    return lake / hour_prefix(hour)


def prefix_hour(prefix: str) -> datetime | None:
    """The hour (aware, UTC) a ``year=Y/month=M/day=D/hour=H`` prefix names; None for anything else."""
    parts = prefix.split("/")
    if len(parts) != len(PARTITION_KEYS):
        return None
    values = []
    for key, part in zip(PARTITION_KEYS, parts, strict=True):
        name, _, value = part.partition("=")
        if name != key or not (value.isascii() and value.isdigit()):
            return None
        values.append(int(value))
    year, month, day, hour = values
    try:
        return datetime(year, month, day, hour, tzinfo=UTC)
    except ValueError:  # month=13, day=30 of February...
        return None


@dataclass(frozen=True)
class FileName:
    """What the name of a file the speed layer wrote says: the Kafka partition and offsets it holds."""

    topic: str
    partition: int
    first: int
    last: int

    def __str__(self) -> str:
        return file_name(self.topic, self.partition, self.first, self.last)


def file_name(topic: str, partition: int, first: int, last: int) -> str:
    """``part-<topic>-<partition>-<first>-<last>.parquet``, offsets zero padded to 20 digits."""
    name = f"part-{topic}-{partition}-{first:0{OFFSET_DIGITS}d}-{last:0{OFFSET_DIGITS}d}{SUFFIX}"
    if min(partition, first, last) < 0 or _NAME.fullmatch(name) is None:
        raise ValueError(f"no lake file name for topic {topic!r}, partition {partition}, offsets {first}-{last}")
    return name


def parse_file_name(name: str) -> FileName | None:
    """The record ``file_name`` wrote ``name`` from; None for a name it did not write (a foreign file)."""
    found = _NAME.fullmatch(name)
    if found is None:
        return None
    return FileName(found["topic"], int(found["partition"]), int(found["first"]), int(found["last"]))


def counts(name: str) -> bool:
    """Whether a file of the lake is data readers take: a ``*.parquet`` name not starting with ``.`` or ``_``."""
    return name.endswith(SUFFIX) and not name.startswith((".", "_"))


def temporary_name(name: str, token: str) -> str:
    """The hidden name a writer gives ``name`` until it is complete: ``.<name>.tmp-<token>``, which never
    counts. ``token`` tells writers apart (a zombie and the owner may write the same name at once)."""
    return f".{name}.tmp-{token}"
