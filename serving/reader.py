"""The read-only role the dashboards connect as: its URL, derived from DATABASE_URL, and its password."""

from __future__ import annotations

from urllib.parse import quote

from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from common import schema
from common.db import connect, server_label


def reader_uri(database_url: SecretStr, password: SecretStr | None,
               driver: str = "postgresql+psycopg2") -> str:
    """``driver://pipeline_reader[:password]@host:port/db`` on the pipeline's server and database."""
    server_label(database_url)  # raises ConfigError on a malformed URL
    info = conninfo_to_dict(database_url.get_secret_value())
    secret = f":{quote(password.get_secret_value(), safe='')}" if password else ""
    host = info.get("host") or "localhost"
    return f"{driver}://{schema.READER_ROLE}{secret}@{host}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def set_reader_password(database_url: SecretStr, password: SecretStr) -> None:
    """Give the role its password (needs a role allowed to ALTER it; the provisioner's does)."""
    statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
        sql.Identifier(schema.READER_ROLE), sql.Literal(password.get_secret_value()))
    with connect(database_url, autocommit=True) as conn:
        conn.execute(statement)
