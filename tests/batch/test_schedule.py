"""``--schedule`` with an injected clock: when it wakes, how it waits out an outage, how it stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from batch.schedule import Scheduler, next_wake
from common.errors import DatabaseUnavailable, LakeUnavailable

from ..helpers import run_module

GRACE = timedelta(minutes=5)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class FakeTime:
    """A clock that moves only when slept on; each sleep oversleeps by ``lateness`` seconds."""

    def __init__(self, start: str, wakes: int, lateness: float = 0.0) -> None:
        self.clock, self.wakes, self.lateness = at(start), wakes, lateness
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.clock

    def sleep(self, seconds: float) -> bool:
        self.sleeps.append(seconds)
        self.clock += timedelta(seconds=seconds + self.lateness)
        return len(self.sleeps) >= self.wakes


def test_the_next_wake_is_the_next_hour_boundary_plus_the_grace() -> None:
    assert next_wake(at("2022-10-29T13:20:00"), GRACE) == at("2022-10-29T14:05:00")
    assert next_wake(at("2022-10-29T13:04:59"), GRACE) == at("2022-10-29T13:05:00")
    assert next_wake(at("2022-10-29T13:05:00"), GRACE) == at("2022-10-29T14:05:00")
    assert next_wake(at("2022-10-29T23:59:59"), timedelta(0)) == at("2022-10-30T00:00:00")


def test_the_scheduler_catches_up_at_start_then_after_every_hour_closes_without_drifting() -> None:
    time = FakeTime("2022-10-29T13:20:00", wakes=4, lateness=0.75)
    seen: list[datetime] = []

    def catch_up(now: datetime) -> list[datetime]:
        seen.append(now)
        return []

    Scheduler(GRACE, 30, catch_up, time.now, time.sleep).run()
    assert seen[0] == at("2022-10-29T13:20:00")
    # Each sleep overslept by 0.75 s, yet every wake is 0.75 s after its boundary + grace: no drift.
    late = timedelta(seconds=0.75)
    assert seen[1:] == [at("2022-10-29T14:05:00") + late, at("2022-10-29T15:05:00") + late,
                        at("2022-10-29T16:05:00") + late]


def test_an_unreachable_database_is_retried_with_growing_pauses_and_never_ends_the_scheduler() -> None:
    time = FakeTime("2022-10-29T13:20:00", wakes=5)
    calls: list[datetime] = []

    def catch_up(now: datetime) -> list[datetime]:
        calls.append(now)
        if len(calls) <= 3:
            raise DatabaseUnavailable("cannot connect to PostgreSQL at u@db:5432/x: refused")
        return [at("2022-10-29T12:00:00")]

    Scheduler(GRACE, 3.0, catch_up, time.now, time.sleep).run()
    assert time.sleeps[:3] == [1.0, 2.0, 3.0]
    assert len(calls) == 5  # three failures, the catch-up that worked, the next hour's
    assert calls[4] == at("2022-10-29T14:05:00")


def test_an_unreachable_lake_bucket_is_retried_like_an_unreachable_database() -> None:
    time = FakeTime("2022-10-29T13:20:00", wakes=3)
    calls: list[datetime] = []

    def catch_up(now: datetime) -> list[datetime]:
        calls.append(now)
        if len(calls) == 1:
            raise LakeUnavailable("cannot reach bucket lake of s3://lake/events: connection refused")
        return []

    Scheduler(GRACE, 30, catch_up, time.now, time.sleep).run()
    assert time.sleeps[0] == 1.0 and len(calls) == 3


def test_a_stop_during_a_retry_pause_ends_the_scheduler() -> None:
    time = FakeTime("2022-10-29T13:20:00", wakes=1)

    def down(now: datetime) -> list[datetime]:
        raise DatabaseUnavailable("down")

    Scheduler(GRACE, 30, down, time.now, time.sleep).run()
    assert time.sleeps == [1.0]


def test_retry_pauses_double_up_to_the_maximum() -> None:
    time = FakeTime("2022-10-29T13:20:00", wakes=8)

    def down(now: datetime) -> list[datetime]:
        raise DatabaseUnavailable("down")

    Scheduler(GRACE, 30, down, time.now, time.sleep).run()
    assert time.sleeps == [1, 2, 4, 8, 16, 30, 30, 30]


@pytest.mark.parametrize("other", [["--hour", "2022-10-29T13"], ["--catch-up"]])
def test_schedule_goes_alone(other: list[str]) -> None:
    done = run_module("batch", "--schedule", *other)
    assert done.returncode == 2 and "choose one of" in done.stderr


def test_a_grace_of_an_hour_or_more_is_refused() -> None:
    done = run_module("batch", "--schedule", env={"BATCH_GRACE_SECONDS": "3600"})
    assert done.returncode == 2 and "BATCH_GRACE_SECONDS" in done.stderr
