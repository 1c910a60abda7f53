"""The test broker's server.properties and the POM versions, as text: no broker, no Maven."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.errors import DevStackError
from devstack.kafka import POM, KafkaBroker
from devstack.kafka_properties import server_properties
from devstack.maven import pom_version
from devstack.tls import SelfSigned


def properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_a_plain_broker_listens_on_plaintext_and_its_controller_only(tmp_path: Path) -> None:
    props = properties(server_properties(KafkaBroker(tmp_path, 9092, 9093, tmp_path), None))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092"
    assert props["log.dirs"] == str(tmp_path / "logs") and props["auto.create.topics.enable"] == "false"
    assert not [key for key in props if key.startswith("listener.name.")]


def test_each_extra_listener_gets_its_mechanisms_and_the_one_keystore(tmp_path: Path) -> None:
    made = SelfSigned(tmp_path / "k.p12", "kpw", tmp_path / "ca.pem")
    broker = KafkaBroker(tmp_path, 1, 2, tmp_path, sasl_port=3, sasl_password="pw", tls_port=4, sasl_ssl_port=5)
    props = properties(server_properties(broker, made))
    assert props["advertised.listeners"] == ("PLAINTEXT://127.0.0.1:1,SASL_PLAINTEXT://127.0.0.1:3,"
                                             "SSL://127.0.0.1:4,SASL_SSL://127.0.0.1:5")
    assert props["listener.name.sasl_plaintext.sasl.enabled.mechanisms"] == "PLAIN,SCRAM-SHA-256"
    assert 'user_pipeline="pw"' in props["listener.name.sasl_plaintext.plain.sasl.jaas.config"]
    assert props["listener.name.sasl_ssl.sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    for listener in ("ssl", "sasl_ssl"):
        assert props[f"listener.name.{listener}.ssl.keystore.location"] == str(made.keystore)
        assert props[f"listener.name.{listener}.ssl.keystore.password"] == "kpw"


def test_a_tls_listener_without_a_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ssl listener needs the broker's certificate"):
        server_properties(KafkaBroker(tmp_path, 1, 2, tmp_path, tls_port=4), None)


def test_a_pom_version_is_read_from_its_properties_and_a_missing_one_named() -> None:
    assert pom_version(POM, "kafka.version").count(".") == 2
    with pytest.raises(DevStackError, match=r"pins no <nothing\.version>"):
        pom_version(POM, "nothing.version")
