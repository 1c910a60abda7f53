"""Before and between runs: is PostgreSQL provisioned, and waiting for it to come back."""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from common import schema
from common.db import DatabaseConfig, connect, warn_if_superuser
from common.errors import ConfigError, DatabaseUnavailable

from ..retry import Backoff, Stopping

log = logging.getLogger("processor")


def provisioned(conn: psycopg.Connection[Any], table: str) -> bool:
    """Whether ``table`` exists: ``python -m provision`` has created it (or a migration has)."""
    found = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()
    return found is not None and found[0] is not None


def check_database(conn: psycopg.Connection[Any]) -> None:
    """Fail fast, in one line, if PostgreSQL is not provisioned; warn of a superuser."""
    found = provisioned(conn, schema.PROCESSOR_OFFSETS_TABLE)
    warn_if_superuser(conn, schema.PROCESSOR_ROLE)
    if not found:
        raise ConfigError("table processor_offsets is missing: run `python -m provision` first")


def wait_for_database(database: DatabaseConfig, backoff: Backoff, stopping: Stopping) -> None:
    """Sleep with backoff until PostgreSQL accepts connections again (or a stop is asked)."""
    while not stopping.wait(backoff.next()):
        try:
            connect(database, timeout=5).close()
            return
        except DatabaseUnavailable as e:
            log.warning("still waiting: %s", e)
