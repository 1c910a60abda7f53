"""Settings of the provisioner."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from common.settings import DatabaseSettings

from .users import SEED_USERS


class ProvisionSettings(DatabaseSettings):
    """Which database to provision and which users to load."""

    users_file: Path = Field(SEED_USERS, description="CSV of users (id,name,email,quota) to load.")
