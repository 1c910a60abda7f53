"""Settings of a PostgreSQL client: the connection URL, TLS, and how long a session may wait or idle."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator

from .db import DatabaseConfig
from .settings import MAKE_A_SECRET, ServiceSettings, is_placeholder


class DatabaseSettings(ServiceSettings):
    """Where the tables are, and how long a session may wait or stay idle."""

    database_url: SecretStr = Field(
        SecretStr("postgresql://postgres@localhost:5432/postgres"),
        description="PostgreSQL connection URL (postgresql://user[:password]@host:port/db[?sslrootcert=...]).",
    )
    database_sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None = Field(
        None, description="TLS to PostgreSQL (libpq sslmode); none: the URL's sslmode, else libpq's prefer.")
    database_lock_timeout: float = Field(
        30.0, ge=0, description="Seconds a statement may wait for a lock before it fails (0: forever).")
    database_statement_timeout: float = Field(
        300.0, ge=0, description="Seconds a statement may run before it is cancelled (0: forever).")
    database_idle_in_transaction_timeout: float = Field(
        120.0, ge=0, description="Seconds a session may sit idle inside a transaction before the server ends it (0: forever).")
    database_keepalives_idle: int = Field(
        30, ge=1, description="Seconds of TCP silence before the first keepalive probe to PostgreSQL.")
    database_keepalives_interval: int = Field(10, ge=1, description="Seconds between TCP keepalive probes.")
    database_keepalives_count: int = Field(
        3, ge=1, description="Unanswered keepalive probes after which the connection is dead.")

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr) -> SecretStr:
        if not re.match(r"^postgres(ql)?://", value.get_secret_value()):
            raise ValueError("must start with postgresql://")
        password = urlsplit(value.get_secret_value()).password
        if password is not None and is_placeholder(unquote(password)):
            raise ValueError(f"its password is a placeholder (change-me...), known to anyone: {MAKE_A_SECRET}")
        return value

    @property
    def database(self) -> DatabaseConfig:
        """The connection settings as one plain value for the code below the entrypoint."""
        return DatabaseConfig(
            url=self.database_url, sslmode=self.database_sslmode, lock_timeout=self.database_lock_timeout,
            statement_timeout=self.database_statement_timeout,
            idle_in_transaction_timeout=self.database_idle_in_transaction_timeout,
            keepalives_idle=self.database_keepalives_idle, keepalives_interval=self.database_keepalives_interval,
            keepalives_count=self.database_keepalives_count)
