"""Before and between runs: is PostgreSQL provisioned, and waiting for it to come back."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from common import schema
from common.db import connect
from common.errors import ConfigError, DatabaseUnavailable

from ..retry import Backoff, Stopping

log = logging.getLogger("processor")


def check_database(url: SecretStr) -> None:
    """Fail fast, in one line, if PostgreSQL is unreachable or not provisioned."""
    with connect(url) as conn:
        found = conn.execute("SELECT to_regclass(%s)", (schema.PROCESSOR_OFFSETS_TABLE,)).fetchone()
    if found is None or found[0] is None:
        raise ConfigError("table processor_offsets is missing: run `python -m provision` first")


def wait_for_database(url: SecretStr, backoff: Backoff, stopping: Stopping) -> None:
    """Sleep with backoff until PostgreSQL accepts connections again (or a stop is asked)."""
    while not stopping.wait(backoff.next()):
        try:
            connect(url, timeout=5).close()
            return
        except DatabaseUnavailable as e:
            log.warning("still waiting: %s", e)
