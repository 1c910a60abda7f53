"""The read-only role the dashboards use: it can read the serving tables and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from common import schema
from provision.run import run as provision
from provision.settings import ProvisionSettings

pytestmark = pytest.mark.integration

WRITES = [
    "INSERT INTO bytes VALUES ('2022-10-29 13:00', 'x', 1, 'app_total_bytes')",
    "UPDATE user_metadata SET quota = 0",
    "DELETE FROM user_quota_limit",
    "TRUNCATE bytes_hourly",
    "CREATE TABLE mine (x INT)",
    "DROP TABLE bytes",
    "SELECT * FROM processor_offsets",
]


def as_reader(url: str) -> str:
    return urlsplit(url)._replace(netloc=f"{schema.READER_ROLE}@{urlsplit(url).hostname}:{urlsplit(url).port}").geturl()


@pytest.fixture
def provisioned(database_url: str) -> str:
    provision(ProvisionSettings(database_url=database_url), say=lambda _: None)
    return database_url


def test_the_reader_can_select_every_serving_table(provisioned: str) -> None:
    with psycopg.connect(as_reader(provisioned)) as conn:
        for table in schema.SERVING_TABLES:
            conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        assert conn.execute("SELECT count(*) FROM user_metadata").fetchone() == (20,)


@pytest.mark.parametrize("statement", WRITES)
def test_the_reader_cannot_write_create_or_read_bookkeeping(provisioned: str, statement: str) -> None:
    with psycopg.connect(as_reader(provisioned)) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_provisioning_two_databases_in_one_cluster_grants_the_role_in_both(
        new_database: Callable[[], str]) -> None:
    first, second = new_database(), new_database()
    for url in (first, second, first):
        provision(ProvisionSettings(database_url=url), say=lambda _: None)
    for url in (first, second):
        with psycopg.connect(as_reader(url)) as conn:
            assert conn.execute("SELECT count(*) FROM bytes").fetchone() == (0,)
