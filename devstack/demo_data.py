"""What the demo simulates and how it knows each layer is done: plans, reset, progress queries."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from confluent_kafka import KafkaException

from batch.hours import HOUR, floor_hour, naive
from batch.lake_reader import check_hour, list_hour
from common.kafka import admin
from common.lake_store import LakeStore
from common.retry import within
from common.schema import LAKE_SUBDIR
from simulator.course import USERS

RESET = "TRUNCATE bytes, bytes_hourly, user_quota_limit, processor_offsets, batch_runs"
EVENTS_PER_HOUR = 60 * len(USERS)  # the course: one event per user per minute
COURSE_START = datetime(2022, 10, 29, 13, tzinfo=UTC)


@dataclass(frozen=True)
class Plan:
    """Simulate ``minutes`` from ``start`` at full speed; ``hours`` are then complete for the batch layer."""

    start: datetime
    minutes: int
    hours: tuple[datetime, ...]
    live: bool
    describe: str
    ranges: dict[str, str] = field(default_factory=dict)  # the dashboards' settings


def live_plan(now: datetime, hours: int) -> Plan:
    """The last ``hours`` complete hours and the current hour up to this minute; then live."""
    start = floor_hour(now) - hours * HOUR
    minutes = int((now.replace(second=0, microsecond=0) - start) / timedelta(minutes=1))
    return Plan(start, minutes, tuple(start + i * HOUR for i in range(hours)), live=True,
                describe=f"the last {hours} complete hour(s) and this one so far ({start:%H:%M}-{now:%H:%M} UTC)",
                ranges={"REFRESH_SECONDS": "10"})


def course_plan() -> Plan:
    """The course's 13h-17h of 2022-10-29, with the dashboards opening on that range."""
    end = COURSE_START + 4 * HOUR
    span = f"{naive(COURSE_START):%Y-%m-%dT%H:%M:%S} : {naive(end):%Y-%m-%dT%H:%M:%S}"
    return Plan(COURSE_START, 4 * 60, tuple(COURSE_START + i * HOUR for i in range(4)), live=False,
                describe="the course's 13h-17h of 2022-10-29",
                ranges={"SPEED_TIME_RANGE": span, "BATCH_TIME_RANGE": span,
                        "QUOTA_HOUR_RANGE": f"{naive(end - HOUR):%Y-%m-%dT%H:%M:%S} : {naive(end):%Y-%m-%dT%H:%M:%S}"})


def reset(brokers: str, database_url: str, topic: str, data: Path) -> None:
    """Delete the demo's topics, empty the pipeline's tables and the demo's lake."""
    client = admin(brokers)
    for future in client.delete_topics([topic, topic + "-dlq"]).values():
        try:
            future.result()
        except KafkaException:  # a topic that did not exist is fine
            pass
    # deletion is asynchronous: wait until the broker forgot the topics
    within(lambda: topic not in client.list_topics(timeout=10).topics, 30, interval=0.5)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(RESET)
    shutil.rmtree(data, ignore_errors=True)


def seen_everything(env: dict[str, str], plan: Plan) -> bool:
    """True once every simulated event of the plan's complete hours is published in the lake."""
    lake = LakeStore(str(Path(env["DATA_DIR"]) / LAKE_SUBDIR))
    return all(check_hour(list_hour(lake, hour)) >= EVENTS_PER_HOUR for hour in plan.hours)


def processed(database_url: str, hours: tuple[datetime, ...]) -> bool:
    """True once the batch layer recorded every one of ``hours`` in its ledger."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM batch_runs WHERE hour = ANY(%s)", ([naive(h) for h in hours],)).fetchone()
    return row is not None and row[0] == len(hours)


def over_quota(database_url: str, hours: tuple[datetime, ...]) -> list[tuple[Any, ...]]:
    """The users over quota in ``hours``, oldest hour first."""
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT email, usage, quota, timestamp FROM user_quota_limit WHERE timestamp = ANY(%s) "
                            "ORDER BY timestamp, email", ([naive(h) for h in hours],)).fetchall()
