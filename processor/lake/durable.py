"""Durable file writes: write a temporary file, fsync, rename into place, fsync the folder.

Temporary files are written in ``$DATA_DIR/tmp/<topic>/<partition>/`` and renamed into place. A lake
on another file system gets a hidden temporary copy inside it first (``common.lake.temporary_name``),
which no reader counts (``common.lake.counts``): readers only ever take complete Parquet files.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc

from common.errors import LakeUnavailable
from common.lake import temporary_name


@contextmanager
def file_system(folder: Path) -> Iterator[None]:
    """A failed file operation under ``folder`` (read-only, full disk, permissions) is ``LakeUnavailable``.

    Running out of file descriptors is not the lake's fault: the message names the process's limit.
    """
    try:
        yield
    except OSError as e:
        where = e.filename or folder
        if e.errno in (errno.EMFILE, errno.ENFILE):
            raise LakeUnavailable(f"cannot open {where}: {e.strerror} ({open_files_limit(e.errno)})", folder) from e
        raise LakeUnavailable(f"cannot write {where}: {e.strerror or e}", folder) from e


def open_files_limit(code: int) -> str:
    """The OS limit an EMFILE (this process's) or ENFILE (the whole system's) ran into, in words."""
    if code == errno.ENFILE:
        return "the system's open-files limit, fs.file-max, is reached"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return (f"this process's open-files limit RLIMIT_NOFILE is reached: soft {soft}, hard {hard}; "
            "raise it (ulimit -n, systemd's LimitNOFILE=)")


_IPC = pa.ipc.IpcWriteOptions(compression="lz4")


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_temp(tmp: Path, final: Path) -> None:
    """fsync ``tmp``, rename it to ``final`` atomically, fsync the target folder.

    A lake folder on another file system (``LAKE_URL``) gets a hidden copy beside ``final`` first
    (``common.lake.temporary_name``: readers skip it), and the rename stays atomic.
    """
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, final)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        beside = final.with_name(temporary_name(final.name, uuid.uuid4().hex[:12]))
        shutil.copyfile(tmp, beside)
        commit_temp(beside, final)
        tmp.unlink()
    fsync_dir(final.parent)


def write_ipc_atomically(table: pa.Table, final: Path, tmp: Path) -> None:
    """Same, as an Arrow IPC file (LZ4): cheap to write, and read back without decoding."""
    tmp.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema, options=_IPC) as writer:
        writer.write_table(table)
    commit_temp(tmp, final)


def ipc_buffer(table: pa.Table) -> pa.Buffer:
    """A staged batch as the bytes of an Arrow IPC file (LZ4), for a database row."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema, options=_IPC) as writer:
        writer.write_table(table)
    return sink.getvalue()


def read_ipc_buffer(data: bytes) -> pa.Table:
    """The batch held in the bytes of an Arrow IPC file."""
    return pa.ipc.open_file(pa.py_buffer(data)).read_all()


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
