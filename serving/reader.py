"""The read-only role the dashboards connect as: its URL, derived from DATABASE_URL.

Its password is set by `python -m provision` (READER_PASSWORD); the serving commands only use it.
"""

from __future__ import annotations

from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from common import schema
from common.db import server_label


def reader_uri(database_url: SecretStr, password: SecretStr | None, sslmode: str | None = None,
               driver: str = "postgresql+psycopg2") -> str:
    """``driver://pipeline_reader[:password]@host:port/db[?sslmode=...]`` on the pipeline's server and database.

    ``sslmode`` (DATABASE_SSLMODE), else the URL's own, carries over: the dashboards use TLS
    whenever the pipeline does.
    """
    server_label(database_url)  # raises ConfigError on a malformed URL
    info = conninfo_to_dict(database_url.get_secret_value())
    secret = f":{quote(password.get_secret_value(), safe='')}" if password else ""
    host = info.get("host") or "localhost"
    tls = sslmode or str(info.get("sslmode") or "")
    query = f"?sslmode={quote(tls, safe='')}" if tls else ""
    return (f"{driver}://{schema.READER_ROLE}{secret}@{host}:{info.get('port', 5432)}/"
            f"{info.get('dbname', '')}{query}")
