"""Building blocks for the one frozen settings object each service has.

Values come from the environment (``KAFKA_BROKERS``, ``DATABASE_URL``...) and can be overridden by
command-line flags; see ``common.cli.settings_from_args``. Classes below the entrypoint never read
``os.environ``: they receive plain values taken from these objects.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import schema

_BROKER = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


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
    """Where the events are."""

    kafka_brokers: str = Field(
        "localhost:9092", description="Kafka bootstrap servers, comma-separated host:port."
    )
    kafka_topic: str = Field(schema.DEFAULT_TOPIC, description="Topic the phones' events go to.")

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


class DatabaseSettings(ServiceSettings):
    """Where the tables are."""

    database_url: SecretStr = Field(
        SecretStr("postgresql://postgres@localhost:5432/postgres"),
        description="PostgreSQL connection URL (postgresql://user[:password]@host:port/db).",
    )

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr) -> SecretStr:
        if not re.match(r"^postgres(ql)?://", value.get_secret_value()):
            raise ValueError("must start with postgresql://")
        return value


class LakeSettings(ServiceSettings):
    """Where the Parquet lake is."""

    data_dir: Path = Field(Path("./data"), description="Folder holding the Parquet lake.")

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
