"""The provisioning run: connect, migrate, load users, printing one line per step."""

from __future__ import annotations

from collections.abc import Callable

from common.db import connect, server_label

from .load import load_users
from .migrate import apply_migrations
from .settings import ProvisionSettings
from .users import read_users_file


def run(settings: ProvisionSettings, say: Callable[[str], None] = print) -> None:
    """Bring the database to the current schema and load user metadata; safe to repeat."""
    users = read_users_file(settings.users_file)
    with connect(settings.database_url, autocommit=True) as conn:
        say(f"Connection established to {server_label(settings.database_url)}")
        apply_migrations(conn, say)
        say(f"Loading user metadata from {settings.users_file.name} ({len(users)} users)")
        result = load_users(conn, users)
        say(f"User metadata: {result.inserted} inserted, {result.updated} updated, {result.unchanged} unchanged")
