"""Which staging goes with the lake, checked at start-up.

A lake in a folder keeps today's shape: staged files in ``DATA_DIR`` on the one host that owns
the folder. A lake in a bucket keeps staged events in PostgreSQL, where every host reaches them.
Switching ``LAKE_URL`` between the two while events are staged on the other side would strand
them (committed in ``bytes``, never published): the processor refuses to start instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from common import schema
from common.errors import ConfigError
from common.lake_store import LakeStore

from ..postgres.startup import provisioned
from .bucket import BucketStaging
from .contract import Staging
from .folder import FolderStaging
from .rows import topic_has_staged_events


def choose_staging(lake: LakeStore, staged: Path, temp: Path) -> Staging:
    """``BucketStaging`` for a lake in a bucket, ``FolderStaging`` for a lake in a folder."""
    if lake.is_s3:
        return BucketStaging(lake, temp)
    return FolderStaging(staged, temp, Path(lake.root))


def check_nothing_stranded(conn: psycopg.Connection[Any], lake: LakeStore, staged: Path, topic: str) -> None:
    """``ConfigError`` if events of ``topic`` wait on the side of the staging this lake does not use."""
    exists = provisioned(conn, schema.PROCESSOR_STAGING_TABLE)
    if lake.is_s3:
        if not exists:
            raise ConfigError("table processor_staging is missing (a lake in a bucket needs it): "
                              "run `python -m provision` first")
        leftovers = [p for p in (staged / topic).glob("*/*.arrow")] if (staged / topic).exists() else []
        if leftovers or topic_has_staged_events(conn, topic, in_files=True):
            raise ConfigError(f"batches of {topic} are staged in {staged} for a lake in a folder: "
                              "run the processor once more with that LAKE_URL (they are published on shutdown) "
                              f"before moving the lake to {lake.url}")
    elif exists and topic_has_staged_events(conn, topic):
        raise ConfigError(f"batches of {topic} are staged in PostgreSQL for a lake in a bucket: run the processor "
                          f"once more with that LAKE_URL before moving the lake to {lake.url}")
