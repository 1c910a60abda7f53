-- Read-only role for the dashboards (Superset, the HTML report): SELECT on the serving tables only.
-- Roles are cluster-wide and this runs once per database, so the role is created only if missing
-- and the grants (per database) are repeated safely. Its password, if any, is set by
-- `python -m serving setup` from READER_PASSWORD; clusters with trust auth need none.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pipeline_reader') THEN
        CREATE ROLE pipeline_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pipeline_reader', current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM pipeline_reader;
GRANT USAGE ON SCHEMA public TO pipeline_reader;
GRANT SELECT ON bytes, bytes_hourly, user_quota_limit, user_metadata TO pipeline_reader;
