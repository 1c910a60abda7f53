"""The simulator through the broker's SASL listener: KAFKA_SECURITY_PROTOCOL and KAFKA_SASL_* settings."""

from __future__ import annotations

import pytest

from devstack.kafka import KafkaBroker

from ..helpers import consume_all, run_module
from ..services import unique

pytestmark = pytest.mark.integration


def sasl_env(broker: KafkaBroker, mechanism: str, topic: str, password: str | None = None) -> dict[str, str]:
    return {"KAFKA_BROKERS": broker.sasl_bootstrap, "KAFKA_TOPIC": topic, "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": mechanism, "KAFKA_SASL_USERNAME": broker.sasl_user,
            "KAFKA_SASL_PASSWORD": broker.sasl_password if password is None else password}


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "PLAIN"])
def test_the_simulator_creates_its_topic_and_produces_through_sasl(kafka_sasl: KafkaBroker, mechanism: str) -> None:
    topic = unique("sasl")
    result = run_module("simulator", "load", "--events", "500", "--partitions", "2",
                        env=sasl_env(kafka_sasl, mechanism, topic))
    assert result.returncode == 0, result.stderr
    assert f"{kafka_sasl.sasl_bootstrap} (SASL_PLAINTEXT, {mechanism} as {kafka_sasl.sasl_user})" in result.stderr
    assert len(consume_all(kafka_sasl.sasl_config(mechanism), topic)) == 500


def test_the_sasl_listener_refuses_a_client_without_credentials(kafka_sasl: KafkaBroker) -> None:
    result = run_module("simulator", "load", "--events", "10",
                        env={"KAFKA_BROKERS": kafka_sasl.sasl_bootstrap, "KAFKA_TOPIC": unique("sasl")})
    assert result.returncode == 1 and "did not answer" in result.stderr
