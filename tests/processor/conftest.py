"""Fixtures of the processor's integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from provision.run import run as provision
from provision.settings import ProvisionSettings

from ..services import create_database, drop_database, unique
from .harness import PARTITIONS, processor_env


@pytest.fixture
def new_pipeline(kafka_brokers: str, postgres_url: str, new_topic: Callable[..., str],
                 tmp_path: Path) -> Iterator[Callable[[], dict[str, Any]]]:
    """Factory: a provisioned database, a 4-partition topic and a data folder."""
    urls: list[str] = []

    def make() -> dict[str, Any]:
        url = create_database(postgres_url)
        urls.append(url)
        provision(ProvisionSettings(database_url=url), say=lambda _: None)
        topic = new_topic(PARTITIONS, prefix="devices")
        data = tmp_path / unique("data")
        return {"url": url, "topic": topic, "data": data, "brokers": kafka_brokers, "log": data.with_suffix(".log"),
                "env": processor_env(kafka_brokers, topic, url, data, unique("group"))}

    yield make
    for url in urls:
        drop_database(url)
