"""Every Kafka client of the processor is built from its settings, for each transport: the consumer and
producer of the Quix application, the admin client and the dead-letter producer.

No broker is needed: librdkafka checks the connection properties when a client is created (a SASL
mechanism it does not know, a CA file it cannot load). One full processor run goes through the
production transport, SASL_SSL (tests/processor/test_processor_security.py); the broker's listeners
refusing wrong credentials and certificates are tested through the simulator
(tests/simulator/test_simulator_sasl_ssl.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaException, Producer
from quixstreams.kafka.configuration import ConnectionConfig

from common.kafka import admin
from devstack.tls import self_signed_pem
from processor.kafka.dead_letters import DeadLetters
from processor.settings import ProcessorSettings

from ..helpers import settings_from_env

BROKERS = "127.0.0.1:9"  # nothing listens: creating a client does not connect
SASL = {"KAFKA_SASL_USERNAME": "antenna", "KAFKA_SASL_PASSWORD": "secret-password"}
TRANSPORTS = {
    "PLAINTEXT": {},
    "SSL": {"KAFKA_SECURITY_PROTOCOL": "SSL"},
    "SASL_PLAINTEXT-PLAIN": {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM": "PLAIN", **SASL},
    "SASL_PLAINTEXT-SCRAM-SHA-256": {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
                                     "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256", **SASL},
    "SASL_SSL-SCRAM-SHA-512": {"KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", **SASL},
}


@pytest.fixture(scope="module")
def ca_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return self_signed_pem(tmp_path_factory.mktemp("ca")).certificate


def settings(transport: str, ca: Path) -> ProcessorSettings:
    env = {"KAFKA_BROKERS": BROKERS, "KAFKA_TOPIC": "devices", "DATABASE_URL": "postgresql://unused@localhost/x",
           "DATA_DIR": "/nonexistent", **TRANSPORTS[transport]}
    if env.get("KAFKA_SECURITY_PROTOCOL", "").endswith("SSL"):
        env["KAFKA_SSL_CA_FILE"] = str(ca)
    return settings_from_env(ProcessorSettings, env)


def expected(transport: str, ca: Path) -> dict[str, str]:
    env = TRANSPORTS[transport]
    protocol = env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    props = {"bootstrap.servers": BROKERS, "security.protocol": protocol.lower()}
    if "KAFKA_SASL_MECHANISM" in env:
        props |= {"sasl.mechanism": env["KAFKA_SASL_MECHANISM"], "sasl.username": "antenna",
                  "sasl.password": "secret-password"}
    if protocol.endswith("SSL"):
        props["ssl.ca.location"] = str(ca)
    return props


def every_client(s: ProcessorSettings) -> None:
    """Create each client the processor creates, as it creates them (processor/service.py)."""
    quix = ConnectionConfig.from_librdkafka_dict(s.kafka.client_config()).as_librdkafka_dict()
    Consumer({**quix, "group.id": "transports"}).close()
    Producer(quix).flush(0)
    admin(s.kafka)
    DeadLetters(kafka=s.kafka, dlq_topic="devices-dlq", max_bytes=1_000_000, timeout=1)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_each_transport_reaches_every_client_of_the_processor_as_its_settings_say(transport: str, ca_file: Path) -> None:
    s = settings(transport, ca_file)
    assert s.kafka.client_config() == expected(transport, ca_file)
    quix = ConnectionConfig.from_librdkafka_dict(s.kafka.client_config()).as_librdkafka_dict()
    assert {k: quix[k] for k in expected(transport, ca_file)} == expected(transport, ca_file)  # nothing lost in Quix
    every_client(s)  # librdkafka accepts the properties, the CA file loaded


@pytest.mark.parametrize("transport", ["SSL", "SASL_SSL-SCRAM-SHA-512"])
def test_a_ca_file_that_holds_no_certificate_fails_every_tls_client_at_creation(transport: str, tmp_path: Path) -> None:
    """The CA file reaches each client: librdkafka loads it when the client is created."""
    not_a_certificate = tmp_path / "ca.pem"
    not_a_certificate.write_text("not a certificate\n")
    s = settings(transport, not_a_certificate)
    quix = ConnectionConfig.from_librdkafka_dict(s.kafka.client_config()).as_librdkafka_dict()
    creations = [lambda: Consumer({**quix, "group.id": "transports"}), lambda: Producer(quix), lambda: admin(s.kafka),
                 lambda: DeadLetters(kafka=s.kafka, dlq_topic="devices-dlq", max_bytes=1_000_000, timeout=1)]
    for create in creations:
        with pytest.raises(KafkaException, match=r"ssl\.ca\.location"):
            create()

