"""An hour in two halves, and a range that reads the next hour while the current one is written.

``read_hour`` lists, checks and sums an hour's files (the lake and the CPU); ``write_hour`` reconciles
and replaces its rows (PostgreSQL). Both run under the hour's lock, taken before the listing and
held until the commit. In a range, ``ReadAhead`` reads hour N+1 in a background thread while hour N
is written: the lock of hour N+1 is taken first, on a session of its own and only if it is free
(``pg_try_advisory_lock``); if another run holds it, nothing is read ahead and the hour is
processed in turn, waiting for the lock as a single hour does. Results, errors and the order of the
log lines are those of processing the hours one by one.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import polars as pl
import psycopg
import pyarrow as pa

from common.db import connect
from common.lake_store import LakeStore

from .aggregate import HourTotals, hour_totals
from .lake_reader import HourFiles, check_hour, list_hour, locate_failure, read_sums
from .reconcile import differences
from .results import HourResult
from .settings import BatchSettings
from .store import lock_hour, replace_hour, speed_totals, unlock_hour


@dataclass(frozen=True)
class HourRead:
    """What the lake says about one hour: its files and, if it has events, their totals."""

    hour: datetime
    started: datetime
    files: HourFiles
    totals: HourTotals | None


def read_hour(lake: LakeStore, hour: datetime, users: pl.DataFrame, max_event_bytes: int) -> HourRead:
    """List, check and sum the hour's files (the caller holds the hour's lock)."""
    started = datetime.now(UTC)
    files = list_hour(lake, hour)
    if not files.files or check_hour(files) == 0:
        return HourRead(hour, started, files, None)
    try:
        totals = hour_totals(read_sums(files, max_event_bytes), users, hour)
    except (pl.exceptions.PolarsError, pa.ArrowException, OSError) as e:
        raise locate_failure(files, e) from e
    return HourRead(hour, started, files, totals)


def write_hour(conn: psycopg.Connection[Any], read: HourRead) -> HourResult:
    """Reconcile the hour with the speed layer and replace its rows (nothing for an hour without events)."""
    files, totals = read.files, read.totals
    if totals is None:
        return HourResult(read.hour, written=False, files=len(files.files))
    diff = differences(totals.bytes_by_type, speed_totals(conn, read.hour))
    result = HourResult(
        read.hour, written=True, fingerprint=files.fingerprint, files=len(files.files), events=totals.events,
        unknown_user_events=totals.unknown_user_events, bytes_hourly_rows=totals.bytes_hourly.height,
        quota_rows=totals.quota_violations.height, batch_bytes=totals.total_bytes,
        differences=diff, started_at=read.started)
    return replace_hour(conn, totals, result)


def process_hour(conn: psycopg.Connection[Any], lake: LakeStore, hour: datetime, users: pl.DataFrame,
                 max_event_bytes: int) -> HourResult:
    """One hour under its lock, waiting for it if another run holds it."""
    lock_hour(conn, hour)
    try:
        return write_hour(conn, read_hour(lake, hour, users, max_event_bytes))
    finally:
        unlock_hour(conn, hour)


class ReadAhead:
    """Processes a range's hours in order, each next hour read while the current one is written.

    One background thread and one extra session (opened with the first read-ahead), both closed on
    exit; the session's locks go with it whatever happens.
    """

    def __init__(self, settings: BatchSettings, conn: psycopg.Connection[Any], lake: LakeStore,
                 users: pl.DataFrame) -> None:
        self._settings, self._conn, self._lake, self._users = settings, conn, lake, users
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="batch-ahead")
        self._locks: psycopg.Connection[Any] | None = None
        self._ahead: tuple[datetime, Future[HourRead | None]] | None = None

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._locks is not None:
            self._locks.close()  # releases a lock taken ahead for an hour never written

    def process(self, hour: datetime, following: datetime | None) -> HourResult:
        """Process ``hour`` (read ahead if it was), starting to read ``following`` meanwhile."""
        ahead, self._ahead = self._ahead, None
        future = ahead[1] if ahead is not None and ahead[0] == hour else None
        if following is not None:
            self._ahead = (following, self._pool.submit(self._read_locked, following))
        if future is None:
            return process_hour(self._conn, self._lake, hour, self._users, self._settings.max_event_bytes)
        try:
            read = future.result()
        except BaseException:
            self._unlock(hour)
            raise
        if read is None:  # another run held the hour: wait for it, as a single hour does
            return process_hour(self._conn, self._lake, hour, self._users, self._settings.max_event_bytes)
        try:
            return write_hour(self._conn, read)
        finally:
            self._unlock(hour)

    def _read_locked(self, hour: datetime) -> HourRead | None:
        """The hour read under its lock, held on return; None (not locked) if another run holds it."""
        if self._locks is None:
            self._locks = connect(self._settings.database, autocommit=True)
        if not lock_hour(self._locks, hour, wait=False):
            return None
        return read_hour(self._lake, hour, self._users, self._settings.max_event_bytes)

    def _unlock(self, hour: datetime) -> None:
        if self._locks is not None:
            unlock_hour(self._locks, hour)
