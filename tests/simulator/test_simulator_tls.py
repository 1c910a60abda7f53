"""The simulator through the broker's TLS listener: KAFKA_SECURITY_PROTOCOL=SSL and KAFKA_SSL_CA_FILE.

The broker's certificate is self-signed for 127.0.0.1; the client checks it against the CA file and
the host name, as it would in production.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.kafka import KafkaBroker

from ..helpers import consume_all, run_module
from ..services import unique

pytestmark = pytest.mark.integration


def tls_env(broker: KafkaBroker, topic: str, ca_file: Path) -> dict[str, str]:
    return {"KAFKA_BROKERS": broker.tls_bootstrap, "KAFKA_TOPIC": topic, "KAFKA_SECURITY_PROTOCOL": "SSL",
            "KAFKA_SSL_CA_FILE": str(ca_file)}


def test_the_simulator_creates_its_topic_and_produces_through_tls(kafka_tls: KafkaBroker) -> None:
    topic = unique("tls")
    result = run_module("simulator", "load", "--events", "500", "--partitions", "2",
                        env=tls_env(kafka_tls, topic, kafka_tls.tls_ca_file))
    assert result.returncode == 0, result.stderr
    assert f"{kafka_tls.tls_bootstrap} (SSL)" in result.stderr
    assert len(consume_all(kafka_tls.tls_config(), topic)) == 500


def test_the_tls_listener_refuses_a_plaintext_client(kafka_tls: KafkaBroker) -> None:
    result = run_module("simulator", "load", "--events", "10",
                        env={"KAFKA_BROKERS": kafka_tls.tls_bootstrap, "KAFKA_TOPIC": unique("tls")})
    assert result.returncode == 1 and "did not answer" in result.stderr
