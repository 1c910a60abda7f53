"""A real Kafka broker, PostgreSQL and S3 server for a test session or a benchmark: started here,
or taken from the environment.

Set ``KAFKA_BROKERS``, ``DATABASE_URL`` and/or ``AWS_ENDPOINT_URL`` (with ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_REGION``) to use services that already run (CI with compose, a
laptop with ``python -m devstack up``); otherwise a broker, a cluster and an s3proxy are started on
free loopback ports for the ``with`` block and stopped at its end. Used by ``tests/`` and ``bench/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from psycopg import sql
from pydantic import SecretStr

from common import schema
from common.s3 import S3Options
from provision.run import run as provision
from provision.settings import ProvisionSettings
from provision.users import SEED_USERS

from .kafka import KafkaBroker, jars_dir
from .maven import default_cache_dir
from .ports import free_port
from .postgres import PostgresCluster
from .s3 import S3Server, s3proxy_jar


@contextmanager
def kafka_service(sasl_password: str | None = None, tls: bool = False) -> Iterator[tuple[str, KafkaBroker | None]]:
    """Bootstrap address, and the broker when started here (with a SASL listener if ``sasl_password``,
    a TLS listener if ``tls``, and a SASL_SSL listener if both)."""
    if external := os.environ.get("KAFKA_BROKERS"):
        yield external, None
        return
    folder = Path(tempfile.mkdtemp(prefix="test-kafka-"))
    broker = KafkaBroker(folder, free_port(), free_port(), jars_dir(default_cache_dir()),
                         sasl_port=free_port() if sasl_password else None, sasl_password=sasl_password or "",
                         tls_port=free_port() if tls else None,
                         sasl_ssl_port=free_port() if sasl_password and tls else None)
    broker.start()
    try:
        yield broker.bootstrap, broker
    finally:
        broker.stop()
        shutil.rmtree(folder, ignore_errors=True)


def provision_with_passwords(url: str, passwords: Mapping[str, str], users_file: Path = SEED_USERS) -> None:
    """Tables, users and the services' roles with ``passwords`` (role -> password), as the owner of
    ``url``: what ``python -m provision`` does with its password settings."""
    provision(ProvisionSettings(database_url=url, users_file=users_file,
                                processor_password=SecretStr(passwords[schema.PROCESSOR_ROLE]),
                                batch_password=SecretStr(passwords[schema.BATCH_ROLE]),
                                reader_password=SecretStr(passwords[schema.READER_ROLE])), say=lambda _: None)


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


@contextmanager
def s3_service() -> Iterator[tuple[S3Options, S3Server | None]]:
    """How to reach the S3 server, and the server when started here (signed requests, a secret of its own)."""
    if endpoint := os.environ.get("AWS_ENDPOINT_URL"):
        secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
        yield S3Options(endpoint_url=endpoint, access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
                        secret_access_key=SecretStr(secret) if secret else None,
                        region=os.environ.get("AWS_REGION", "us-east-1"),
                        allow_http=endpoint.startswith("http://")), None
        return
    folder = Path(tempfile.mkdtemp(prefix="test-s3-"))
    server = S3Server(folder, free_port(), s3proxy_jar(default_cache_dir()), secret_key=SecretStr(uuid.uuid4().hex))
    server.start()
    try:
        yield server.options(), server
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def create_bucket(s3: S3Options) -> str:
    """A new empty bucket (its name is valid for S3: lowercase, digits, hyphens)."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    s3.filesystem(allow_bucket_creation=True).create_dir(name)
    return name


def delete_bucket(s3: S3Options, name: str) -> None:
    """Delete a bucket and everything in it."""
    s3.filesystem(allow_bucket_deletion=True).delete_dir(name)


def s3_env(s3: S3Options, lake_url: str) -> dict[str, str]:
    """The environment that points a service at ``lake_url`` on this S3 server."""
    env = {"LAKE_URL": lake_url, "AWS_REGION": s3.region, "AWS_ALLOW_HTTP": str(s3.allow_http).lower()}
    env |= {"AWS_ENDPOINT_URL": s3.endpoint_url} if s3.endpoint_url else {}
    if s3.access_key_id and s3.secret_access_key:
        env |= {"AWS_ACCESS_KEY_ID": s3.access_key_id,
                "AWS_SECRET_ACCESS_KEY": s3.secret_access_key.get_secret_value()}
    return env


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
