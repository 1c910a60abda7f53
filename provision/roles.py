"""The services' login roles: passwords stored as SCRAM-SHA-256 verifiers computed on this side.

The statement sent is ``ALTER ROLE ... PASSWORD 'SCRAM-SHA-256$4096:...'``: the password itself
never reaches the server, its logs, or ``pg_stat_activity``.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql
from pydantic import SecretStr


def scram_verifier(conn: psycopg.Connection[Any], role: str, password: SecretStr) -> str:
    """The verifier PostgreSQL stores for ``password`` (libpq's ``PQencryptPasswordConn``)."""
    verifier = conn.pgconn.encrypt_password(password.get_secret_value().encode(), role.encode(), b"scram-sha-256")
    return verifier.decode()


def set_passwords(conn: psycopg.Connection[Any], passwords: dict[str, SecretStr | None]) -> list[str]:
    """Set the password of every role given one; return those roles (a role without keeps its own)."""
    changed = []
    for role, password in passwords.items():
        if password is None:
            continue
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(scram_verifier(conn, role, password))))
        changed.append(role)
    return changed


def superusers(conn: psycopg.Connection[Any], roles: list[str]) -> list[str]:
    """Those of ``roles`` that can do more than their grants (superuser, create roles or bypass RLS)."""
    rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) "
                        "AND (rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls) ORDER BY rolname",
                        (roles,)).fetchall()
    return [r[0] for r in rows]
