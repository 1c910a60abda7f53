"""Kafka connection settings for every client, and small admin helpers used at start-up.

Every producer, consumer and admin client of the pipeline is built from a ``KafkaConfig``, so TLS
and SASL apply to all of them at once. A plain ``"host:port"`` string stands for a PLAINTEXT one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType
from pydantic import SecretStr

from .errors import BrokerUnavailable


@dataclass(frozen=True)
class KafkaConfig:
    """Bootstrap servers and how to reach them (librdkafka ``security.protocol`` and SASL/TLS)."""

    brokers: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_ca_file: Path | None = None

    def client_config(self) -> dict[str, Any]:
        """The librdkafka connection properties (holds the SASL password: never log it)."""
        config: dict[str, Any] = {"bootstrap.servers": self.brokers,
                                  "security.protocol": self.security_protocol.lower()}
        if self.sasl_mechanism is not None:
            config["sasl.mechanism"] = self.sasl_mechanism
            config["sasl.username"] = self.sasl_username or ""
            config["sasl.password"] = self.sasl_password.get_secret_value() if self.sasl_password else ""
        if self.ssl_ca_file is not None:
            config["ssl.ca.location"] = str(self.ssl_ca_file)
        return config

    def describe(self) -> str:
        """``brokers`` and, unless PLAINTEXT, ``(protocol[, mechanism as user])`` for log lines."""
        if self.security_protocol == "PLAINTEXT":
            return self.brokers
        how = self.security_protocol
        if self.sasl_mechanism is not None:
            how += f", {self.sasl_mechanism} as {self.sasl_username}"
        return f"{self.brokers} ({how})"


def kafka_config(kafka: KafkaConfig | str) -> KafkaConfig:
    """``kafka`` itself, or a PLAINTEXT config for a bare bootstrap string."""
    return KafkaConfig(kafka) if isinstance(kafka, str) else kafka


class _Errors:
    """librdkafka's error callback (served by ``poll``): the reason behind a bare "transport failure"."""

    def __init__(self) -> None:
        self.authentication: KafkaError | None = None
        self.tls: KafkaError | None = None  # a failed TLS handshake: an untrusted certificate, a wrong host name

    def __call__(self, error: KafkaError) -> None:
        if error.code() == KafkaError._AUTHENTICATION and self.authentication is None:
            self.authentication = error
        elif error.code() == KafkaError._SSL and self.tls is None:
            self.tls = error


def admin(kafka: KafkaConfig | str, errors: _Errors | None = None) -> AdminClient:
    """An admin client that gives up quickly instead of retrying forever."""
    # log_level 2: librdkafka's own connection-refused lines would bury our one-line error.
    return AdminClient({**kafka_config(kafka).client_config(), "socket.connection.setup.timeout.ms": 5000,
                        "log_level": 2, "error_cb": errors or _Errors()})


def check_broker(kafka: KafkaConfig | str, timeout: float = 10.0) -> AdminClient:
    """Return an admin client once the cluster answers, or raise ``BrokerUnavailable``."""
    config, errors = kafka_config(kafka), _Errors()
    client = admin(config, errors)
    try:
        client.list_topics(timeout=timeout)
    except KafkaException as e:
        client.poll(0)
        if errors.authentication is not None:
            raise BrokerUnavailable(f"Kafka broker at {config.describe()} refused the credentials "
                                    f"({errors.authentication.str()})") from e
        if errors.tls is not None:
            raise BrokerUnavailable(f"TLS handshake with the Kafka broker at {config.describe()} failed "
                                    f"({errors.tls.str()})") from e
        raise BrokerUnavailable(
            f"Kafka broker at {config.describe()} did not answer within {timeout:g}s ({e.args[0]})"
        ) from e
    return client


def ensure_topic(kafka: KafkaConfig | str, topic: str, partitions: int, timeout: float = 10.0) -> int:
    """Create ``topic`` with ``partitions`` partitions if missing; return its partition count.

    The replication factor is the cluster's ``default.replication.factor`` (``-1`` asks the broker
    for it): three replicas on a cluster set up for three, one on a single development broker."""
    client = check_broker(kafka, timeout)
    existing = client.list_topics(timeout=timeout).topics
    if topic not in existing:
        futures = client.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=-1)])
        try:
            futures[topic].result(timeout)
        except KafkaException as e:
            if "TOPIC_ALREADY_EXISTS" not in str(e):
                raise BrokerUnavailable(f"cannot create topic {topic!r} on {kafka_config(kafka).brokers}: {e}") from e
        return partitions
    return len(existing[topic].partitions)


def max_message_bytes(kafka: KafkaConfig | str, topic: str, timeout: float = 10.0) -> int:
    """The largest record batch ``topic`` accepts (its ``max.message.bytes``)."""
    resource, client = ConfigResource(ResourceType.TOPIC, topic), admin(kafka)  # the client must outlive the call
    try:
        configs = client.describe_configs([resource])[resource].result(timeout)
    except KafkaException as e:
        raise BrokerUnavailable(f"cannot read the configuration of topic {topic!r} on "
                                f"{kafka_config(kafka).describe()}: {e}") from e
    return int(configs["max.message.bytes"].value)


def end_offsets(kafka: KafkaConfig | str, topic: str, timeout: float = 10.0) -> dict[int, int]:
    """The high watermark (next offset to be written) of every partition of ``topic``."""
    consumer = Consumer({**kafka_config(kafka).client_config(), "group.id": "antenna-watermarks"})
    try:
        partitions = consumer.list_topics(topic, timeout=timeout).topics[topic].partitions
        return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1] for p in partitions}
    finally:
        consumer.close()


# librdkafka pauses fetching a partition for fetch.queue.backoff.ms (default 1000 ms) whenever its
# prefetch queue is over queued.min.messages: a fast consumer then spends most of its time waiting.
# Measured on this machine class (bare consume loop, 1M messages): ~250k msgs/s with the defaults,
# ~1.7M msgs/s with these, and a smaller prefetch queue (RSS ~65 MB instead of ~200 MB).
CONSUMER_TUNING: dict[str, int] = {
    "queued.min.messages": 20_000,
    "queued.max.messages.kbytes": 16 << 10,
    "fetch.queue.backoff.ms": 5,
}
