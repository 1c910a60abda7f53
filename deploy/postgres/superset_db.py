"""Superset's own metadata database and login role, made by compose's one-shot `superset-db` service.

Run as the database's owner (``DATABASE_URL``) in the pipeline's image, after `provision`; safe to
repeat. The role's password (``SUPERSET_DB_PASSWORD``) is sent as a SCRAM-SHA-256 verifier computed
here by libpq, as `provision` does for the service roles (provision/roles.py): the password itself
never reaches the server, its statement log or ``pg_stat_activity``.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from psycopg import sql
from pydantic import Field

from common.cli import parse_settings, run_main
from common.db import connect
from common.settings import RealSecret
from common.settings_database import DatabaseSettings
from provision.roles import scram_verifier

ROLE = DATABASE = "superset"
log = logging.getLogger("superset-db")


class SupersetDatabaseSettings(DatabaseSettings):
    """The owner's URL and the password of Superset's login role."""

    superset_db_password: RealSecret = Field(description="Password of Superset's login role `superset`.")


def run(settings: SupersetDatabaseSettings) -> None:
    """Create (or update) the role, then the database it owns."""
    with connect(settings.database, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %s", (ROLE,)).fetchone()
        verb = "ALTER ROLE {} LOGIN PASSWORD {}" if exists else "CREATE ROLE {} LOGIN PASSWORD {}"
        verifier = scram_verifier(conn, ROLE, settings.superset_db_password)
        conn.execute(sql.SQL(verb).format(sql.Identifier(ROLE), sql.Literal(verifier)))
        if not conn.execute("SELECT 1 FROM pg_catalog.pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(ROLE)))
    log.info("role %s (password stored as a SCRAM verifier) and database %s are ready", ROLE, DATABASE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python superset_db.py", description=__doc__)
    run(parse_settings(parser, SupersetDatabaseSettings, argv))
    return 0


if __name__ == "__main__":
    run_main(main)
