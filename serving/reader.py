"""The read-only role the dashboards connect as: its URL, derived from DATABASE_URL.

Its password is set by `python -m provision` (READER_PASSWORD); the serving commands only use it.
"""

from __future__ import annotations

from urllib.parse import quote

from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from common import schema
from common.db import server_label

# libpq parameters that say how the server's certificate is checked: they carry over to the reader.
SERVER_CHECK = ("sslrootcert", "sslcrl")


def reader_uri(database_url: SecretStr, password: SecretStr | None, sslmode: str | None = None,
               driver: str = "postgresql+psycopg2") -> str:
    """``driver://pipeline_reader[:password]@host:port/db[?sslmode=...&sslrootcert=...]`` on the pipeline's server.

    ``sslmode`` (DATABASE_SSLMODE), else the URL's own, carries over, and so do the URL's
    ``sslrootcert`` and ``sslcrl`` (how the server's certificate is checked): the dashboards use TLS,
    and check the server, whenever the pipeline does. Client certificates (``sslcert``, ``sslkey``)
    are the pipeline role's own and do not carry over.
    """
    server_label(database_url)  # raises ConfigError on a malformed URL
    info = conninfo_to_dict(database_url.get_secret_value())
    secret = f":{quote(password.get_secret_value(), safe='')}" if password else ""
    host = info.get("host") or "localhost"
    tls = {"sslmode": sslmode or info.get("sslmode"), **{k: info.get(k) for k in SERVER_CHECK}}
    query = "&".join(f"{key}={quote(str(value), safe='/')}" for key, value in tls.items() if value)
    return (f"{driver}://{schema.READER_ROLE}{secret}@{host}:{info.get('port', 5432)}/"
            f"{info.get('dbname', '')}{'?' + query if query else ''}")
