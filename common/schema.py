"""Names shared by every service: topics, tables, columns, metric types, lake layout.

Everything that more than one module needs to agree on lives here, once.
"""

from __future__ import annotations

from typing import Final

DEFAULT_TOPIC: Final = "devices"
DEFAULT_DLQ_TOPIC: Final = "devices-dlq"
DEFAULT_CONSUMER_GROUP: Final = "antenna-processor"

# Tables of the original system (column names and order as the seed shows them).
BYTES_TABLE: Final = "bytes"
BYTES_HOURLY_TABLE: Final = "bytes_hourly"
USER_QUOTA_TABLE: Final = "user_quota_limit"
USER_METADATA_TABLE: Final = "user_metadata"
SERVING_TABLES: Final = (BYTES_TABLE, BYTES_HOURLY_TABLE, USER_QUOTA_TABLE, USER_METADATA_TABLE)

# Bookkeeping tables of our own.
MIGRATIONS_TABLE: Final = "schema_migrations"
PROCESSOR_OFFSETS_TABLE: Final = "processor_offsets"
# processor_staging: a row per committed batch of the speed layer, holding its events (a lake in a bucket)
# or, since migration 0008, the name of its staged file (a lake in a folder: events NULL, staged_file).
PROCESSOR_STAGING_TABLE: Final = "processor_staging"
PROCESSOR_PUBLISHING_TABLE: Final = "processor_publishing"  # publish manifests: the range of a publish in progress
BATCH_RUNS_TABLE: Final = "batch_runs"

# Login roles of the services (provision/migrations/0006_service_roles.sql grants each its tables).
PROCESSOR_ROLE: Final = "pipeline_processor"
BATCH_ROLE: Final = "pipeline_batch"
READER_ROLE: Final = "pipeline_reader"  # dashboards: serving tables; emails only of users over quota (user_quota_limit)

# Metric types in the `type` column of bytes and bytes_hourly, keyed by the event field summed over.
USER_TOTAL: Final = "user_total_bytes"
ANTENNA_TOTAL: Final = "antenna_total_bytes"
APP_TOTAL: Final = "app_total_bytes"
METRIC_TYPES: Final = {"id": USER_TOTAL, "antenna_id": ANTENNA_TOTAL, "app": APP_TOTAL}

# Lake layout: $DATA_DIR/events/year=YYYY/month=M/day=D/hour=H/*.parquet (UTC, no zero padding).
LAKE_SUBDIR: Final = "events"
STAGING_SUBDIR: Final = "staging"  # committed batches not yet in the lake
TMP_SUBDIR: Final = "tmp"  # files being written, renamed into staging or the lake when complete
STATE_SUBDIR: Final = "state"  # Quix Streams' local state folder (unused: the processor keeps no state)
PARTITION_KEYS: Final = ("year", "month", "day", "hour")

WINDOW_SECONDS: Final = 300
