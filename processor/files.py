"""Durable file writes: a hidden temporary name in the target folder, fsync, atomic rename."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_name(final: Path) -> Path:
    """``.name.tmp-<pid>`` beside ``final``: hidden from lake readers (leading dot)."""
    return final.with_name(f".{final.name}.tmp-{os.getpid()}")


def write_parquet_atomically(table: pa.Table, final: Path) -> None:
    """Write ``table`` so that readers see either no file or the whole file at ``final``."""
    final.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, temp_name(final), compression="zstd", row_group_size=1_000_000)
    commit_temp(final)


def commit_temp(final: Path) -> None:
    """fsync the temporary file of ``final``, rename it into place, fsync the folder."""
    tmp = temp_name(final)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)
    fsync_dir(final.parent)


def write_text_atomically(text: str, final: Path) -> None:
    """Same, for a small text file."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(final)
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)
    fsync_dir(final.parent)


def remove(paths: list[Path]) -> None:
    """Delete files (missing ones are fine) and make it durable."""
    for path in paths:
        path.unlink(missing_ok=True)
    for folder in {p.parent for p in paths}:
        if folder.exists():
            fsync_dir(folder)
