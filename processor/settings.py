"""Settings of the speed layer."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from common import schema
from common.settings_database import DatabaseSettings
from common.settings_kafka import KafkaSettings
from common.settings_lake import LakeStorageSettings

from .events.contract import DEFAULT_MAX_EVENT_BYTES


class ProcessorSettings(KafkaSettings, DatabaseSettings, LakeStorageSettings):
    """Where to read, where to write, and how often to commit and publish."""

    kafka_dlq_topic: str = Field(schema.DEFAULT_DLQ_TOPIC, description="Dead-letter topic for rejected messages.")
    consumer_group: str = Field(schema.DEFAULT_CONSUMER_GROUP, description="Kafka consumer group of the processors.")
    auto_offset_reset: Literal["earliest", "latest"] = Field(
        "earliest", description="Where a partition PostgreSQL has no offset for starts (its first time).")
    partitions: int = Field(4, ge=1, description="Partitions for the topics if they must be created.")
    commit_interval: float = Field(2.0, gt=0, description="Seconds between checkpoints (totals committed).")
    commit_min_interval: float = Field(
        0.2, ge=0, description="While caught up (a lag no larger than what is buffered), checkpoint as soon as this "
        "many seconds passed since the last one and the last is applied (fresher `bytes`, more and smaller PostgreSQL "
        "transactions); >= COMMIT_INTERVAL turns it off (checkpoints every COMMIT_INTERVAL only). Never fires under a "
        "backlog larger than a batch (BENCHMARKS.md).")
    commit_every: int = Field(100_000, ge=0, description="Also checkpoint after this many messages (0: off).")
    commit_bytes: int = Field(64 << 20, ge=0, description="Also checkpoint once the messages read since the last "
                              "checkpoint pass this many bytes (0: off); bounds memory with large messages.")
    lake_flush_seconds: float = Field(300.0, gt=0, description="Publish staged events to the lake at least this often.")
    lake_flush_rows: int = Field(5_000_000, ge=1, description="...or once a partition has staged this many events.")
    metrics_host: str = Field("127.0.0.1", description="Address of the metrics/readiness HTTP server.")
    metrics_port: int = Field(9108, ge=0, le=65535, description="Port of /metrics, /healthz, /ready (0: off).")
    retry_max_seconds: float = Field(30.0, gt=0, description="Longest pause between retries in an outage.")
    shutdown_publish_seconds: float = Field(
        30.0, gt=0, description="At SIGTERM/SIGINT, publish staged events for at most this long, then exit.")
    max_event_bytes: int = Field(DEFAULT_MAX_EVENT_BYTES, ge=0, le=2**63 - 1,
                                 description="Largest `bytes` of a valid event; a larger one is a dead letter.")
    kafka_session_timeout_ms: int = Field(
        45_000, ge=1, description="A processor silent this long (no heartbeat) leaves the group.")
    kafka_max_poll_interval_ms: int = Field(
        300_000, ge=1, description="A processor that does not poll this long leaves the group.")

    @property
    def state_dir(self) -> Path:
        """Quix Streams' local state folder (the processor keeps no state of its own there)."""
        return self.data_dir / schema.STATE_SUBDIR
