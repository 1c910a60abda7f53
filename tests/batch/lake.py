"""Writing lake files for batch tests: real Parquet files in the speed layer's layout, in a folder
or a bucket (through the lake's own filesystem).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from common.lake import EVENT_SCHEMA, hour_prefix
from common.lake_store import LakeStore

Event = tuple[str, str, str, int, str]  # (ISO time in UTC, id, antenna_id, bytes, app)


def at(text: str) -> datetime:
    """``2022-10-29T13:05:00`` (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def events_table(events: list[Event]) -> pa.Table:
    columns: list[Any] = list(zip(*events, strict=True)) if events else [[] for _ in range(5)]
    return pa.table([pa.array([at(t) for t in columns[0]], pa.timestamp("us", "UTC")),
                     *(pa.array(list(c)) for c in columns[1:])], schema=EVENT_SCHEMA)


def lake_path(lake: LakeStore, relative: str) -> str:
    """``relative`` on the lake's filesystem, its folder created if the lake is local."""
    path = lake.path(relative)
    if not lake.is_s3:
        lake.filesystem.create_dir(path.rsplit("/", 1)[0])
    return path


def hour_path(lake: LakeStore, hour: str, name: str) -> str:
    """Where ``name`` goes in the UTC hour ``hour`` (``2022-10-29T13``) on the lake's filesystem."""
    return lake_path(lake, f"{hour_prefix(at(hour + ':00'))}/{name}")


def put(lake: LakeStore, path: str, content: bytes) -> None:
    with lake.filesystem.open_output_stream(path) as out:
        out.write(content)


def write_table(lake: LakeStore, hour: str, name: str, table: pa.Table) -> str:
    """Write ``table`` as ``<lake>/year=../hour=H/name``; the file's name as messages give it."""
    path = hour_path(lake, hour, name)
    pq.write_table(table, path, filesystem=lake.filesystem, compression="zstd")
    return lake.uri(path)


def write_events(lake: LakeStore, hour: str, name: str, events: list[Event]) -> str:
    """Write ``events`` as a lake file of the UTC hour ``hour``."""
    return write_table(lake, hour, name, events_table(events))


def write_bytes(lake: LakeStore, hour: str, name: str, content: bytes) -> str:
    """Put arbitrary bytes in the hour's folder (a corrupt or in-progress file)."""
    path = hour_path(lake, hour, name)
    put(lake, path, content)
    return lake.uri(path)


def read_bytes(lake: LakeStore, hour: str, name: str) -> bytes:
    with lake.filesystem.open_input_stream(hour_path(lake, hour, name)) as source:
        return bytes(source.read())
