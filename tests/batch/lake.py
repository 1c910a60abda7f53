"""Writing lake files for batch tests: real Parquet files in the speed layer's layout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from common.lake import EVENT_SCHEMA, hour_dir

Event = tuple[str, str, str, int, str]  # (ISO time in UTC, id, antenna_id, bytes, app)


def at(text: str) -> datetime:
    """``2022-10-29T13:05:00`` (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def events_table(events: list[Event]) -> pa.Table:
    columns = list(zip(*events, strict=True)) if events else [[] for _ in range(5)]
    return pa.table([pa.array([at(t) for t in columns[0]], pa.timestamp("us", "UTC")),
                     *(pa.array(list(c)) for c in columns[1:])], schema=EVENT_SCHEMA)


def write_events(lake: Path, hour: str, name: str, events: list[Event]) -> Path:
    """Write ``events`` as ``<lake>/year=../hour=H/name`` for the UTC hour ``hour`` (``2022-10-29T13``)."""
    folder = hour_dir(lake, at(hour + ":00"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    pq.write_table(events_table(events), path, compression="zstd")
    return path


def write_bytes(lake: Path, hour: str, name: str, content: bytes) -> Path:
    """Put arbitrary bytes in the hour's folder (a corrupt or in-progress file)."""
    folder = hour_dir(lake, at(hour + ":00"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    return folder / name
