"""Writing staged events into Parquet files, one per UTC hour, in row groups of bounded size.

The number of files open at once does not grow with the number of hours the events cover (a phone
with a broken clock can put every event in an hour of its own): at most ``OPEN_FILES`` hour files
are written per pass over the inputs. The rows of the hours beyond them, if they are few (at most
``ROW_GROUP``: a broken clock's), are sorted by hour and written one file at a time; if they are many,
another pass takes the next ``OPEN_FILES`` hours. Events on time cover an hour or two: one pass.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from common.lake import EVENT_SCHEMA, temporary_name

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


def _one_pass(tables: Iterable[pa.Table], done: set[int], tmp_folder: Path,
              token: str) -> tuple[dict[int, _HourFile], list[pa.Table] | None]:
    """Write the rows of the first ``OPEN_FILES`` hours not in ``done``, met in input order; their files,
    and the rows of the hours left (``None`` if they are more than ``ROW_GROUP``: another pass, then)."""
    files: dict[int, _HourFile] = {}
    left: list[pa.Table] | None = []
    left_rows = 0
    try:
        for table in tables:
            hours = event_hours(table)
            wanted = [h for h in pc.unique(hours).to_pylist() if h not in done]
            for h in wanted:
                if h not in files and len(files) < OPEN_FILES:
                    files[h] = _HourFile(tmp_folder / temporary_name(f"hour-{h}.parquet", token))
                if h in files:
                    files[h].add(table.filter(pc.equal(hours, h)))
            others = [h for h in wanted if h not in files]
            if others and left is not None:
                rest = table.filter(pc.is_in(hours, pa.array(others, pa.int64())))
                left_rows += rest.num_rows
                if left_rows <= ROW_GROUP:
                    left.append(rest)
                else:
                    left = None
        for f in files.values():
            f.flush()
    finally:
        for f in files.values():
            f.close()
    return files, left


def _hour_by_hour(left: list[pa.Table], tmp_folder: Path, token: str) -> Iterator[tuple[int, Path]]:
    """The few rows of many hours, sorted by hour (stable: input order within each) and written one
    file at a time."""
    table = pa.concat_tables(left)
    hours = event_hours(table)
    order = pc.sort_indices(hours)  # a stable sort
    table, start = table.take(order), 0
    for run in pc.value_counts(hours.take(order)).to_pylist():  # sorted: runs in hour order
        hour, rows = int(run["values"]), int(run["counts"])
        f = _HourFile(tmp_folder / temporary_name(f"hour-{hour}.parquet", token))
        try:
            f.add(table.slice(start, rows))
            f.flush()
        finally:
            f.close()
        start += rows
        yield hour, f.tmp


def write_hour_files(tables: Callable[[], Iterable[pa.Table]], tmp_folder: Path,
                     commit: Callable[[int, Path], None]) -> list[int]:
    """Split the staged batches ``tables()`` yields (in offset order; called once per pass) by UTC hour
    into temporary Parquet files in ``tmp_folder``, and hand each complete file to
    ``commit(hour, temp path)``; the hours written. Each hour's rows keep the input order."""
    tmp_folder.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]  # temporary names no other writer (a zombie, say) shares
    done: set[int] = set()
    while True:
        files, left = _one_pass(tables(), done, tmp_folder, token)
        for h, f in files.items():
            commit(h, f.tmp)
        done.update(files)
        if left is not None:  # what is left fits in memory: one file at a time, no more passes
            for h, tmp in _hour_by_hour(left, tmp_folder, token) if left else ():
                commit(h, tmp)
                done.add(h)
            return sorted(done)
