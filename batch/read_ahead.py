"""An hour in two halves, and a range processed on two sessions: the next hour read while one is written.

``read_hour`` lists, checks and sums an hour's files (the lake and the CPU); ``write_hour`` reconciles
and replaces its rows (PostgreSQL); ``process_hour`` does both under the hour's lock, taken before
the listing and held until the commit. ``ReadAhead`` runs a range's hours on two worker threads,
each with its own session, so one hour's reading overlaps the other's writing; rows, ledger, errors
and the order of the log lines are those of processing the hours one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from queue import Queue
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
    """Processes a range's hours on two sessions at once, the run's own and a second one: while one
    hour is written, the next is read (and then written); results come back in the hours' order.

    Each hour is processed whole by one worker thread on one session (``process_hour``: its lock,
    waited for if another run holds it, then its read, its one-transaction write and the unlock). A
    worker that waits for a lock holds none, so two runs can never wait on each other. The second
    session is opened by the first hour that needs it; both threads are joined, and the second
    session (and any lock it still held) closed, on exit.
    """

    def __init__(self, settings: BatchSettings, conn: psycopg.Connection[Any], lake: LakeStore,
                 users: pl.DataFrame, hours: Sequence[datetime]) -> None:
        self._settings, self._lake, self._users = settings, lake, users
        self._sessions: Queue[psycopg.Connection[Any] | None] = Queue()
        self._sessions.put(conn)
        if len(hours) > 1:
            self._sessions.put(None)  # the second session, opened when first taken
        self._opened: list[psycopg.Connection[Any]] = []
        self._pool = ThreadPoolExecutor(self._sessions.qsize(), thread_name_prefix="batch-hour")
        self._results = [self._pool.submit(self._process, hour) for hour in hours]

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for session in self._opened:
            session.close()

    def result(self, number: int) -> HourResult:
        """The result of the ``number``-th hour (from 0), once processed; its error if it failed."""
        return self._results[number].result()

    def _process(self, hour: datetime) -> HourResult:
        session = self._sessions.get()
        try:
            if session is None:
                session = connect(self._settings.database, autocommit=True)
                self._opened.append(session)
            return process_hour(session, self._lake, hour, self._users, self._settings.max_event_bytes)
        finally:
            self._sessions.put(session)
