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

