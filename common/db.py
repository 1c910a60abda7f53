"""PostgreSQL connections: session limits, TCP keepalives and TLS from settings, and errors that
name the server but never the password.

Every session gets ``lock_timeout``, ``statement_timeout`` and ``idle_in_transaction_session_timeout``
(through the ``options`` startup parameter, so they hold from the first statement) and TCP
keepalives: a session stuck behind a frozen peer's lock, or holding one, ends with an error
instead of waiting for hours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from .errors import ConfigError, DatabaseUnavailable, DataRejected, PipelineError, first_line

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseConfig:
    """Where PostgreSQL is and how each session is bounded (seconds; 0 turns a limit off)."""

    url: SecretStr
    sslmode: str | None = None
    lock_timeout: float = 30.0
    statement_timeout: float = 300.0
    idle_in_transaction_timeout: float = 120.0
    keepalives_idle: int = 30
    keepalives_interval: int = 10
    keepalives_count: int = 3

    def session_options(self) -> str:
        """``-c name=ms ...`` for libpq's ``options``; the URL's own options come after, so they win."""
        limits = {"lock_timeout": self.lock_timeout, "statement_timeout": self.statement_timeout,
                  "idle_in_transaction_session_timeout": self.idle_in_transaction_timeout}
        ours = " ".join(f"-c {name}={round(seconds * 1000)}" for name, seconds in limits.items())
        theirs = _url_parameters(self.url).get("options", "")
        return f"{ours} {theirs}".strip()

    def connect_kwargs(self) -> dict[str, Any]:
        """Connection parameters added to the URL's."""
        kwargs: dict[str, Any] = {
            "options": self.session_options(), "keepalives": 1, "keepalives_idle": self.keepalives_idle,
            "keepalives_interval": self.keepalives_interval, "keepalives_count": self.keepalives_count}
        if self.sslmode is not None:
            kwargs["sslmode"] = self.sslmode
        return kwargs


def _url_parameters(url: SecretStr) -> dict[str, Any]:
    try:
        return conninfo_to_dict(url.get_secret_value())
    except psycopg.ProgrammingError:
        pass  # libpq's message quotes the part it could not parse, maybe the password: not kept, not chained
    raise ConfigError("DATABASE_URL is not a valid PostgreSQL URL "
                      "(postgresql://user[:password]@host[:port]/database[?param=value])")


# What the session limits' errors mean, by SQLSTATE, naming the setting behind each.
_LIMITS = {
    "55P03": "waited longer than DATABASE_LOCK_TIMEOUT for a lock another session holds",
    "57014": "ran longer than DATABASE_STATEMENT_TIMEOUT, or was cancelled",
    "25P03": "sat idle in a transaction longer than DATABASE_IDLE_IN_TRANSACTION_TIMEOUT",
}


def reason(error: psycopg.Error) -> str:
    """The first line of a driver error, and which session limit ended it, if one did."""
    limit = _LIMITS.get(error.sqlstate or "")
    return f"{first_line(error)} ({limit})" if limit else first_line(error)


# Refusals of a value for what it is: retrying cannot help. ProgramLimitExceeded (an index row too
# large) is an OperationalError to psycopg, like a lost connection: it is told apart first.
DATA_ERRORS = (psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgramLimitExceeded)
# An outage, including the session limits (lock, statement, idle in transaction): retried.
OUTAGES = (psycopg.OperationalError, psycopg.errors.IdleInTransactionSessionTimeout)


def database_error(error: psycopg.Error, service: str, role: str, server: str = "PostgreSQL",
                   during: str = "") -> PipelineError | None:
    """Our error for a driver error a user can meet, or None (a bug: left as it is).

    ``DataRejected`` for a value PostgreSQL refuses, ``ConfigError`` for a database not provisioned
    or a wrong role (``service`` connects as ``role``), ``DatabaseUnavailable`` for an outage;
    ``server`` begins each message ("PostgreSQL", or "PostgreSQL at user@host:port/db"), ``during``
    says what an outage interrupted ("during a batch").
    """
    if isinstance(error, DATA_ERRORS):  # before OUTAGES: a program limit is the data's fault
        return DataRejected(f"{server} refused a value: {first_line(error)}")
    if isinstance(error, psycopg.errors.UndefinedTable):
        return ConfigError(f"{server} lacks a table ({error.diag.message_primary}): run `python -m provision` first")
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return ConfigError(f"{server} refused the {service}: {error.diag.message_primary} (connect as {role}, "
                           "granted by `python -m provision`)")
    if isinstance(error, OUTAGES):
        return DatabaseUnavailable(f"{server} failed{' ' + during if during else ''}: {reason(error)}")
    return None


@contextmanager
def database_errors(service: str, role: str, server: str = "PostgreSQL") -> Iterator[None]:
    """Raise ``database_error``'s error in place of a driver error met inside (others pass as they are)."""
    try:
        yield
    except psycopg.Error as e:
        mapped = database_error(e, service, role, server)
        if mapped is None:
            raise
        raise mapped from e


def server_label(url: SecretStr) -> str:
    """``user@host:port/db`` for log lines, without the password."""
    info = _url_parameters(url)
    host = info.get("host") or "localhost"
    return f"{info.get('user', '')}@{host}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def connect(database: DatabaseConfig, *, timeout: int = 10, **kwargs: Any) -> psycopg.Connection[Any]:
    """Open a bounded session or raise ``DatabaseUnavailable`` naming the server and the reason."""
    where = server_label(database.url)
    try:
        return psycopg.connect(database.url.get_secret_value(), connect_timeout=timeout,
                               **database.connect_kwargs(), **kwargs)
    except psycopg.OperationalError as e:
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {where}: {reason(e)}") from e


def warn_if_superuser(conn: psycopg.Connection[Any], role: str) -> None:
    """Log a warning when a service runs as a superuser instead of its own least-privilege ``role``."""
    row = conn.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if row is not None and row[1]:
        log.warning("connected to PostgreSQL as superuser %s: run as %s (created by `python -m provision`), "
                    "which can only do what this service does", row[0], role)
