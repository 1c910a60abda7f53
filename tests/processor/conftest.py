"""Fixtures of the processor's integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from ..services import provisioned_database, unique
from .harness import PARTITIONS, Pipeline, processor_env


@pytest.fixture
def new_pipeline(kafka_brokers: str, postgres_url: str, new_topic: Callable[..., str],
                 tmp_path: Path) -> Iterator[Callable[[], Pipeline]]:
    """Factory: a provisioned database, a 4-partition topic and a data folder."""
    databases = ExitStack()

    def make() -> Pipeline:
        url = databases.enter_context(provisioned_database(postgres_url))
        topic = new_topic(PARTITIONS, prefix="devices")
        data = tmp_path / unique("data")
        return Pipeline(url=url, topic=topic, data=data, brokers=kafka_brokers, log=data.with_suffix(".log"),
                        env=processor_env(kafka_brokers, topic, url, data, unique("group")))

    with databases:
        yield make
