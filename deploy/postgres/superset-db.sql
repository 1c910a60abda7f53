-- Run by compose's one-shot `superset-db` service (psql as the database owner, after provision):
-- Superset's own metadata database and login role, and the reader's password. Safe to repeat.
-- Passwords come from the environment (psql's \getenv), never from argv or this file.
\set ON_ERROR_STOP on
\getenv superset_password SUPERSET_DB_PASSWORD
\getenv reader_password READER_PASSWORD

SELECT format('CREATE ROLE superset LOGIN PASSWORD %L', :'superset_password')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'superset') \gexec
ALTER ROLE superset PASSWORD :'superset_password';
SELECT 'CREATE DATABASE superset OWNER superset'
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'superset') \gexec

-- pipeline_reader is created by `python -m provision` (migration 0004); Superset logs in as it.
ALTER ROLE pipeline_reader PASSWORD :'reader_password';
