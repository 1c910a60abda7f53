"""Bounded PostgreSQL sessions: lock, statement and idle-in-transaction limits, keepalives and TLS from
settings, on a real server; their errors name the setting, and no error shows the password."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from common import schema
from common.db import DatabaseConfig, connect, reason, warn_if_superuser
from common.errors import DatabaseUnavailable, PipelineError
from common.settings_database import DatabaseSettings

from ..services import provision_database, role_url

pytestmark = pytest.mark.integration


def config(url: str, **limits: Any) -> DatabaseConfig:
    return DatabaseConfig(SecretStr(url), **limits)


@contextmanager
def row_locked(url: str) -> Iterator[psycopg.Connection[Any]]:
    """Another session holding a row lock of table ``t`` (one row) in an open transaction."""
    with psycopg.connect(url, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        setup.execute("INSERT INTO t VALUES (1, 0)")
    holder = psycopg.connect(url)
    holder.execute("SELECT * FROM t WHERE id = 1 FOR UPDATE")
    try:
        yield holder
    finally:
        holder.close()


def test_every_session_gets_the_limits_keepalives_and_sslmode_of_the_settings(database_url: str) -> None:
    settings = DatabaseSettings(database_url=database_url, database_lock_timeout=1.5, database_statement_timeout=60,
                                database_idle_in_transaction_timeout=20, database_keepalives_idle=7,
                                database_keepalives_interval=3, database_keepalives_count=4,
                                database_sslmode="disable")
    with connect(settings.database) as conn:
        shown = [conn.execute(f"SHOW {name}").fetchone()[0] for name in  # type: ignore[index]
                 ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")]
        parameters = conn.info.get_parameters()
    assert shown == ["1500ms", "1min", "20s"]
    assert {k: parameters[k] for k in ("keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                                       "sslmode")} == {"keepalives": "1", "keepalives_idle": "7",
                                                       "keepalives_interval": "3", "keepalives_count": "4",
                                                       "sslmode": "disable"}


def test_a_statement_blocked_by_another_sessions_lock_fails_after_the_lock_timeout_naming_the_setting(
        database_url: str) -> None:
    with row_locked(database_url), connect(config(database_url, lock_timeout=1)) as conn:
        started = time.monotonic()
        with pytest.raises(psycopg.errors.LockNotAvailable) as caught:
            conn.execute("UPDATE t SET v = 1 WHERE id = 1")
        waited = time.monotonic() - started
    assert 0.9 <= waited < 10
    assert reason(caught.value) == ("canceling statement due to lock timeout "
                                    "(waited longer than DATABASE_LOCK_TIMEOUT for a lock another session holds)")


def test_a_session_idle_inside_its_transaction_is_ended_by_the_server_and_its_locks_released(
        database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as setup:
        setup.execute("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        setup.execute("INSERT INTO t VALUES (1, 0)")
    zombie = connect(config(database_url, idle_in_transaction_timeout=1))
    zombie.execute("SELECT * FROM t WHERE id = 1 FOR UPDATE")  # then it freezes, holding the row
    with connect(config(database_url, lock_timeout=20)) as owner:
        started = time.monotonic()
        owner.execute("UPDATE t SET v = 1 WHERE id = 1")  # waits for the server to end the zombie
        owner.commit()
        assert time.monotonic() - started < 15
    with pytest.raises((psycopg.OperationalError, psycopg.errors.IdleInTransactionSessionTimeout)):
        zombie.execute("SELECT 1")
    zombie.close()


def test_a_statement_running_past_the_statement_timeout_is_cancelled_naming_the_setting(database_url: str) -> None:
    with connect(config(database_url, statement_timeout=0.5)) as conn, \
            pytest.raises(psycopg.errors.QueryCanceled) as caught:
        conn.execute("SELECT pg_sleep(10)")
    assert "DATABASE_STATEMENT_TIMEOUT" in reason(caught.value)


def test_options_in_the_url_win_over_the_settings(database_url: str) -> None:
    url = database_url + "?options=-c%20lock_timeout%3D7000"
    with connect(config(url, lock_timeout=1)) as conn:
        assert conn.execute("SHOW lock_timeout").fetchone() == ("7s",)


def test_sslmode_require_reaches_libpq_and_a_server_without_tls_is_refused(database_url: str) -> None:
    with pytest.raises(DatabaseUnavailable, match="server does not support SSL"):
        connect(config(database_url, sslmode="require")).close()


@pytest.mark.parametrize("url", [
    "postgresql://user:hunter2secret@localhost:notaport/db",
    "postgresql://user:hunter2secret@localhost:5432/db?nosuchoption=1",
    "postgresql://user:hunter2secret@local host:5432/db",
    "postgresql://user:hunter2%zzsecret@localhost/db",
    "postgresql://user:hunter2secret@localhost:5432/db?sslmode=bogus",
    "postgresql://user:hunter2secret@127.0.0.1:1/db",
])
def test_a_malformed_or_unreachable_url_is_one_error_that_never_shows_the_password(url: str) -> None:
    with pytest.raises(PipelineError) as caught:
        connect(config(url), timeout=2).close()
    chain: list[str] = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    assert "hunter2" not in " ".join(chain)


def test_a_service_connected_as_a_superuser_is_warned_and_one_on_its_role_is_not(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    provision_database(database_url)
    with connect(config(database_url)) as conn:
        warn_if_superuser(conn, schema.BATCH_ROLE)
    with connect(config(role_url(database_url, schema.BATCH_ROLE))) as conn:
        warn_if_superuser(conn, schema.BATCH_ROLE)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "as superuser postgres: run as pipeline_batch" in warnings[0]
