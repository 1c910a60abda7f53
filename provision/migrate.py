"""Ordered, recorded schema migrations: ``migrations/NNNN_name.sql`` applied once each, in order.

Each migration runs in its own transaction together with its row in ``schema_migrations``; an
advisory lock keeps two provisioners from racing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from common import schema

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x616E7465  # advisory lock id shared by every provisioner
_CREATE = re.compile(r"CREATE TABLE (\w+) \((.*?)\n\);", re.S)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def created_tables(self) -> list[str]:
        """``table (col TYPE, ...)`` for each table this migration creates, for progress lines."""
        out = []
        for table, body in _CREATE.findall(self.sql):
            cols = [line.strip().rstrip(",") for line in body.splitlines() if line.strip()]
            cols = [" ".join(c.split()[:2]) for c in cols if not c.upper().startswith(("PRIMARY", "UNIQUE", "CHECK"))]
            out.append(f"{table} ({', '.join(cols)})")
        return out


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migrations in version order; versions must be unique."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append(Migration(int(number), name, path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"duplicate migration versions in {folder}: {versions}")
    return found


def apply_migrations(conn: psycopg.Connection[Any], say: Callable[[str], None]) -> list[int]:
    """Apply pending migrations; return the versions applied now."""
    table = sql.Identifier(schema.MIGRATIONS_TABLE)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TIMESTAMPTZ NOT NULL DEFAULT now())").format(table))
        done = {row[0] for row in conn.execute(sql.SQL("SELECT version FROM {}").format(table))}
        applied = []
        for migration in load_migrations():
            if migration.version in done:
                continue
            for line in migration.created_tables():
                say(f"Creating table {line}")
            with conn.transaction():
                conn.execute(migration.sql.encode())
                conn.execute(sql.SQL("INSERT INTO {} (version, name) VALUES (%s, %s)").format(table),
                             (migration.version, migration.name))
            say(f"Applied migration {migration.version:04d} {migration.name}")
            applied.append(migration.version)
    if not applied:
        say(f"Schema is up to date (version {max(done)})")
    return applied
