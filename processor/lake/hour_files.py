"""Writing staged events into Parquet files, one per UTC hour, in row groups of bounded size."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from common.lake import EVENT_SCHEMA

_US_PER_HOUR = 3_600_000_000
ROW_GROUP = 256 * 1024  # rows per Parquet row group: large enough for readers, bounded memory


def event_hours(table: pa.Table) -> pa.Array:
    """Hours since the epoch (UTC) of each event."""
    return pc.divide(table["timestamp"].cast(pa.int64()), _US_PER_HOUR)


class _HourFile:
    """One output file: staged rows gathered into row groups of about ``ROW_GROUP`` rows."""

    def __init__(self, tmp: Path) -> None:
        self._writer = pq.ParquetWriter(tmp, EVENT_SCHEMA, compression="zstd")
        self._pending: list[pa.Table] = []
        self._rows = 0

    def add(self, table: pa.Table) -> None:
        self._pending.append(table)
        self._rows += table.num_rows
        if self._rows >= ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending), row_group_size=self._rows)
        self._pending, self._rows = [], 0

    def close(self) -> None:
        self._writer.close()


def write_hour_files(tables: Iterable[pa.Table], tmp_folder: Path, commit: Callable[[int, Path], None]) -> list[int]:
    """Split ``tables`` (staged batches in offset order) by UTC hour into temporary Parquet files in
    ``tmp_folder``, then hand each complete file to ``commit(hour, temp path)``; the hours written."""
    def temp(hour: int) -> Path:
        return tmp_folder / f"publish-{hour}.parquet.tmp"

    files: dict[int, _HourFile] = {}
    tmp_folder.mkdir(parents=True, exist_ok=True)
    try:
        for table in tables:
            hours = event_hours(table)
            for h in pc.unique(hours).to_pylist():
                if h not in files:
                    files[h] = _HourFile(temp(h))
                files[h].add(table.filter(pc.equal(hours, h)))
        for f in files.values():
            f.flush()
    finally:
        for f in files.values():
            f.close()
    for h in files:
        commit(h, temp(h))
    return list(files)
