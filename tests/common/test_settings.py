"""Settings: environment, flags, validation, documentation."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from batch.settings import BatchSettings
from common.cli import add_settings_arguments, secret_settings, settings_from_args
from common.errors import ConfigError
from common.settings import real_secret
from common.settings_database import DatabaseSettings
from common.settings_kafka import KafkaSettings
from common.settings_lake import LakeSettings, LakeStorageSettings
from devstack.settings import DevstackSettings
from processor.settings import ProcessorSettings
from provision.settings import ProvisionSettings
from serving.settings import ServeSettings
from simulator.settings import SimulatorSettings

README = Path(__file__).parents[2] / "README.md"


class Everything(KafkaSettings, DatabaseSettings, LakeSettings):
    pass


def parse(argv: list[str]) -> Everything:
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser, Everything)
    return settings_from_args(Everything, parser.parse_args(argv))


def test_defaults_match_the_documented_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("KAFKA_BROKERS", "KAFKA_TOPIC", "DATABASE_URL", "DATA_DIR"):
        monkeypatch.delenv(key, raising=False)
    s = parse([])
    assert s.kafka_brokers == "localhost:9092" and s.kafka_topic == "devices"
    assert s.database_url.get_secret_value() == "postgresql://postgres@localhost:5432/postgres"
    assert s.data_dir == Path("./data")


def test_a_flag_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_TOPIC", "from-env")
    assert parse([]).kafka_topic == "from-env"
    assert parse(["--kafka-topic", "from-flag"]).kafka_topic == "from-flag"


@pytest.mark.parametrize(("env", "value", "message"), [
    ("KAFKA_BROKERS", "no-port", "KAFKA_BROKERS"),
    ("KAFKA_TOPIC", "bad topic!", "KAFKA_TOPIC"),
    ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
    ("LOG_LEVEL", "chatty", "LOG_LEVEL"),
])
def test_an_invalid_setting_is_a_config_error_naming_it(
        monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError, match=message):
        parse([])


def test_the_password_never_appears_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db:5432/x")
    assert "hunter2" not in repr(parse([]))


@pytest.mark.parametrize(("cls", "readme"), [
    (ProvisionSettings, README), (SimulatorSettings, README), (ProcessorSettings, README),
    (BatchSettings, README), (DevstackSettings, README), (ServeSettings, README.parent / "serving" / "README.md"),
])
def test_every_setting_is_documented_in_the_readme(cls: type[KafkaSettings], readme: Path) -> None:
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme.read_text()))
    missing = {name.upper() for name in cls.model_fields} - documented
    assert not missing, f"settings missing from README: {sorted(missing)}"


def kafka_settings(**values: str) -> KafkaSettings:
    return KafkaSettings(**values)  # type: ignore[arg-type]


def test_a_sasl_protocol_needs_mechanism_user_and_password() -> None:
    with pytest.raises(ValueError, match="needs KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        kafka_settings(kafka_security_protocol="sasl_ssl", kafka_sasl_mechanism="SCRAM-SHA-512")


def test_sasl_settings_without_a_sasl_protocol_are_refused() -> None:
    with pytest.raises(ValueError, match="need KAFKA_SECURITY_PROTOCOL=SASL_SSL or SASL_PLAINTEXT"):
        kafka_settings(kafka_sasl_username="u")


def test_a_ca_file_needs_a_tls_protocol_and_must_exist(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    with pytest.raises(ValueError, match="KAFKA_SSL_CA_FILE needs"):
        kafka_settings(kafka_ssl_ca_file=str(ca))
    with pytest.raises(ValueError, match="no such file"):
        kafka_settings(kafka_security_protocol="SSL", kafka_ssl_ca_file=str(tmp_path / "missing.pem"))


def test_every_kafka_client_gets_tls_and_sasl_from_the_settings(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    s = kafka_settings(kafka_brokers="b:9093", kafka_security_protocol="sasl_ssl", kafka_sasl_mechanism="scram-sha-512",
                       kafka_sasl_username="pipeline", kafka_sasl_password="s3cret", kafka_ssl_ca_file=str(ca))
    assert s.kafka.client_config() == {
        "bootstrap.servers": "b:9093", "security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "pipeline", "sasl.password": "s3cret", "ssl.ca.location": str(ca)}
    assert s.kafka.describe() == "b:9093 (SASL_SSL, SCRAM-SHA-512 as pipeline)"
    assert "s3cret" not in repr(s) + repr(s.kafka)


def test_secrets_have_no_flag_and_help_lists_them_without_their_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:hunter2@db:5432/x")
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser, ProvisionSettings)
    text = parser.format_help()
    assert "--database-url" not in text and "--reader-password" not in text and "--kafka-brokers" not in text
    assert "--users-file" in text
    for name in ("DATABASE_URL", "PROCESSOR_PASSWORD", "BATCH_PASSWORD", "READER_PASSWORD"):
        assert f"{name}:" in text
    assert "hunter2" not in text
    with pytest.raises(SystemExit):
        parser.parse_args(["--database-url", "postgresql://u:pw@h/db"])


@pytest.mark.parametrize(("env", "value"), [
    ("KAFKA_SASL_PASSWORD", "change-me-kafka"), ("KAFKA_SASL_PASSWORD", "  "),
    ("AWS_SECRET_ACCESS_KEY", "CHANGE_ME-s3"), ("AWS_SECRET_ACCESS_KEY", " "),
])
def test_a_secret_setting_refuses_a_placeholder_or_blank_naming_the_setting_not_the_value(
        monkeypatch: pytest.MonkeyPatch, env: str, value: str) -> None:
    class KafkaAndLake(KafkaSettings, LakeStorageSettings):
        pass

    monkeypatch.setenv(env, value)
    parser = argparse.ArgumentParser()
    add_settings_arguments(parser, KafkaAndLake)
    with pytest.raises(ConfigError, match=env) as refused:
        settings_from_args(KafkaAndLake, parser.parse_args([]))
    assert "placeholder" in str(refused.value) or "empty" in str(refused.value)
    if value.strip():
        assert value not in str(refused.value)


def test_the_checked_secret_types_stay_secrets_without_a_flag() -> None:
    assert {"kafka_sasl_password"} <= secret_settings(KafkaSettings)
    assert {"aws_secret_access_key"} <= secret_settings(LakeStorageSettings)
    assert real_secret(None) is None and real_secret(SecretStr("s3cret")) == SecretStr("s3cret")
