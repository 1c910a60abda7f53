"""Real Kafka and PostgreSQL for the test session: started here, or taken from the environment.

The session's broker also has a SASL listener (PLAIN and SCRAM-SHA-256) for the SASL tests.

Set ``KAFKA_BROKERS`` and/or ``DATABASE_URL`` to run the suite against services that already run
(CI with compose, a laptop with ``python -m devstack up``); otherwise a broker and a cluster are
started on free loopback ports for the session and stopped at its end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from common import schema
from devstack.kafka import KafkaBroker, default_cache_dir, jars_dir
from devstack.ports import free_port
from devstack.postgres import PostgresCluster
from devstack.postgres import role_url as devstack_role_url
from provision.run import run as provision
from provision.settings import ProvisionSettings

# The services' role passwords for this test session: every test provisions with them (roles are
# cluster-wide) and the services connect with them; distinctive, so a test can search for them.
ROLE_PASSWORDS = {role: f"{role}-secret-{uuid.uuid4().hex}"
                  for role in (schema.PROCESSOR_ROLE, schema.BATCH_ROLE, schema.READER_ROLE)}


@contextmanager
def kafka_service() -> Iterator[tuple[str, KafkaBroker | None]]:
    if external := os.environ.get("KAFKA_BROKERS"):
        yield external, None
        return
    folder = Path(tempfile.mkdtemp(prefix="test-kafka-"))
    broker = KafkaBroker(folder, free_port(), free_port(), jars_dir(default_cache_dir()), sasl_port=free_port(),
                         sasl_password=f"kafka-secret-{uuid.uuid4().hex}")
    broker.start()
    try:
        yield broker.bootstrap, broker
    finally:
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_service() -> Iterator[tuple[str, PostgresCluster | None]]:
    if external := os.environ.get("DATABASE_URL"):
        yield external, None
        return
    folder = Path(tempfile.mkdtemp(prefix="test-pg-"))
    cluster = PostgresCluster(folder / "data", free_port())
    os.chmod(folder, 0o755)
    cluster.start()
    try:
        yield cluster.url, cluster
    finally:
        cluster.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server_url: str) -> str:
    """A new empty database on the server of ``server_url``; returns its URL."""
    name = unique("test")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(server_url)._replace(path="/" + name).geturl()


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (connecting to the server's ``postgres`` database)."""
    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(parts.path[1:])))


@contextmanager
def provisioned_database(server_url: str) -> Iterator[str]:
    """A new database provisioned as ``python -m provision`` does (tables, users, roles); dropped after.

    The URL is the owner's; services connect with ``role_url(url, role)``.
    """
    url = create_database(server_url)
    try:
        provision_database(url)
        yield url
    finally:
        drop_database(url)


def unique(prefix: str) -> str:
    """A name no other test uses: ``prefix-<8 hex>`` (safe as topic, group or database name)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def provision_database(url: str) -> None:
    """Tables, users and the services' roles (with this session's passwords), as the owner of ``url``."""
    provision(ProvisionSettings(database_url=url, processor_password=ROLE_PASSWORDS[schema.PROCESSOR_ROLE],
                                batch_password=ROLE_PASSWORDS[schema.BATCH_ROLE],
                                reader_password=ROLE_PASSWORDS[schema.READER_ROLE]), say=lambda _: None)


def role_url(url: str, role: str) -> str:
    """``url`` with the user replaced by ``role`` and this session's password: how a service connects."""
    return devstack_role_url(url, role, ROLE_PASSWORDS[role])
