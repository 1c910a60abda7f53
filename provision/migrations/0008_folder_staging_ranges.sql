-- One staging design for both lakes (issue 17, item 6): every committed batch's offset range is a
-- row of processor_staging, inserted in the checkpoint's own transaction, and only recorded ranges
-- are ever published. A lake in a bucket keeps the batch's events in the row; a lake in a folder
-- keeps them in a staged file in DATA_DIR, and the row's events are NULL. A staged file with no row
-- was written by an owner whose transaction never committed (a crash, a zombie): it is deleted
-- under the partition's lock. A folder publish records its range in processor_publishing too.
ALTER TABLE processor_staging ALTER COLUMN events DROP NOT NULL;
-- The staged file that holds a folder lake's batch, named by its writer (offset range plus a token
-- of its own): a zombie that writes the same range later writes another name, which no row holds.
ALTER TABLE processor_staging ADD COLUMN staged_file TEXT;
ALTER TABLE processor_staging ADD CONSTRAINT processor_staging_events_or_file
    CHECK ((events IS NULL) <> (staged_file IS NULL));

-- Staged files written before this migration have no row. Partitions that existed then are marked
-- false: their first owner after the upgrade records the files below next_offset (committed, by
-- the rule of the old code) and the interrupted publish the old `_publish.json` describes, then sets
-- it. Partitions created from now on start true: nothing of theirs predates the recorded ranges.
ALTER TABLE processor_offsets ADD COLUMN staging_recorded BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE processor_offsets ALTER COLUMN staging_recorded SET DEFAULT true;
