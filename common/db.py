"""PostgreSQL connections with errors that name the server but never the password."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from .errors import ConfigError, DatabaseUnavailable, first_line


def server_label(url: SecretStr) -> str:
    """``user@host:port/db`` for log lines, without the password."""
    try:
        info = conninfo_to_dict(url.get_secret_value())
    except psycopg.ProgrammingError as e:
        raise ConfigError(f"DATABASE_URL is not a valid PostgreSQL URL: {e}") from e
    host = info.get("host") or "localhost"
    return f"{info.get('user', '')}@{host}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def connect(url: SecretStr, *, timeout: int = 10, **kwargs: Any) -> psycopg.Connection[Any]:
    """Open a connection or raise ``DatabaseUnavailable`` naming the server and the reason."""
    where = server_label(url)
    try:
        return psycopg.connect(url.get_secret_value(), connect_timeout=timeout, **kwargs)
    except psycopg.OperationalError as e:
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {where}: {first_line(e)}") from e
