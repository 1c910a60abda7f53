"""When partitions are published into the lake, with a fake clock and a recording publish; idle
partitions and a lake that cannot be written (timer, backoff, readiness)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from common.errors import DatabaseUnavailable, LakeUnavailable
from processor.lake.schedule import NOT_TRIED, PublishSchedule
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


def commit(s: PublishSchedule, rows: dict[TopicPartition, int]) -> None:
    """A checkpoint's commit as the service runs it: the apply worker notes the rows, then the
    publisher thread ticks."""
    s.note(rows)
    s.tick()


def test_a_partition_seen_for_the_first_time_is_published_at_once() -> None:
    published: list[TopicPartition] = []
    s = schedule(published, Clock())
    commit(s, {T0: 5, T1: 0})
    assert published == [T0, T1]
    commit(s, {T0: 5})
    assert published == [T0, T1]


def test_a_partition_is_published_once_it_has_staged_enough_rows() -> None:
    published: list[TopicPartition] = []
    s = schedule(published, Clock(), rows=100)
    commit(s, {T0: 0})
    commit(s, {T0: 60})
    commit(s, {T0: 39})
    assert published == [T0]
    commit(s, {T0: 1})
    assert published == [T0, T0]
    commit(s, {T0: 99})  # the count starts again after a publish
    assert published == [T0, T0]


def test_a_partition_is_published_once_its_oldest_staged_rows_are_old_enough() -> None:
    published: list[TopicPartition] = []
    clock = Clock()
    s = schedule(published, clock, seconds=60)
    commit(s, {T0: 0})
    clock.now += 59
    commit(s, {T0: 1})
    assert published == [T0]
    clock.now += 1
    commit(s, {T0: 1})
    assert published == [T0, T0]


def test_a_commit_only_counts_its_rows_and_the_publisher_threads_next_tick_publishes_what_it_made_due() -> None:
    published: list[TopicPartition] = []
    s = schedule(published, Clock(), rows=100)
    s.note({T0: 5})
    s.wait(0)  # woken: T0 is new to us
    assert published == []
    s.tick()
    assert published == [T0]
    s.note({T0: 50})
    s.tick()
    assert published == [T0]  # 50 rows: not due yet


def test_a_commit_never_waits_for_a_publish_in_progress_and_its_rows_count_towards_the_next() -> None:
    started, release, published = threading.Event(), threading.Event(), list[TopicPartition]()

    def publish(tp: TopicPartition) -> list[str]:
        started.set()
        assert release.wait(10)
        published.append(tp)
        return []

    s = PublishSchedule(publish=publish, metrics=Metrics(), flush_rows=100, flush_seconds=60, clock=Clock())
    s.note({T0: 5})
    publisher = threading.Thread(target=s.tick)
    publisher.start()
    assert started.wait(10)
    noted = time.monotonic()
    s.note({T0: 99})  # committed while T0's publish is in progress
    assert time.monotonic() - noted < 1.0 and published == []
    release.set()
    publisher.join(10)
    assert published == [T0]
    s.note({T0: 1})  # 99 + 1 rows since the publish began: due again
    s.tick()
    assert published == [T0, T0]


def test_shutdown_publishes_every_partition_this_process_has_seen() -> None:
    published: list[TopicPartition] = []
    s = schedule(published, Clock())
    commit(s, {T0: 1, T1: 1})
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
    commit(s, {T0: 0})
    commit(s, {T0: 10})  # then no more traffic
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
    commit(s, {T0: 0, T1: 0})
    lake.writable = False
    commit(s, {T0: 5, T1: 5})
    clock.now += 60
    with caplog.at_level(logging.INFO, logger="processor.lake.schedule"):
        commit(s, {T0: 1})  # due: fails
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
    commit(s, {T0: 1})
    lake.writable = False
    assert s.publish_all() == {T0: "cannot write /lake/0: Read-only file system"}


def test_an_outage_met_by_one_partition_leaves_the_others_of_its_checkpoint_pending_until_shutdown() -> None:
    lake = Lake()
    s = failing_schedule(lake, Clock())
    lake.writable = False
    commit(s, {T0: 1, T1: 1})  # T0's publish fails (a bucket outage); T1 waits for the outage to end
    assert lake.published == [] and lake.refused == 1
    lake.writable = True
    s.publish_all()  # nothing more arrived: the shutdown still publishes both
    assert lake.published == [T0, T1]


class Partitions:
    """A publish that fails for the partitions in ``failing`` (a lake, or PostgreSQL, refusing them)."""

    def __init__(self, failing: set[TopicPartition], clock: Clock, error: BaseException | None = None) -> None:
        self.failing, self.clock, self.error = failing, clock, error
        self.interrupted_at: TopicPartition | None = None
        self.published: list[TopicPartition] = []
        self.attempts: list[tuple[float, TopicPartition]] = []

    def publish(self, tp: TopicPartition) -> list[str]:
        self.attempts.append((self.clock.now, tp))
        if tp == self.interrupted_at:
            raise KeyboardInterrupt  # a second SIGTERM while ``tp`` is being published
        if tp in self.failing:
            raise self.error or LakeUnavailable(f"cannot write /lake/{tp.partition}: Too many open files")
        self.published.append(tp)
        return [f"{tp.partition}.parquet"]

    def sleep(self, seconds: float) -> None:
        self.clock.now += seconds


T2 = TopicPartition("devices", 2)


def test_a_partition_that_cannot_be_published_at_shutdown_does_not_keep_the_others_from_the_lake() -> None:
    clock = Clock()
    lake = Partitions({T1}, clock)
    s = PublishSchedule(publish=lake.publish, metrics=Metrics(), flush_rows=1000, flush_seconds=60, clock=clock)
    lake.failing = {T0, T1, T2}
    commit(s, {T0: 1, T1: 1, T2: 1})  # first sight: every publish fails, all three pending
    lake.failing = {T1}
    left = s.publish_all()
    assert lake.published == [T0, T2]
    assert left == {T1: "cannot write /lake/1: Too many open files"}


def test_the_shutdown_publish_retries_a_failing_partition_with_backoff_until_it_is_published() -> None:
    clock = Clock()
    lake = Partitions({T1}, clock)
    s = PublishSchedule(publish=lake.publish, metrics=Metrics(), flush_rows=1000, flush_seconds=60,
                        retry_max_seconds=4, clock=clock)
    commit(s, {T0: 0, T1: 0})
    lake.attempts.clear()

    def sleep(seconds: float) -> None:
        lake.sleep(seconds)
        if clock.now >= 1005:  # PostgreSQL is back after 5 s
            lake.failing = set()

    assert s.publish_all(within=30, sleep=sleep) == {}
    assert [(t - 1000, tp.partition) for t, tp in lake.attempts] == [
        (0, 0), (0, 1), (0.5, 1), (1.5, 1), (3.5, 1), (7.5, 1)]
    assert lake.published[-2:] == [T0, T1]


def test_the_shutdown_publish_gives_up_after_its_time_and_reports_each_partition_left() -> None:
    clock = Clock()
    lake = Partitions(set(), clock)
    s = PublishSchedule(publish=lake.publish, metrics=Metrics(), flush_rows=1000, flush_seconds=60,
                        retry_max_seconds=4, clock=clock)
    commit(s, {T0: 0, T1: 0, T2: 0})
    lake.failing = {T0, T2}
    assert s.publish_all(within=10, sleep=lake.sleep) == {
        T0: "cannot write /lake/0: Too many open files", T2: "cannot write /lake/2: Too many open files"}
    assert clock.now - 1000 <= 10  # retried at 0.5, 1.5, 3.5 and 7.5 s; the next (11.5 s) is past the time
    assert [t - 1000 for t, tp in lake.attempts if tp == T2][-1] == 7.5


def test_an_interrupt_ends_the_shutdown_publish_at_once_with_what_is_left() -> None:
    clock = Clock()
    lake = Partitions(set(), clock, error=DatabaseUnavailable("PostgreSQL failed during a batch: server closed"))
    s = PublishSchedule(publish=lake.publish, metrics=Metrics(), flush_rows=1000, flush_seconds=60, clock=clock)
    commit(s, {T0: 0, T1: 0, T2: 0})
    lake.failing, lake.interrupted_at = {T0}, T1
    assert s.publish_all(within=600, sleep=lake.sleep) == {
        T0: "PostgreSQL failed during a batch: server closed", T1: NOT_TRIED, T2: NOT_TRIED}
    assert clock.now == 1000


def test_an_unexpected_error_in_one_partitions_publish_is_logged_and_the_others_are_published(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    lake = Partitions(set(), clock, error=ValueError("a bug"))
    s = PublishSchedule(publish=lake.publish, metrics=Metrics(), flush_rows=1000, flush_seconds=60, clock=clock)
    commit(s, {T0: 0, T1: 0})
    lake.failing = {T0}
    with caplog.at_level(logging.ERROR, logger="processor.lake.schedule"):
        assert s.publish_all() == {T0: "ValueError: a bug"}
    assert lake.published[-1] == T1
    assert caplog.records[0].exc_info is not None and "publishing devices[0] failed unexpectedly" in caplog.text


def test_an_unexpected_error_in_a_timed_publish_is_retried_with_backoff_and_the_other_partitions_published(
        caplog: pytest.LogCaptureFixture) -> None:
    clock, metrics = Clock(), Metrics()
    metrics.set_ready(True)
    lake = Partitions(set(), clock, error=ValueError("a bug"))
    s = PublishSchedule(publish=lake.publish, metrics=metrics, flush_rows=1000, flush_seconds=60,
                        staged=lambda: [T0, T1, T2], retry_max_seconds=8, clock=clock)
    lake.failing = {T0}
    with caplog.at_level(logging.ERROR, logger="processor.lake.schedule"):
        s.tick()  # first sight of three staged partitions on disk: T0 fails first, the others wait
        assert not metrics.is_ready
        for _ in range(10):
            clock.now += 1
            s.tick()
    assert lake.published == [T1, T2]  # the next round tries T0 last
    assert [t - 1000 for t, tp in lake.attempts if tp == T0] == [0, 1, 2, 4, 8]  # backoff 0.5, 1, 2, 4 s
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None
    lake.failing = set()
    clock.now += 8
    s.tick()
    assert lake.published[-1] == T0 and metrics.is_ready


def test_a_commit_cuts_the_publishers_period_short_but_not_its_backoff_pause_and_stop_ends_both() -> None:
    s = schedule([], Clock())
    waited = time.monotonic()
    s.note({T0: 1})  # new to us: due
    assert s.wait(10) is False and time.monotonic() - waited < 5  # woken by the commit, not stopped
    s.tick()
    paused = time.monotonic()
    s.note({T1: 1})
    assert s.pause(0.3) is False and time.monotonic() - paused >= 0.3  # a backoff is not cut short
    threading.Timer(0.2, s.stop).start()
    stopped = time.monotonic()
    assert s.pause(10) is True and time.monotonic() - stopped < 5
    assert s.wait(10) is True and time.monotonic() - stopped < 5  # and stays stopped
