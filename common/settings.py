"""Building blocks for the one frozen settings object each service has.

Values come from the environment (``KAFKA_BROKERS``, ``DATABASE_URL``...) and can be overridden by
command-line flags; see ``common.cli.settings_from_args``. Classes below the entrypoint never read
``os.environ``: they receive plain values taken from these objects.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import schema
from .db import DatabaseConfig
from .errors import ConfigError
from .lake_store import LakeStore, parse_lake_url
from .s3 import S3Options

if TYPE_CHECKING:
    from .kafka import KafkaConfig

_BROKER = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")
# The placeholders of examples and templates (`change-me`, `changeme`, `CHANGE_ME-postgres`...).
_PLACEHOLDER = re.compile(r"^\s*change[-_ ]?me", re.IGNORECASE)
MAKE_A_SECRET = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def real_secret(value: SecretStr | None) -> SecretStr | None:
    """A secret setting as given, or ``ValueError`` when it is empty or a ``change-me`` placeholder.

    Unset (``None``) stays allowed where the setting is optional. The message never holds the value.
    """
    if value is None:
        return None
    text = value.get_secret_value()
    if not text.strip():
        raise ValueError(f"is empty: {MAKE_A_SECRET}")
    if _PLACEHOLDER.match(text):
        raise ValueError(f"is a placeholder (change-me...), known to anyone: {MAKE_A_SECRET}")
    return value


class ServiceSettings(BaseSettings):
    """Base of every service's settings: frozen, from the environment, unknown keys rejected."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", case_sensitive=False)

    log_level: str = Field("INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level


class KafkaSettings(ServiceSettings):
    """Where the events are, and how to authenticate to the brokers."""

    kafka_brokers: str = Field(
        "localhost:9092", description="Kafka bootstrap servers, comma-separated host:port."
    )
    kafka_topic: str = Field(schema.DEFAULT_TOPIC, description="Topic the phones' events go to.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS).")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        None, description="SASL mechanism with a SASL_* protocol: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
    kafka_sasl_username: str | None = Field(None, description="SASL user name.")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password.")
    kafka_ssl_ca_file: Path | None = Field(
        None, description="PEM file of the CA that signed the brokers' certificates (none: the system's CAs).")

    @field_validator("kafka_sasl_password")
    @classmethod
    def _real_password(cls, value: SecretStr | None) -> SecretStr | None:
        return real_secret(value)

    @field_validator("kafka_brokers")
    @classmethod
    def _brokers_are_host_ports(cls, value: str) -> str:
        brokers = [b.strip() for b in value.split(",") if b.strip()]
        bad = [b for b in brokers if not _BROKER.match(b)]
        if not brokers or bad:
            raise ValueError(f"expected host:port[,host:port...], got {value!r}")
        return ",".join(brokers)

    @field_validator("kafka_topic")
    @classmethod
    def _topic_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9._\-]{1,249}", value):
            raise ValueError(f"not a valid Kafka topic name: {value!r}")
        return value

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("kafka_ssl_ca_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _security_fits_protocol(self) -> KafkaSettings:
        sasl = [self.kafka_sasl_mechanism, self.kafka_sasl_username, self.kafka_sasl_password]
        if self.kafka_security_protocol.startswith("SASL_"):
            if any(v is None for v in sasl):
                raise ValueError(f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                                 "KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        elif any(v is not None for v in sasl):
            raise ValueError("KAFKA_SASL_* settings need KAFKA_SECURITY_PROTOCOL=SASL_SSL or SASL_PLAINTEXT")
        if self.kafka_ssl_ca_file is not None and not self.kafka_security_protocol.endswith("SSL"):
            raise ValueError("KAFKA_SSL_CA_FILE needs KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL")
        return self

    @property
    def kafka(self) -> KafkaConfig:
        """The connection settings every Kafka client of the service is built from."""
        from .kafka import KafkaConfig  # here, not at the top: services without Kafka never load its client

        return KafkaConfig(
            brokers=self.kafka_brokers, security_protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism, sasl_username=self.kafka_sasl_username,
            sasl_password=self.kafka_sasl_password, ssl_ca_file=self.kafka_ssl_ca_file)


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
        if password is not None and _PLACEHOLDER.match(unquote(password)):
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


class LakeSettings(ServiceSettings):
    """Where the Parquet lake is."""

    data_dir: Path = Field(Path("./data"), description="Local folder: the lake's default place (events/) unless LAKE_URL "
                           "says otherwise, and the processor's staging/, tmp/ and state/.")

    @property
    def lake_dir(self) -> Path:
        """The hive-partitioned events dataset."""
        return self.data_dir / schema.LAKE_SUBDIR

    @property
    def staging_dir(self) -> Path:
        """Committed batches of the speed layer not yet published into the lake."""
        return self.data_dir / schema.STAGING_SUBDIR

    @property
    def tmp_dir(self) -> Path:
        """Files being written (same file system as the lake, outside it)."""
        return self.data_dir / schema.TMP_SUBDIR

class LakeStorageSettings(LakeSettings):
    """Where the lake is: ``DATA_DIR/events``, another folder, or an S3 bucket prefix."""

    lake_url: str | None = Field(None, description="The lake: a folder or s3://bucket/prefix (default: DATA_DIR/events).")
    aws_endpoint_url: str | None = Field(
        None, description="S3 endpoint of a store that is not AWS S3 (GCS, s3proxy...); unset for AWS S3.")
    aws_access_key_id: str | None = Field(None, description="S3 access key (unset: the SDK's credential chain).")
    aws_secret_access_key: SecretStr | None = Field(None, description="S3 secret key (never logged).")
    aws_region: str = Field("us-east-1", description="Region the S3 requests are signed for.")
    aws_allow_http: bool = Field(False, description="Allow a plain-http AWS_ENDPOINT_URL (local test servers).")

    @field_validator("lake_url", "aws_endpoint_url", "aws_access_key_id", "aws_secret_access_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("aws_secret_access_key")
    @classmethod
    def _real_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        return real_secret(value)

    @field_validator("lake_url")
    @classmethod
    def _folder_or_s3(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_lake_url(value)
            except ConfigError as e:
                raise ValueError(str(e)) from e
        return value

    @field_validator("aws_endpoint_url")
    @classmethod
    def _endpoint_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"expected http(s)://host[:port], got {value!r}")
        return value

    @model_validator(mode="after")
    def _http_allowed(self) -> LakeStorageSettings:
        if (self.aws_endpoint_url or "").startswith("http://") and not self.aws_allow_http:
            raise ValueError("AWS_ENDPOINT_URL is plain http: set AWS_ALLOW_HTTP=true to allow it")
        return self

    def lake(self) -> LakeStore:
        """The lake's store, built from these settings."""
        s3 = S3Options(endpoint_url=self.aws_endpoint_url, access_key_id=self.aws_access_key_id,
                       secret_access_key=self.aws_secret_access_key, region=self.aws_region,
                       allow_http=self.aws_allow_http)
        return LakeStore(self.lake_url or str(self.lake_dir), s3)
