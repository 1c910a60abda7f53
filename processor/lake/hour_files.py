"""Writing staged events into Parquet files, one per UTC hour, in row groups of bounded size."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from common.lake import EVENT_SCHEMA, grouped_by_id

from .durable import commit_temp, read_ipc
from .staging import StagingArea

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
        pending, rows = self._pending, self._rows
        self._pending, self._rows = [], 0
        if pending:
            # Rows grouped by id inside the row group: the batch layer sums runs of one id instead of
            # hashing every row (BENCHMARKS.md, "Batch layer"). The rows themselves are unchanged;
            # the ungrouped copy is released before the writer allocates its own buffers.
            table = grouped_by_id(pa.concat_tables(pending))
            del pending
            self._writer.write_table(table, row_group_size=rows)

    def close(self) -> None:
        self._writer.close()


def write_hour_files(area: StagingArea, inputs: tuple[str, ...], outputs: dict[int, Path]) -> None:
    """Split the staged ``inputs`` by hour into temporary files, then move each to its ``outputs`` path."""
    def temp(hour: int) -> Path:
        return area.tmp_folder / f"publish-{hour}.parquet.tmp"

    files: dict[int, _HourFile] = {}
    area.tmp_folder.mkdir(parents=True, exist_ok=True)
    try:
        for name in inputs:
            table = read_ipc(area.folder / name)
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
        commit_temp(temp(h), outputs[h])
