"""Writing staged events into Parquet files, one per UTC hour, in row groups of bounded size.

The number of files open at once does not grow with the number of hours the events cover (a phone
with a broken clock can put every event in an hour of its own): at most ``OPEN_FILES`` hour files
are written per pass over the inputs, and the hours beyond them wait for the next pass. Events on
time cover an hour or two: one pass, as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from common.lake import EVENT_SCHEMA

_US_PER_HOUR = 3_600_000_000
ROW_GROUP = 256 * 1024  # rows per Parquet row group: large enough for readers, bounded memory
OPEN_FILES = 16  # hour files open at once, at most


def event_hours(table: pa.Table) -> pa.Array:
    """Hours since the epoch (UTC) of each event."""
    return pc.divide(table["timestamp"].cast(pa.int64()), _US_PER_HOUR)


class _HourFile:
    """One output file: staged rows gathered into row groups of about ``ROW_GROUP`` rows."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
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


def _one_pass(tables: Iterable[pa.Table], done: set[int], tmp_folder: Path) -> dict[int, _HourFile]:
    """Write the rows of the first ``OPEN_FILES`` hours not in ``done``, met in input order; their files."""
    files: dict[int, _HourFile] = {}
    token = uuid.uuid4().hex[:12]  # a temporary name no other writer (a zombie, say) shares
    try:
        for table in tables:
            hours = event_hours(table)
            for h in pc.unique(hours).to_pylist():
                if h in done or (h not in files and len(files) >= OPEN_FILES):
                    continue
                if h not in files:
                    files[h] = _HourFile(tmp_folder / f"publish-{h}-{token}.parquet.tmp")
                files[h].add(table.filter(pc.equal(hours, h)))
        for f in files.values():
            f.flush()
    finally:
        for f in files.values():
            f.close()
    return files


def write_hour_files(tables: Callable[[], Iterable[pa.Table]], tmp_folder: Path,
                     commit: Callable[[int, Path], None]) -> list[int]:
    """Split the staged batches ``tables()`` yields (in offset order; called once per pass) by UTC hour
    into temporary Parquet files in ``tmp_folder``, and hand each complete file to
    ``commit(hour, temp path)``; the hours written. Each hour's rows keep the input order."""
    tmp_folder.mkdir(parents=True, exist_ok=True)
    done: set[int] = set()
    while True:
        files = _one_pass(tables(), done, tmp_folder)
        for h, f in files.items():
            commit(h, f.tmp)
        done.update(files)
        if len(files) < OPEN_FILES:
            return sorted(done)
