"""A real Kafka broker and PostgreSQL for a test session or a benchmark: started here, or taken from
the environment.

Set ``KAFKA_BROKERS`` and/or ``DATABASE_URL`` to use services that already run (CI with compose, a
laptop with ``python -m devstack up``); otherwise a broker and a cluster are started on free
loopback ports for the ``with`` block and stopped at its end. Used by ``tests/`` and ``bench/``.
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

from .kafka import KafkaBroker, default_cache_dir, jars_dir
from .ports import free_port
from .postgres import PostgresCluster


@contextmanager
def kafka_service(sasl_password: str | None = None) -> Iterator[tuple[str, KafkaBroker | None]]:
    """Bootstrap address, and the broker when started here (with a SASL listener if ``sasl_password``)."""
    if external := os.environ.get("KAFKA_BROKERS"):
        yield external, None
        return
    folder = Path(tempfile.mkdtemp(prefix="test-kafka-"))
    broker = KafkaBroker(folder, free_port(), free_port(), jars_dir(default_cache_dir()),
                         sasl_port=free_port() if sasl_password else None, sasl_password=sasl_password or "")
    broker.start()
    try:
        yield broker.bootstrap, broker
    finally:
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_service() -> Iterator[tuple[str, PostgresCluster | None]]:
    """Superuser URL, and the cluster when started here."""
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


def unique(prefix: str) -> str:
    """A name no other test uses: ``prefix-<8 hex>`` (safe as topic, group or database name)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
