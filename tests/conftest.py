"""Session-scoped real services and per-test factories (unique topics, databases)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from common.kafka import ensure_topic
from devstack.kafka import KafkaBroker
from devstack.postgres import PostgresCluster

from .services import create_database, drop_database, kafka_service, postgres_service, unique


@pytest.fixture(scope="session")
def kafka() -> Iterator[tuple[str, KafkaBroker | None]]:
    """Bootstrap address of a real Apache Kafka broker, and the broker when the session owns it."""
    with kafka_service() as service:
        yield service


@pytest.fixture(scope="session")
def kafka_sasl(kafka: tuple[str, KafkaBroker | None]) -> KafkaBroker:
    """The session broker, whose SASL listener (PLAIN, SCRAM-SHA-256) the SASL tests use."""
    if kafka[1] is None or kafka[1].sasl_port is None:
        pytest.skip("an external broker (KAFKA_BROKERS): no SASL listener of the session's")
    return kafka[1]


@pytest.fixture(scope="session")
def kafka_brokers(kafka: tuple[str, KafkaBroker | None]) -> str:
    return kafka[0]


@pytest.fixture(scope="session")
def postgres() -> Iterator[tuple[str, PostgresCluster | None]]:
    """URL of a real PostgreSQL server (superuser), and the cluster when the session owns it."""
    with postgres_service() as service:
        yield service


@pytest.fixture(scope="session")
def postgres_url(postgres: tuple[str, PostgresCluster | None]) -> str:
    return postgres[0]


@pytest.fixture
def new_database(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Factory: an empty database of its own for this test; dropped afterwards."""
    created: list[str] = []

    def make() -> str:
        created.append(create_database(postgres_url))
        return created[-1]

    yield make
    for url in created:
        drop_database(url)


@pytest.fixture
def database_url(new_database: Callable[[], str]) -> str:
    """An empty database of this test's own."""
    return new_database()


@pytest.fixture
def new_topic(kafka_brokers: str) -> Callable[..., str]:
    """Factory: a topic of this test's own with the given number of partitions."""

    def make(partitions: int = 1, prefix: str = "t") -> str:
        name = unique(prefix)
        ensure_topic(kafka_brokers, name, partitions)
        return name

    return make
