"""Durable file writes: write a temporary file, fsync, rename into place, fsync the folder.

Temporary files live outside the lake (``$DATA_DIR/tmp/<topic>/<partition>/``, same file system),
so the lake only ever holds complete Parquet files: no reader, however naive, sees a partial one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc

from common.errors import LakeUnavailable


@contextmanager
def file_system(folder: Path) -> Iterator[None]:
    """A failed file operation under ``folder`` (read-only, full disk, permissions) is ``LakeUnavailable``."""
    try:
        yield
    except OSError as e:
        where = e.filename or folder
        raise LakeUnavailable(f"cannot write {where}: {e.strerror or e}", folder) from e


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_temp(tmp: Path, final: Path) -> None:
    """fsync ``tmp``, rename it to ``final`` atomically, fsync the target folder."""
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, final)
    fsync_dir(final.parent)


def write_ipc_atomically(table: pa.Table, final: Path, tmp: Path) -> None:
    """Same, as an Arrow IPC file (LZ4): cheap to write, and read back without decoding."""
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(
            sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="lz4")) as writer:
        writer.write_table(table)
    commit_temp(tmp, final)


def read_ipc(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A staged Arrow IPC file (read, not memory-mapped: mapped pages would stay resident)."""
    with pa.OSFile(str(path), "rb") as source:
        table = pa.ipc.open_file(source).read_all()
    return table.select(columns) if columns else table


def write_text_atomically(text: str, final: Path, tmp: Path) -> None:
    """Same, for a small text file."""
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    commit_temp(tmp, final)


def remove(paths: list[Path]) -> None:
    """Delete files (missing ones are fine) and make it durable."""
    for path in paths:
        path.unlink(missing_ok=True)
    for folder in {p.parent for p in paths}:
        if folder.exists():
            fsync_dir(folder)
