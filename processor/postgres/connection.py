"""One reconnecting PostgreSQL connection; transactions that retry conflicts and map outages."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, TypeVar

import psycopg

from common import schema
from common.db import DatabaseConfig, connect, database_error, reason
from common.errors import DatabaseUnavailable

from ..metrics import Metrics

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRIES_ON_CONFLICT = 5


class ReconnectingConnection:
    """Runs units of work in transactions; a lost connection is reopened on the next one.

    psycopg learns that a connection died while idle (an outage, a restart, a session ended by
    the server) only when it next uses it: BEGIN fails. Nothing of the transaction ran then, so the
    work is started on a new connection, once; a failure after BEGIN succeeded is an outage.
    """

    def __init__(self, database: DatabaseConfig, metrics: Metrics) -> None:
        self._database, self._metrics = database, metrics
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect(self._database, autocommit=True)
        return self._conn

    def _begin(self, stack: ExitStack) -> psycopg.Connection[Any]:
        """A connection with a transaction begun (ended by ``stack``); one that went stale while idle
        is replaced, once."""
        reused = self._conn is not None and not self._conn.closed and not self._conn.broken
        conn = self._connection()
        try:
            stack.enter_context(conn.transaction())
            return conn
        except psycopg.OperationalError as e:
            if not reused:
                raise
            log.info("the PostgreSQL connection died while idle (%s); reconnecting", reason(e))
            self.close()
        conn = self._connection()
        stack.enter_context(conn.transaction())
        return conn

    def transaction(self, work: Callable[..., T], *args: Any) -> T:
        """``work(conn, *args)`` committed as one transaction, or ``DatabaseUnavailable`` (an outage).

        COMMIT happens as the ``with`` block below ends (psycopg's ``conn.transaction()``, entered in ``_begin``).
        A data error that reaches here (``admission`` isolates them first) is ``DataRejected``, not an outage.
        """
        for attempt in range(RETRIES_ON_CONFLICT):
            try:
                with ExitStack() as stack:
                    result = work(self._begin(stack), *args)
                    commit_started = time.perf_counter()
                self._metrics.commit_seconds.observe(time.perf_counter() - commit_started)
                return result
            except (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
                log.info("transaction conflict, retrying (attempt %d)", attempt + 1)
            except psycopg.Error as e:
                mapped = database_error(e, "processor", schema.PROCESSOR_ROLE, during="during a batch")
                if mapped is None:
                    raise
                if isinstance(mapped, DatabaseUnavailable):  # an outage, or a session limit: retried
                    self.close()
                raise mapped from e
        raise DatabaseUnavailable("PostgreSQL kept reporting conflicts; giving up this batch")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
