"""Settings of the local development stack (``python -m devstack``, ``make demo``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from common.settings import ServiceSettings


class DevstackSettings(ServiceSettings):
    """Where the local Kafka and PostgreSQL keep their data, and their ports on a first ``up``."""

    devstack_dir: Path = Field(Path("/tmp/antenna-devstack"),
                               description="Folder of the local stack's data (the postgres user must reach it).")
    kafka_port: int = Field(9092, ge=1, le=65535, description="Port of the local Kafka broker (controller: +1).")
    postgres_port: int = Field(5432, ge=1, le=65535, description="Port of the local PostgreSQL.")
