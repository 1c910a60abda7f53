"""Topics the pipeline creates take the cluster's default replication factor, on real brokers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.errors import BrokerUnavailable
from common.kafka import admin, ensure_topic
from devstack.kafka import KafkaBroker, jars_dir
from devstack.maven import default_cache_dir
from devstack.ports import free_port

from ..services import unique

pytestmark = pytest.mark.integration


class TwoReplicasByDefault(KafkaBroker):
    """A one-broker cluster whose ``default.replication.factor`` is 2: a topic asking for the default
    cannot be created on it; one asking for a replication factor of its own (1) can."""

    def _properties(self) -> str:
        return super()._properties() + "default.replication.factor=2\n"


@pytest.fixture(scope="module")
def two_replicas_by_default(kafka: tuple[str, KafkaBroker | None]) -> Iterator[str]:
    if kafka[1] is None:
        pytest.skip("Kafka is external (KAFKA_BROKERS): the test starts a broker of its own")
    folder = Path(tempfile.mkdtemp(prefix="test-kafka-rf-"))
    broker = TwoReplicasByDefault(folder, free_port(), free_port(), jars_dir(default_cache_dir()))
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_a_topic_is_created_with_the_clusters_default_replication_factor(kafka_brokers: str) -> None:
    topic = unique("rf")
    assert ensure_topic(kafka_brokers, topic, 3) == 3
    partitions = admin(kafka_brokers).list_topics(topic, timeout=10).topics[topic].partitions
    assert len(partitions) == 3 and all(len(p.replicas) == 1 for p in partitions.values())  # this broker's default


def test_a_topic_asks_the_cluster_for_its_default_replication_factor_not_one(two_replicas_by_default: str) -> None:
    with pytest.raises(BrokerUnavailable, match=r"[Rr]eplication factor"):
        ensure_topic(two_replicas_by_default, unique("rf"), 1)
