"""Our services in the benchmarks connect as the roles ``python -m provision`` creates, as in production.

The benchmark provisions each database as its owner and gives the roles this run's passwords; the
processor and the batch job then log in as ``pipeline_processor`` and ``pipeline_batch``, never as
the superuser. The checks of their results still read as the owner. Roles are cluster-wide: on a
server named by ``DATABASE_URL`` this sets their passwords there too, as ``python -m provision``
with passwords would.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from common import schema
from devstack.postgres import role_url
from devstack.services import provision_with_passwords
from provision.users import SEED_USERS

PASSWORDS = {role: secrets.token_hex(16) for role in (schema.PROCESSOR_ROLE, schema.BATCH_ROLE, schema.READER_ROLE)}


def provision_with_roles(url: str, users_file: Path = SEED_USERS) -> None:
    """Tables, users and the services' roles (with this run's passwords), as the owner of ``url``."""
    provision_with_passwords(url, PASSWORDS, users_file)


def service_url(url: str, role: str) -> str:
    """``url`` as ``role`` logs in to it (after ``provision_with_roles``)."""
    return role_url(url, role, PASSWORDS[role])
