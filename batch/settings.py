"""Settings of the batch job: where the lake is and where the tables are."""

from __future__ import annotations

from common.settings import DatabaseSettings, LakeSettings


class BatchSettings(DatabaseSettings, LakeSettings):
    """``DATABASE_URL``, ``DATA_DIR`` and ``LOG_LEVEL``; which hours to process are arguments."""
