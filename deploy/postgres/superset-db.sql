-- Run by compose's one-shot `superset-db` service (psql as the database owner, after provision):
-- Superset's own metadata database and login role. Safe to repeat. The password comes from the
-- environment (psql's \getenv), never from argv or this file. (The reader's password is set by
-- provision, from READER_PASSWORD, as a SCRAM verifier.)
\set ON_ERROR_STOP on
\getenv superset_password SUPERSET_DB_PASSWORD

SELECT format('CREATE ROLE superset LOGIN PASSWORD %L', :'superset_password')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'superset') \gexec
ALTER ROLE superset PASSWORD :'superset_password';
SELECT 'CREATE DATABASE superset OWNER superset'
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'superset') \gexec

