"""Settings of a Kafka client: the brokers, the topic, and how to authenticate (TLS, SASL)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator, model_validator

from . import schema
from .settings import OptionalRealSecret, ServiceSettings

if TYPE_CHECKING:
    from .kafka import KafkaConfig

_BROKER = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


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
    kafka_sasl_password: OptionalRealSecret = Field(None, description="SASL password.")
    kafka_ssl_ca_file: Path | None = Field(
        None, description="PEM file of the CA that signed the brokers' certificates (none: the system's CAs).")

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
