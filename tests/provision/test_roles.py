"""The services' login roles: SCRAM passwords, plain login roles, and grants of exactly what each does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from common import schema
from common.errors import ConfigError
from devstack.postgres import PostgresCluster
from provision.run import run as provision
from provision.settings import ProvisionSettings

from ..helpers import query
from ..services import ROLE_PASSWORDS, create_database, drop_database, provision_database, role_url

pytestmark = pytest.mark.integration
PROCESSOR, BATCH, READER = schema.PROCESSOR_ROLE, schema.BATCH_ROLE, schema.READER_ROLE

# What each service does at run time (processor/, batch/, serving/): allowed.
ALLOWED = {
    PROCESSOR: [
        "INSERT INTO processor_offsets (topic, partition, next_offset) VALUES ('t', 0, 0) ON CONFLICT DO NOTHING",
        "SELECT next_offset FROM processor_offsets WHERE topic = 't' FOR UPDATE",
        "UPDATE processor_offsets SET next_offset = 1, updated_at = now() WHERE topic = 't'",
        "CREATE TEMP TABLE stage (window_start BIGINT, id TEXT, type TEXT, value BIGINT) ON COMMIT DELETE ROWS",
        "INSERT INTO bytes (timestamp, id, value, type) VALUES ('2022-10-29 13:00', 'u', 1, 'user_total_bytes') "
        "ON CONFLICT (timestamp, type, id) DO UPDATE SET value = bytes.value + EXCLUDED.value",
        "SELECT to_regclass('processor_offsets')",
    ],
    BATCH: [
        "SELECT id, email, quota FROM user_metadata",
        "SELECT type, sum(value) FROM bytes WHERE timestamp >= '2022-10-29' GROUP BY type",
        "SELECT pg_advisory_xact_lock(1, 2)",
        "DELETE FROM bytes_hourly WHERE timestamp = '2022-10-29 13:00'",
        "DELETE FROM user_quota_limit WHERE timestamp = '2022-10-29 13:00'",
        "INSERT INTO bytes_hourly VALUES ('2022-10-29 13:00', 'u', 1, 'user_total_bytes')",
        "INSERT INTO user_quota_limit VALUES ('a@b.c', 2, 1, '2022-10-29 13:00')",
        "SELECT hour, fingerprint FROM batch_runs",
    ],
    READER: [
        "SELECT * FROM bytes", "SELECT * FROM bytes_hourly", "SELECT email, usage, quota, timestamp FROM user_quota_limit",
        "SELECT id, name, quota FROM user_metadata",
    ],
}
# Anything more: refused.
WRITES_TO_OTHERS = {
    PROCESSOR: ["INSERT INTO bytes_hourly VALUES ('2022-10-29 13:00', 'u', 1, 'user_total_bytes')",
                "DELETE FROM user_quota_limit", "UPDATE batch_runs SET files = 0", "UPDATE user_metadata SET quota = 0"],
    BATCH: ["INSERT INTO bytes VALUES ('2022-10-29 13:00', 'u', 1, 'user_total_bytes')",
            "UPDATE bytes SET value = 0", "DELETE FROM bytes", "UPDATE user_metadata SET quota = 0",
            "UPDATE processor_offsets SET next_offset = 0", "UPDATE bytes_hourly SET value = 0"],
    READER: ["INSERT INTO bytes VALUES ('2022-10-29 13:00', 'u', 1, 'user_total_bytes')",
             "UPDATE user_metadata SET quota = 0", "DELETE FROM user_quota_limit", "DELETE FROM bytes_hourly",
             "UPDATE batch_runs SET files = 0", "INSERT INTO processor_offsets VALUES ('t', 0, 0)"],
}
REFUSED_TO_ALL = [
    "SELECT * FROM user_metadata", "SELECT * FROM schema_migrations",
    "TRUNCATE bytes", "TRUNCATE bytes_hourly", "DROP TABLE bytes", "ALTER TABLE bytes ADD COLUMN x INT",
    "CREATE TABLE mine (x INT)", "DELETE FROM processor_offsets",
]
REFUSED = {
    PROCESSOR: [*WRITES_TO_OTHERS[PROCESSOR], *REFUSED_TO_ALL, "SELECT email FROM user_metadata", "SELECT * FROM batch_runs",
                "SELECT * FROM bytes_hourly", "UPDATE bytes SET id = 'x'", "DELETE FROM bytes"],
    BATCH: [*WRITES_TO_OTHERS[BATCH], *REFUSED_TO_ALL, "SELECT name FROM user_metadata",
            "SELECT * FROM processor_offsets", "CREATE TEMP TABLE t (x INT)", "DELETE FROM batch_runs"],
    READER: [*WRITES_TO_OTHERS[READER], *REFUSED_TO_ALL, "SELECT email FROM user_metadata", "SELECT * FROM processor_offsets",
             "SELECT * FROM batch_runs", "CREATE TEMP TABLE t (x INT)"],
}


def cases(table: dict[str, list[str]]) -> list[Any]:
    return [pytest.param(role, statement, id=f"{role}: {statement[:60]}") for role, statements in table.items()
            for statement in statements]


@pytest.fixture
def provisioned(database_url: str) -> str:
    """A provisioned database of this test's own (the owner's URL)."""
    provision_database(database_url)
    return database_url


@pytest.fixture(scope="module")
def shared(postgres_url: str) -> Iterator[str]:
    """One provisioned database for the statement tests (each statement is rolled back)."""
    url = create_database(postgres_url)
    provision_database(url)
    yield url
    drop_database(url)


def execute_as(url: str, role: str, statement: str) -> None:
    """``statement`` as ``role``, in a transaction rolled back afterwards."""
    with psycopg.connect(role_url(url, role), autocommit=True) as conn, conn.transaction():
        conn.execute(statement)
        raise psycopg.Rollback()


@pytest.mark.parametrize(("role", "statement"), cases(ALLOWED))
def test_each_role_may_do_what_its_service_does(shared: str, role: str, statement: str) -> None:
    execute_as(shared, role, statement)


@pytest.mark.parametrize(("role", "statement"), cases(REFUSED))
def test_each_role_is_refused_anything_more(shared: str, role: str, statement: str) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        execute_as(shared, role, statement)


def test_the_roles_are_plain_login_roles_that_cannot_create_or_bypass_anything(provisioned: str) -> None:
    rows = query(provisioned, "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, "
                              "rolbypassrls FROM pg_roles WHERE rolname LIKE 'pipeline_%' ORDER BY rolname")
    assert rows == [(role, True, False, False, False, False, False) for role in sorted((PROCESSOR, BATCH, READER))]


def test_passwords_are_stored_as_scram_verifiers_never_as_given(provisioned: str) -> None:
    rows = dict(query(provisioned, "SELECT rolname, rolpassword FROM pg_authid WHERE rolname LIKE 'pipeline_%'"))
    for role, password in ROLE_PASSWORDS.items():
        assert rows[role].startswith("SCRAM-SHA-256$4096:")
        assert password not in rows[role]


def test_a_role_logs_in_with_its_password_only(provisioned: str, postgres: tuple[str, PostgresCluster | None]) -> None:
    if postgres[1] is None:
        pytest.skip("an external PostgreSQL (DATABASE_URL) may trust every login")
    with psycopg.connect(role_url(provisioned, BATCH)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (BATCH,)
    wrong = role_url(provisioned, BATCH).replace(ROLE_PASSWORDS[BATCH], "not-the-password")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong).close()


def test_provisioning_again_with_another_password_replaces_it(provisioned: str) -> None:
    try:
        provision(ProvisionSettings(database_url=provisioned, reader_password="another-one"), say=lambda _: None)
        before = dict(query(provisioned, "SELECT rolname, rolpassword FROM pg_authid WHERE rolname LIKE 'pipeline_%'"))
        with psycopg.connect(role_url(provisioned, READER).replace(ROLE_PASSWORDS[READER], "another-one")) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (READER,)
    finally:
        provision_database(provisioned)
    after = dict(query(provisioned, "SELECT rolname, rolpassword FROM pg_authid WHERE rolname LIKE 'pipeline_%'"))
    assert after[READER] != before[READER]


def test_a_role_given_more_than_its_grants_is_refused_by_the_provisioner(provisioned: str) -> None:
    with psycopg.connect(provisioned, autocommit=True) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CREATEDB").format(sql.Identifier(BATCH)))
    try:
        with pytest.raises(ConfigError, match=f"role\\(s\\) {BATCH} can do more than their grants"):
            provision_database(provisioned)
    finally:
        with psycopg.connect(provisioned, autocommit=True) as conn:
            conn.execute(sql.SQL("ALTER ROLE {} NOCREATEDB").format(sql.Identifier(BATCH)))


def test_provisioning_two_databases_in_one_cluster_grants_the_roles_in_both(new_database: Callable[[], str]) -> None:
    first, second = new_database(), new_database()
    for url in (first, second, first):
        provision_database(url)
    for url in (first, second):
        for role in (PROCESSOR, BATCH, READER):
            with psycopg.connect(role_url(url, role)) as conn:
                assert conn.execute("SELECT count(*) FROM bytes").fetchone() == (0,)

