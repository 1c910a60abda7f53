"""The processor's reconnecting connection on a real PostgreSQL: a connection that died while idle
(an outage, a restart, a terminated session) is reopened on first use; a failure inside a
transaction that had begun is an outage, never retried behind the caller's back."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from common.db import DatabaseConfig
from common.errors import DatabaseUnavailable
from common.retry import within
from processor.metrics import Metrics
from processor.postgres.connection import ReconnectingConnection

from ...helpers import query

pytestmark = pytest.mark.integration


def backend(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert row is not None
    return int(row[0])


def terminate(url: str, pid: int) -> None:
    """End session ``pid`` from the server's side, as an outage does, and wait until it is gone."""
    assert query(url, "SELECT pg_terminate_backend(%s)", (pid,)) == [(True,)]
    assert within(lambda: query(url, "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)) == [(0,)],
                  10, interval=0.05), f"session {pid} still alive"


def test_a_connection_that_died_while_idle_is_reopened_and_the_work_runs_once(database_url: str) -> None:
    db = ReconnectingConnection(DatabaseConfig(SecretStr(database_url)), Metrics())
    first = db.transaction(backend)
    terminate(database_url, first)
    runs: list[int] = []

    def work(conn: psycopg.Connection[Any]) -> int:
        runs.append(backend(conn))
        return runs[-1]

    second = db.transaction(work)
    assert second != first and runs == [second]
    db.close()


def test_a_session_that_dies_inside_a_transaction_is_an_outage_not_a_silent_retry(database_url: str) -> None:
    db = ReconnectingConnection(DatabaseConfig(SecretStr(database_url)), Metrics())
    db.transaction(backend)
    runs: list[int] = []

    def work(conn: psycopg.Connection[Any]) -> None:
        runs.append(backend(conn))  # a statement of this transaction succeeded
        terminate(database_url, runs[-1])
        conn.execute("SELECT 1")

    with pytest.raises(DatabaseUnavailable, match="PostgreSQL failed during a batch"):
        db.transaction(work)
    assert len(runs) == 1
    db.close()
