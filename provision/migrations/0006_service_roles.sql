-- Least privilege: one login role per service, granted exactly what that service does at run time.
-- Roles are cluster-wide (created once, if missing); grants are per database. Passwords are not
-- set here: `python -m provision` sets them from PROCESSOR_PASSWORD, BATCH_PASSWORD and
-- READER_PASSWORD as SCRAM-SHA-256 verifiers computed on the client.
DO $$
DECLARE
    role TEXT;
BEGIN
    FOREACH role IN ARRAY ARRAY['pipeline_processor', 'pipeline_batch'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role) THEN
            EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT '
                           'NOREPLICATION NOBYPASSRLS', role);
        END IF;
    END LOOP;
    -- The database is the pipeline's: nobody connects or makes temporary tables unless granted.
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pipeline_processor, pipeline_batch, pipeline_reader',
                   current_database());
    -- The processor adds each batch's sums to `bytes` through a temporary table it COPYs into.
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO pipeline_processor', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pipeline_processor, pipeline_batch, pipeline_reader;

-- Speed layer: lock, read and advance its offsets (SELECT ... FOR UPDATE needs UPDATE); upsert
-- 5-minute sums (INSERT ... ON CONFLICT DO UPDATE SET value = value + new reads the key and value).
GRANT SELECT, INSERT, UPDATE ON processor_offsets TO pipeline_processor;
GRANT SELECT, INSERT, UPDATE (value) ON bytes TO pipeline_processor;

-- Batch layer: replace an hour's rows (DELETE ... WHERE timestamp, COPY), upsert its ledger row,
-- read the speed layer's sums and the users' ids, emails and quotas (not their names).
GRANT SELECT, INSERT, DELETE ON bytes_hourly, user_quota_limit TO pipeline_batch;
GRANT SELECT, INSERT, UPDATE ON batch_runs TO pipeline_batch;
GRANT SELECT ON bytes TO pipeline_batch;
GRANT SELECT (id, email, quota) ON user_metadata TO pipeline_batch;

-- Dashboards: no chart shows user_metadata's emails (the over-quota charts read user_quota_limit),
-- so the reader keeps the other columns only.
REVOKE SELECT ON user_metadata FROM pipeline_reader;
GRANT SELECT (id, name, quota) ON user_metadata TO pipeline_reader;
