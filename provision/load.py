"""Loading user metadata: an upsert that leaves identical rows untouched."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Any

import psycopg
from psycopg import sql

from common import schema
from common.errors import UserFileError

from .users import User


@dataclass(frozen=True)
class LoadResult:
    inserted: int
    updated: int
    unchanged: int


def load_users(conn: psycopg.Connection[Any], users: list[User]) -> LoadResult:
    """Insert new users and update changed ones, in one transaction."""
    table = sql.Identifier(schema.USER_METADATA_TABLE)
    try:
        return _upsert(conn, table, users)
    except psycopg.errors.UniqueViolation as e:
        detail = e.diag.message_detail or str(e)
        raise UserFileError(f"cannot load users: another user in user_metadata has that email ({detail})") from e


def _upsert(conn: psycopg.Connection[Any], table: sql.Identifier, users: list[User]) -> LoadResult:
    with conn.transaction():
        before = {row[0]: row for row in conn.execute(sql.SQL("SELECT id, name, email, quota FROM {}").format(table))}
        changed = [u for u in users if before.get(u.id) != astuple(u)]
        with conn.cursor() as cur:
            cur.executemany(sql.SQL(
                "INSERT INTO {} (id, name, email, quota) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, "
                "quota = EXCLUDED.quota").format(table), [astuple(u) for u in changed])
    inserted = sum(1 for u in changed if u.id not in before)
    return LoadResult(inserted, len(changed) - inserted, len(users) - len(changed))
