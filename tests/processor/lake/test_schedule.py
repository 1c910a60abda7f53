"""When partitions are published into the lake, with a fake clock and a recording publish; idle
partitions and a lake that cannot be written (timer, backoff, readiness)."""

from __future__ import annotations

import logging

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


class Lake:
    """A publish that records what it published, and fails while ``writable`` is False."""

    def __init__(self) -> None:
        self.published: list[TopicPartition] = []
        self.writable = True
        self.refused = 0

    def publish(self, tp: TopicPartition) -> list[str]:
        if not self.writable:
            self.refused += 1
            raise LakeUnavailable(f"cannot write /lake/{tp.partition}: Read-only file system")
        self.published.append(tp)
        return [f"{tp.partition}.parquet"]


def failing_schedule(lake: Lake, clock: Clock, metrics: Metrics | None = None,
             on_disk: list[TopicPartition] | None = None) -> PublishSchedule:
    return PublishSchedule(publish=lake.publish, metrics=metrics or Metrics(), flush_rows=1000, flush_seconds=60,
                           staged=lambda: list(on_disk or []), retry_max_seconds=8, clock=clock)


def test_staged_events_of_a_partition_gone_idle_reach_the_lake_on_the_timer() -> None:
    lake, clock = Lake(), Clock()
    s = failing_schedule(lake, clock)
    s.after_commit({T0: 0})
    s.after_commit({T0: 10})  # then no more traffic
    clock.now += 59
    s.tick()
    assert lake.published == [T0]
    clock.now += 1
    s.tick()
    assert lake.published == [T0, T0]
    clock.now += 600
    s.tick()  # nothing staged since: nothing to publish
    assert lake.published == [T0, T0]


def test_a_restart_on_an_idle_topic_publishes_what_was_left_staged_at_the_first_tick() -> None:
    lake = Lake()
    s = failing_schedule(lake, Clock(), on_disk=[T0, T1])
    s.tick()
    assert lake.published == [T0, T1]
    s.tick()
    assert lake.published == [T0, T1]


def test_a_read_only_lake_is_one_log_line_not_ready_and_retried_with_backoff_until_it_is_writable(
        caplog: pytest.LogCaptureFixture) -> None:
    lake, clock, metrics = Lake(), Clock(), Metrics()
    metrics.set_ready(True)
    s = failing_schedule(lake, clock, metrics)
    s.after_commit({T0: 0, T1: 0})
    lake.writable = False
    s.after_commit({T0: 5, T1: 5})
    clock.now += 60
    with caplog.at_level(logging.INFO, logger="processor.lake.schedule"):
        s.after_commit({T0: 1})  # due: fails
        for _ in range(20):  # ticks every second for 20 s: retries at 0.5, 1, 2, 4, 8 s intervals only
            clock.now += 1
            s.tick()
        assert not metrics.is_ready
        assert lake.refused <= 6  # backoff: not 2 partitions x 20 ticks
        lake.writable = True
        clock.now += 8
        s.tick()
    assert sorted(lake.published) == [T0, T0, T1, T1]  # both partitions' staged rows, once writable
    assert metrics.is_ready
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "lake not writable" in errors[0].getMessage()
    assert any("lake writable again" in r.getMessage() for r in caplog.records)


def test_shutdown_reports_a_lake_that_cannot_be_written() -> None:
    lake = Lake()
    s = failing_schedule(lake, Clock())
    s.after_commit({T0: 1})
    lake.writable = False
    with pytest.raises(LakeUnavailable):
        s.publish_all()


def test_an_outage_met_by_one_partition_leaves_the_others_of_its_checkpoint_pending_until_shutdown() -> None:
    lake = Lake()
    s = failing_schedule(lake, Clock())
    lake.writable = False
    s.after_commit({T0: 1, T1: 1})  # T0's publish fails (a bucket outage); T1 waits for the outage to end
    assert lake.published == [] and lake.refused == 1
    lake.writable = True
    s.publish_all()  # nothing more arrived: the shutdown still publishes both
    assert lake.published == [T0, T1]
