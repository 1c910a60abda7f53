"""The simulator through the broker's SASL_SSL listener, as production runs Kafka: SCRAM-SHA-512 over TLS.

The listener offers SCRAM-SHA-512 only, on the same self-signed certificate as the TLS listener; the
client checks the certificate against KAFKA_SSL_CA_FILE and the host name, then logs in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common.kafka import ensure_topic
from devstack.kafka import KafkaBroker
from devstack.tls import self_signed

from ..helpers import consume_all, run_module
from ..services import unique

pytestmark = pytest.mark.integration


def sasl_ssl_env(broker: KafkaBroker, topic: str, *, mechanism: str = "SCRAM-SHA-512", password: str | None = None,
                 ca_file: Path | None = None) -> dict[str, str]:
    return {"KAFKA_BROKERS": broker.sasl_ssl_bootstrap, "KAFKA_TOPIC": topic, "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": mechanism, "KAFKA_SASL_USERNAME": broker.sasl_user,
            "KAFKA_SASL_PASSWORD": broker.sasl_password if password is None else password,
            "KAFKA_SSL_CA_FILE": str(ca_file or broker.tls_ca_file)}


def test_the_simulator_creates_its_topic_and_produces_through_sasl_ssl(kafka_sasl_ssl: KafkaBroker) -> None:
    topic = unique("sasl-ssl")
    result = run_module("simulator", "load", "--events", "500", "--partitions", "2",
                        env=sasl_ssl_env(kafka_sasl_ssl, topic))
    assert result.returncode == 0, result.stderr
    assert (f"{kafka_sasl_ssl.sasl_ssl_bootstrap} (SASL_SSL, SCRAM-SHA-512 as {kafka_sasl_ssl.sasl_user})"
            in result.stderr)
    assert len(consume_all(kafka_sasl_ssl.sasl_ssl_config(), topic)) == 500


def test_a_wrong_password_over_sasl_ssl_is_one_error_line_that_does_not_show_it(kafka_sasl_ssl: KafkaBroker) -> None:
    topic = unique("sasl-ssl")
    ensure_topic(kafka_sasl_ssl.sasl_ssl_config(), topic, 1)
    wrong = f"wrong-{unique('pw')}"
    result = run_module("simulator", "load", "--events", "10", env=sasl_ssl_env(kafka_sasl_ssl, topic, password=wrong))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the credentials" in lines[0], result.stderr
    assert wrong not in result.stderr + result.stdout


def test_a_mechanism_the_sasl_ssl_listener_does_not_offer_is_refused(kafka_sasl_ssl: KafkaBroker) -> None:
    result = run_module("simulator", "load", "--events", "10",
                        env=sasl_ssl_env(kafka_sasl_ssl, unique("sasl-ssl"), mechanism="SCRAM-SHA-256"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the credentials" in lines[0] and "SCRAM-SHA-256" in lines[0], result.stderr


def test_a_certificate_the_ca_file_does_not_vouch_for_stops_before_the_password_is_sent(
        kafka_sasl_ssl: KafkaBroker, tmp_path: Path) -> None:
    other = self_signed(tmp_path / "other-ca", password="other-ca-password")
    result = run_module("simulator", "load", "--events", "10",
                        env=sasl_ssl_env(kafka_sasl_ssl, unique("sasl-ssl"), ca_file=other.certificate))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "TLS handshake" in lines[0] and "certificate verify failed" in lines[0], result.stderr
