"""Fixtures of the processor's integration tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from ..services import provisioned_database, s3_env, unique
from .harness import PARTITIONS, Pipeline, kill_leftovers, lake_store, processor_env


@pytest.fixture
def new_pipeline(kafka_brokers: str, postgres_url: str, new_topic: Callable[..., str],
                 tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Pipeline]]:
    """Factory: a provisioned database, a 4-partition topic, a data folder and a lake: the data
    folder's ``events/``, or (``lake="s3"``) a bucket of its own on the real S3 server."""
    databases = ExitStack()

    def make(lake: str = "local") -> Pipeline:
        url = databases.enter_context(provisioned_database(postgres_url))
        topic = new_topic(PARTITIONS, prefix="devices")
        data = tmp_path / unique("data")
        env = processor_env(kafka_brokers, topic, url, data, unique("group"))
        if lake == "s3":
            env |= s3_env(request.getfixturevalue("s3"), f"s3://{request.getfixturevalue('new_bucket')()}/lake")
        return Pipeline(url=url, topic=topic, data=data, brokers=kafka_brokers, log=data.with_suffix(".log"),
                        env=env, lake=lake_store(env))

    with databases:
        try:
            yield make
        finally:
            kill_leftovers()  # before the databases are dropped
