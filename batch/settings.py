"""Settings of the batch job: where the lake is, where the tables are, and the schedule's timing."""

from __future__ import annotations

from pydantic import Field

from common.lake import DEFAULT_MAX_EVENT_BYTES
from common.settings_database import DatabaseSettings
from common.settings_lake import LakeStorageSettings


class BatchSettings(DatabaseSettings, LakeStorageSettings):
    """``DATABASE_URL``, the lake (``DATA_DIR`` or ``LAKE_URL`` and ``AWS_*``), ``LOG_LEVEL``; the hours are arguments."""

    batch_grace_seconds: float = Field(
        600.0, ge=0, lt=3600,
        description="With --schedule: run this many seconds after each hour closes (keep it above "
                    "the processor's LAKE_FLUSH_SECONDS so the hour's events are in the lake).")
    retry_max_seconds: float = Field(
        30.0, gt=0, description="With --schedule: longest pause between retries while PostgreSQL is unreachable.")
    batch_metrics_host: str = Field("127.0.0.1", description="With --schedule: address of the /metrics server.")
    batch_metrics_port: int = Field(
        0, ge=0, le=65535, description="With --schedule: port of the Prometheus /metrics server (0: off).")
    max_event_bytes: int = Field(
        DEFAULT_MAX_EVENT_BYTES, ge=0, le=2**63 - 1,
        description="Largest `bytes` of an event (the processor's MAX_EVENT_BYTES: keep them equal); "
                    "a lake row above it fails its hour.")
