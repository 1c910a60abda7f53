"""Running the simulator modes against the broker."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from common.kafka import ensure_topic

from .course import course_range
from .events import message
from .load import LoadShape, keyed_load_messages
from .producer import EventProducer, ProduceStats
from .settings import CourseOptions, LoadOptions, SimulatorSettings

log = logging.getLogger("simulator")


def _producer(settings: SimulatorSettings, rate: float | None = None) -> EventProducer:
    partitions = ensure_topic(settings.kafka, settings.kafka_topic, settings.partitions)
    log.info("producing to %s (%d partitions) on %s", settings.kafka_topic, partitions, settings.kafka.describe())
    return EventProducer(kafka=settings.kafka, topic=settings.kafka_topic, rate=rate)


def run_course(settings: SimulatorSettings, options: CourseOptions) -> ProduceStats:
    """The original's 20 users: a past range at full speed, or live with the wall clock."""
    producer = _producer(settings)
    try:
        if options.start is not None:
            start = int(options.start.timestamp())
            for minute in course_range(start, options.minutes or 60, settings.seed):
                producer.send(message(e) for e in minute)
        else:
            now = int(time.time())
            for n, minute in enumerate(course_range(now, options.minutes or 10**9, settings.seed)):
                # Live: each minute's events go out when that minute has begun, stamped in it.
                time.sleep(max(0.0, now - now % 60 + 60 * n - time.time()))
                producer.send(message(e._replace(timestamp=max(e.timestamp, int(time.time())))) for e in minute)
    finally:
        stats = producer.close()
    return stats


def run_load(settings: SimulatorSettings, options: LoadOptions) -> ProduceStats:
    """``options.events`` events over many users, antennas and apps, at a rate or flat out."""
    producer = _producer(settings, options.rate)
    shape = LoadShape(options.users, options.antennas, options.apps,
                      int(options.start.replace(tzinfo=options.start.tzinfo or UTC).timestamp()),
                      int(options.span_hours * 3600))
    try:
        for chunk in keyed_load_messages(options.events, shape, settings.seed):
            producer.send(chunk)
    finally:
        stats = producer.close()
    return stats


def parse_utc(text: str) -> datetime:
    """``2022-10-29T13:00`` (or with ``Z``/offset) as an aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
