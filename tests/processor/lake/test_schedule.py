"""When partitions are published into the lake, with a fake clock and a recording publish."""

from __future__ import annotations

import pytest

from common.errors import LakeUnavailable
from processor.lake.schedule import PublishSchedule
from processor.metrics import Metrics
from processor.records import TopicPartition

T0, T1 = TopicPartition("devices", 0), TopicPartition("devices", 1)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def schedule(published: list[TopicPartition], clock: Clock, rows: int = 100, seconds: float = 60) -> PublishSchedule:
    def publish(tp: TopicPartition) -> list[str]:
        published.append(tp)
        return [f"{tp.topic}-{tp.partition}.parquet"]
    return PublishSchedule(publish=publish, metrics=Metrics(), flush_rows=rows, flush_seconds=seconds, clock=clock)


def test_a_partition_seen_for_the_first_time_is_published_at_once() -> None:
    published: list[TopicPartition] = []
    s = schedule(published, Clock())
    s.after_commit({T0: 5, T1: 0})
    assert published == [T0, T1]
    s.after_commit({T0: 5})
    assert published == [T0, T1]


def test_a_partition_is_published_once_it_has_staged_enough_rows() -> None:
    published: list[TopicPartition] = []
    s = schedule(published, Clock(), rows=100)
    s.after_commit({T0: 0})
    s.after_commit({T0: 60})
    s.after_commit({T0: 39})
    assert published == [T0]
    s.after_commit({T0: 1})
    assert published == [T0, T0]
    s.after_commit({T0: 99})  # the count starts again after a publish
    assert published == [T0, T0]


def test_a_partition_is_published_once_its_oldest_staged_rows_are_old_enough() -> None:
    published: list[TopicPartition] = []
    clock = Clock()
    s = schedule(published, clock, seconds=60)
    s.after_commit({T0: 0})
    clock.now += 59
    s.after_commit({T0: 1})
    assert published == [T0]
    clock.now += 1
    s.after_commit({T0: 1})
    assert published == [T0, T0]


def test_shutdown_publishes_every_partition_this_process_has_seen() -> None:
    published: list[TopicPartition] = []
    s = schedule(published, Clock())
    s.after_commit({T0: 1, T1: 1})
    published.clear()
    s.publish_all()
    assert sorted(published) == [T0, T1]


def outage_schedule(attempts: list[TopicPartition], failing: set[TopicPartition]) -> PublishSchedule:
    """A schedule whose publish of the partitions in ``failing`` raises, as in a bucket outage."""
    def publish(tp: TopicPartition) -> list[str]:
        attempts.append(tp)
        if tp in failing:
            raise LakeUnavailable("the bucket is away")
        return []
    return PublishSchedule(publish=publish, metrics=Metrics(), flush_rows=100, flush_seconds=60, clock=Clock())


def test_a_partition_whose_publish_failed_is_published_at_the_next_checkpoint_and_at_shutdown() -> None:
    attempts: list[TopicPartition] = []
    failing = {T1}
    s = outage_schedule(attempts, failing)
    with pytest.raises(LakeUnavailable):
        s.after_commit({T0: 1, T1: 1})  # T1's first publish fails
    with pytest.raises(LakeUnavailable):
        s.publish_all()  # shutdown during the outage: T1 is still tried
    failing.clear()
    s.after_commit({T0: 1})  # nothing new for T1, yet it is published
    assert attempts == [T0, T1, T0, T1, T1]
    attempts.clear()
    s.after_commit({T0: 1})
    assert attempts == []


def test_a_failed_publish_does_not_make_the_other_partitions_of_its_checkpoint_forgotten() -> None:
    attempts: list[TopicPartition] = []
    failing = {T0}
    s = outage_schedule(attempts, failing)
    for _ in range(3):  # every checkpoint during the outage stops at T0
        with pytest.raises(LakeUnavailable):
            s.after_commit({T0: 1, T1: 1})
    assert T1 not in attempts
    failing.clear()
    s.publish_all()  # the outage is over and nothing more arrives: shutdown publishes both
    assert attempts[-2:] == [T0, T1]
