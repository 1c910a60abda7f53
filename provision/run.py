"""The provisioning run: connect, migrate, set the roles' passwords, load users, one line per step."""

from __future__ import annotations

from collections.abc import Callable

from common.db import connect, server_label
from common.errors import ConfigError

from .load import load_users
from .migrate import apply_migrations
from .roles import set_passwords, superusers
from .settings import ProvisionSettings
from .users import read_users_file


def run(settings: ProvisionSettings, say: Callable[[str], None] = print) -> None:
    """Bring the database to the current schema, roles and user metadata; safe to repeat."""
    users = read_users_file(settings.users_file)
    with connect(settings.database, autocommit=True) as conn:
        say(f"Connection established to {server_label(settings.database_url)}")
        apply_migrations(conn, say)
        if powerful := superusers(conn, list(settings.role_passwords)):
            raise ConfigError(f"role(s) {', '.join(powerful)} can do more than their grants (superuser, "
                              "CREATEROLE, CREATEDB or BYPASSRLS): ALTER ROLE ... NOSUPERUSER ... first")
        for role in set_passwords(conn, settings.role_passwords):
            say(f"Password of {role} set (stored as a SCRAM-SHA-256 verifier)")
        say(f"Loading user metadata from {settings.users_file.name} ({len(users)} users)")
        result = load_users(conn, users)
        say(f"User metadata: {result.inserted} inserted, {result.updated} updated, {result.unchanged} unchanged")
