"""Before and between runs: is PostgreSQL provisioned, and waiting for it to come back."""

from __future__ import annotations

import logging
from typing import Any

import psycopg

from common import schema
from common.db import DatabaseConfig, connect, warn_if_superuser
from common.errors import ConfigError, DatabaseUnavailable
from common.retry import Backoff, Stopping

log = logging.getLogger("processor")


def check_database(conn: psycopg.Connection[Any]) -> None:
    """Fail fast, in one line, if PostgreSQL is not provisioned; warn of a superuser."""
    found = conn.execute("SELECT to_regclass(%s)", (schema.PROCESSOR_OFFSETS_TABLE,)).fetchone()
    warn_if_superuser(conn, schema.PROCESSOR_ROLE)
    if found is None or found[0] is None:
        raise ConfigError("table processor_offsets is missing: run `python -m provision` first")


def wait_for_database(database: DatabaseConfig, backoff: Backoff, stopping: Stopping) -> None:
    """Sleep with backoff until PostgreSQL accepts connections again (or a stop is asked)."""
    while not stopping.wait(backoff.next()):
        try:
            connect(database, timeout=5).close()
            return
        except DatabaseUnavailable as e:
            log.warning("still waiting: %s", e)
