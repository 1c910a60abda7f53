"""Real Kafka, PostgreSQL and S3 for the test session (devstack/services.py), and what tests add to them.

The session's broker also has a SASL listener (PLAIN and SCRAM-SHA-256), a TLS listener and a
SASL_SSL listener (SCRAM-SHA-512) for the transport tests; every test database is provisioned with
this session's role passwords.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from common import schema
from devstack import services
from devstack.kafka import KafkaBroker
from devstack.postgres import role_url as devstack_role_url
from devstack.services import (
    create_bucket,
    create_database,
    delete_bucket,
    drop_database,
    postgres_service,
    s3_env,
    s3_service,
    unique,
)

# The services' role passwords for this test session: every test provisions with them (roles are
# cluster-wide) and the services connect with them; distinctive, so a test can search for them.
ROLE_PASSWORDS = {role: f"{role}-secret-{uuid.uuid4().hex}"
                  for role in (schema.PROCESSOR_ROLE, schema.BATCH_ROLE, schema.READER_ROLE)}

__all__ = ["ROLE_PASSWORDS", "create_bucket", "create_database", "delete_bucket", "drop_database", "kafka_service",
           "postgres_service", "provision_database", "provisioned_database", "role_url", "s3_env", "s3_service",
           "unique"]


@contextmanager
def kafka_service() -> Iterator[tuple[str, KafkaBroker | None]]:
    """The session's broker, with a SASL listener whose password is this session's, a TLS listener and a
    SASL_SSL listener."""
    with services.kafka_service(sasl_password=f"kafka-secret-{uuid.uuid4().hex}", tls=True) as service:
        yield service


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


def provision_database(url: str) -> None:
    """Tables, users and the services' roles (with this session's passwords), as the owner of ``url``."""
    services.provision_with_passwords(url, ROLE_PASSWORDS)


def role_url(url: str, role: str) -> str:
    """``url`` with the user replaced by ``role`` and this session's password: how a service connects."""
    return devstack_role_url(url, role, ROLE_PASSWORDS[role])
