"""Settings of the simulator: where to send (environment) and what to send (mode options)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field

from common.settings_kafka import KafkaSettings


class SimulatorSettings(KafkaSettings):
    """Broker, topic and the partition count used when the topic has to be created."""

    partitions: int = Field(4, ge=1, le=1000, description="Partitions of the topic if it is created.")
    seed: int = Field(0, description="Random seed: the same seed sends the same events.")


@dataclass(frozen=True)
class CourseOptions:
    """``course`` mode: a past range as fast as possible (``start`` given) or real time."""

    start: datetime | None
    minutes: int | None


@dataclass(frozen=True)
class LoadOptions:
    """``load`` mode: ``events`` events at ``rate`` per second (None: as fast as possible)."""

    events: int
    rate: float | None
    users: int
    antennas: int
    apps: int
    start: datetime
    span_hours: float
