"""The batch run: for each hour, list and check its files, aggregate, reconcile, replace its rows.

One connection serves the whole run; each hour is its own transaction. A bad file fails its
hour only: the other hours of a range still run, and the run ends with a ``LakeError``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import datetime

from common import schema
from common.db import connect, server_label, warn_if_superuser
from common.errors import DataRejected, LakeError

from . import ledger
from .catchup import pending_hours
from .hours import floor_hour, label
from .log_lines import hour_line, progress, summary_line
from .read_ahead import ReadAhead
from .results import HourResult, RunSummary
from .settings import BatchSettings
from .store import database_errors, read_user_quotas

log = logging.getLogger("batch")


def run(settings: BatchSettings, hours: Sequence[datetime]) -> RunSummary:
    """Process ``hours`` in order; raise ``LakeError`` at the end if any hour failed.

    A bad lake file or a value PostgreSQL refuses fails its hour only (one error line); an outage of
    the database or the lake's bucket ends the run (``Unavailable``).
    """
    results: list[HourResult] = []
    failed: dict[datetime, str] = {}
    started = time.monotonic()
    lake = settings.lake()
    lake.check()
    where = server_label(settings.database_url)
    with database_errors(where), connect(settings.database, autocommit=True) as conn, ExitStack() as stack:
        warn_if_superuser(conn, schema.BATCH_ROLE)
        users = read_user_quotas(conn)
        ahead = stack.enter_context(ReadAhead(settings, conn, lake, users, hours))
        for number, hour in enumerate(hours, 1):
            prefix = progress(number, len(hours), time.monotonic() - started) if len(hours) > 1 else ""
            began = time.monotonic()
            try:
                with database_errors(where):
                    result = ahead.result(number - 1)
            except (LakeError, DataRejected) as e:
                if len(hours) == 1:
                    raise
                failed[hour] = str(e)
                log.error("%s%s: failed: %s", prefix, label(hour), e)
                continue
            results.append(result)
            log.info("%s%s", prefix, hour_line(result, lake.url, time.monotonic() - began))
    summary = RunSummary(results, failed)
    if len(hours) > 1:
        log.info("%s", summary_line(summary, time.monotonic() - started))
    if failed:
        first = next(iter(failed.items()))
        raise LakeError(f"{len(failed)} of {len(hours)} hours failed (first {label(first[0])}: {first[1]})")
    return summary


def pending(settings: BatchSettings, now: datetime) -> dict[datetime, str]:
    """Complete hours whose lake files changed since the ledger recorded them, oldest first, with
    the fingerprint of their files now."""
    with database_errors(server_label(settings.database_url)), \
            connect(settings.database, autocommit=True) as conn:
        processed = ledger.fingerprints(conn)
    lake = settings.lake()
    lake.check()
    return pending_hours(lake, processed, before=floor_hour(now))


def catch_up_hours(settings: BatchSettings, now: datetime) -> list[datetime]:
    """``pending`` hours, with one log line saying how many."""
    hours = list(pending(settings, now))
    log.info("Catch-up: %d hour(s) new or changed in %s since last processed", len(hours), settings.lake().url)
    return hours
