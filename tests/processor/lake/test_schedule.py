"""When partitions are published into the lake, with a fake clock and a recording publish."""

from __future__ import annotations

from pathlib import Path

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
    def publish(tp: TopicPartition) -> list[Path]:
        published.append(tp)
        return [Path(f"{tp.topic}-{tp.partition}.parquet")]
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
