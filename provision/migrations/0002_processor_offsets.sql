-- Speed layer bookkeeping: the next Kafka offset of each (topic, partition) whose events are in
-- `bytes` and in the lake's staging area. Updated in the same transaction as the totals, so a
-- replayed batch is recognised and skipped: exactly-once sums.
CREATE TABLE processor_offsets (
    topic       TEXT        NOT NULL,
    partition   INTEGER     NOT NULL,
    next_offset BIGINT      NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);
