"""Moving committed staging files into the lake: one file per hour per publish, recorded first.

A publish writes ``_publish.json`` (inputs and outputs) before touching the lake, so a crash in
the middle is finished on the next publish with the same names: outputs are never duplicated,
inputs are deleted only once every output is in place. Output names carry the partition and the
offset range they cover, so they derive from the data, not from the clock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from common.lake import EVENT_SCHEMA, hour_dir

from .files import commit_temp, read_ipc, remove, write_text_atomically
from .staging import StagingArea

MANIFEST = "_publish.json"
_US_PER_HOUR = 3_600_000_000
ROW_GROUP = 256 * 1024  # rows per Parquet row group: large enough for readers, bounded memory
Plan = dict[str, dict[str, str] | list[str]]


def _hours(table: pa.Table) -> pa.Array:
    """Hours since the epoch (UTC) of each event."""
    return pc.divide(table["timestamp"].cast(pa.int64()), _US_PER_HOUR)


def _plan(area: StagingArea, lake: Path, topic: str, partition: int) -> Plan | None:
    files = area.files()
    if not files:
        return None
    hours: set[int] = set()
    for f in files:
        hours.update(pc.unique(_hours(read_ipc(f.path, ["timestamp"]))).to_pylist())
    name = f"part-{topic}-{partition}-{files[0].first:020d}-{files[-1].last:020d}.parquet"
    return {
        "inputs": [f.path.name for f in files],
        "outputs": {str(h): str((hour_dir(lake, h * 3600) / name).relative_to(lake)) for h in sorted(hours)},
    }


def _temp(area: StagingArea, hour: int) -> Path:
    return area.tmp_folder / f"publish-{hour}.parquet.tmp"


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


def _write_outputs(area: StagingArea, inputs: list[str], outputs: dict[int, Path]) -> None:
    files: dict[int, _HourFile] = {}
    area.tmp_folder.mkdir(parents=True, exist_ok=True)
    try:
        for name in inputs:
            table = read_ipc(area.folder / name)
            hours = _hours(table)
            for h in pc.unique(hours).to_pylist():
                if h not in files:
                    files[h] = _HourFile(_temp(area, h))
                files[h].add(table.filter(pc.equal(hours, h)))
        for f in files.values():
            f.flush()
    finally:
        for f in files.values():
            f.close()
    for h in files:
        commit_temp(_temp(area, h), outputs[h])


def _execute(area: StagingArea, lake: Path, plan: Plan) -> list[Path]:
    inputs = list(plan["inputs"])
    outputs = {int(h): lake / rel for h, rel in dict(plan["outputs"]).items()}  # type: ignore[arg-type]
    if not all(p.exists() for p in outputs.values()):
        _write_outputs(area, inputs, outputs)
    remove([area.folder / name for name in inputs] + [area.folder / MANIFEST])
    return list(outputs.values())


def publish(area: StagingArea, lake: Path, topic: str, partition: int) -> list[Path]:
    """Finish an interrupted publish, then publish every staged file; return the lake files written."""
    written: list[Path] = []
    manifest = area.folder / MANIFEST
    if manifest.exists():
        written += _execute(area, lake, json.loads(manifest.read_text()))
    plan = _plan(area, lake, topic, partition)
    if plan is not None:
        write_text_atomically(json.dumps(plan), manifest, area.temp_for(manifest))
        written += _execute(area, lake, plan)
    return written
