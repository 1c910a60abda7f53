"""The Parquet lake's layout and schema, shared by the speed layer (writer) and the batch layer.

``<lake>/year=YYYY/month=M/day=D/hour=H/<file>.parquet``: hive partitions by event time in UTC,
integers without zero padding (as Spark's ``partitionBy`` writes them). Files hold the columns of
``EVENT_SCHEMA``; the partition values live in the folder names only. The lake only ever holds
complete files (writers work in ``DATA_DIR/tmp`` and rename); names starting with ``.`` or ``_`` are
other tools' bookkeeping (``_SUCCESS``, ``.crc``, an editor's swap file) and readers skip them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

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


def hour_prefix(hour: int | datetime) -> str:
    """``year=Y/month=M/day=D/hour=H`` of one UTC hour, given its start as epoch seconds or an aware datetime."""
    t = hour if isinstance(hour, datetime) else datetime.fromtimestamp(hour, UTC)
    t = t.astimezone(UTC)
    return f"year={t.year}/month={t.month}/day={t.day}/hour={t.hour}"


def hour_dir(lake: Path, hour: int | datetime) -> Path:
    """Folder of one UTC hour in a local lake."""
    return lake / hour_prefix(hour)


def is_hidden(name: str) -> bool:
    """Other tools' bookkeeping files (``_SUCCESS``, ``.crc``...) that lake readers skip."""
    return name.startswith((".", "_"))

