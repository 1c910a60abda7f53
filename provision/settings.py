"""Settings of the provisioner."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from common import schema
from common.settings import real_secret
from common.settings_database import DatabaseSettings

from .users import SEED_USERS


class ProvisionSettings(DatabaseSettings):
    """Which database to provision (as its owner), which users to load, the roles' passwords."""

    users_file: Path = Field(SEED_USERS, description="CSV of users (id,name,email,quota) to load.")
    processor_password: SecretStr | None = Field(
        None, description="Password of the speed layer's role pipeline_processor (none: left as it is).")
    batch_password: SecretStr | None = Field(
        None, description="Password of the batch job's role pipeline_batch (none: left as it is).")
    reader_password: SecretStr | None = Field(
        None, description="Password of the dashboards' role pipeline_reader (none: left as it is).")

    @field_validator("processor_password", "batch_password", "reader_password")
    @classmethod
    def _not_empty(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            raise ValueError("must not be empty (leave it unset to keep the role's password)")
        return real_secret(value)

    @property
    def role_passwords(self) -> dict[str, SecretStr | None]:
        """Each login role and the password to give it."""
        return {schema.PROCESSOR_ROLE: self.processor_password, schema.BATCH_ROLE: self.batch_password,
                schema.READER_ROLE: self.reader_password}
