-- A lake in a bucket (LAKE_URL=s3://...): the speed layer's staged events and its publish manifest
-- live here, not on the local disk of the host that staged them, so whichever processor owns a
-- partition next can finish the work of one that died. A batch's row commits in the same
-- transaction as its offsets and sums; a manifest row is committed before any lake object of its
-- publish is written, and deleted with its inputs once every object is in place.
CREATE TABLE processor_staging (
    topic        TEXT    NOT NULL,
    partition    INTEGER NOT NULL,
    first_offset BIGINT  NOT NULL,
    last_offset  BIGINT  NOT NULL,
    events       BYTEA   NOT NULL,
    PRIMARY KEY (topic, partition, first_offset),
    CHECK (last_offset >= first_offset)
);
-- The events are an LZ4-compressed Arrow IPC file already: no second compression by TOAST.
ALTER TABLE processor_staging ALTER COLUMN events SET STORAGE EXTERNAL;

CREATE TABLE processor_publishing (
    topic        TEXT    NOT NULL,
    partition    INTEGER NOT NULL,
    first_offset BIGINT  NOT NULL,
    last_offset  BIGINT  NOT NULL,
    PRIMARY KEY (topic, partition)
);

-- The processor's own role, where provision has created it (issue 9), stages and publishes.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pipeline_processor') THEN
        GRANT SELECT, INSERT, DELETE ON processor_staging, processor_publishing TO pipeline_processor;
    END IF;
END
$$;
