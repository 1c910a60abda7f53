-- Batch layer ledger: one row per hour the batch job wrote, replaced in the same transaction as
-- that hour's rows in bytes_hourly and user_quota_limit. `fingerprint` digests the names, sizes
-- and modification times of the lake files read, so `python -m batch --catch-up` finds hours
-- whose files changed since (late events, missed runs). `*_diff` = batch total - speed total.
CREATE TABLE batch_runs (
    hour                     TIMESTAMP   PRIMARY KEY,
    fingerprint              TEXT        NOT NULL,
    files                    INTEGER     NOT NULL,
    events                   BIGINT      NOT NULL,
    unknown_user_events      BIGINT      NOT NULL,
    bytes_hourly_rows        INTEGER     NOT NULL,
    quota_rows               INTEGER     NOT NULL,
    batch_bytes              BIGINT      NOT NULL,
    user_total_bytes_diff    BIGINT      NOT NULL,
    antenna_total_bytes_diff BIGINT      NOT NULL,
    app_total_bytes_diff     BIGINT      NOT NULL,
    started_at               TIMESTAMPTZ NOT NULL,
    finished_at              TIMESTAMPTZ NOT NULL
);
