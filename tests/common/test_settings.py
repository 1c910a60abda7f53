"""Settings: environment, flags, validation, documentation."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from batch.settings import BatchSettings
from common.cli import add_settings_arguments, settings_from_args
from common.errors import ConfigError
from common.settings import DatabaseSettings, KafkaSettings, LakeSettings
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
