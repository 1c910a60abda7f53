"""Settings of the serving commands: one frozen class per command, each a ``DatabaseSettings``.

``DATABASE_URL`` names the pipeline's database; dashboards reach it as the read-only role
``pipeline_reader`` (password ``READER_PASSWORD``, none for trust auth) on the same host.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, field_validator

from common.settings import OptionalRealSecret, real_secret
from common.settings_database import DatabaseSettings

from .superset.description import Ranges

_DEFAULT = Ranges()


class BundleSettings(DatabaseSettings):
    """What the Superset bundle connects to and the dashboards' default time ranges."""

    reader_password: OptionalRealSecret = Field(
        None, description="Password of the read-only role pipeline_reader (none: trust auth).")
    speed_time_range: str = Field(
        _DEFAULT.speed, description="Default time range of the speed-layer dashboard (Superset syntax).")
    batch_time_range: str = Field(
        _DEFAULT.batch, description="Default time range of the batch-layer dashboard (Superset syntax).")
    quota_hour_range: str = Field(
        _DEFAULT.quota_hour, description="Default hour of the usage-against-quota bar chart (Superset syntax).")
    refresh_seconds: int = Field(60, ge=10, description="Auto-refresh period of the speed dashboard.")


class SetupSettings(BundleSettings):
    """Where Superset lives and who administers it."""

    superset_venv: Path = Field(Path(".venv-superset"), description="Superset's own virtualenv.")
    superset_home: Path = Field(
        Path("data/superset"), description="Folder for Superset's metadata DB and secret key.")
    superset_metadata_url: SecretStr | None = Field(
        None, description="Superset's metadata DB URL (default: SQLite in SUPERSET_HOME).")
    superset_secret_key: OptionalRealSecret = Field(
        None, description="Superset's SECRET_KEY (default: generated once, kept in SUPERSET_HOME).")
    admin_username: str = Field("admin", description="Superset administrator's user name.")
    admin_password: OptionalRealSecret = Field(
        None, description="Superset administrator's password (required by setup).")
    admin_email: str = Field("admin@localhost", description="Superset administrator's email.")

    @field_validator("superset_metadata_url")
    @classmethod
    def _real_metadata_password(cls, value: SecretStr | None) -> SecretStr | None:
        password = urlsplit(value.get_secret_value()).password if value is not None else None
        if password is not None:
            real_secret(SecretStr(unquote(password)))
        return value

    @field_validator("superset_venv", "superset_home")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.absolute()


class ServeSettings(SetupSettings):
    """Where the Superset web server listens."""

    superset_host: str = Field("127.0.0.1", description="Address the Superset web server binds.")
    superset_port: int = Field(8088, ge=1, le=65535, description="Port of the Superset web server.")
    superset_workers: int = Field(2, ge=1, description="gunicorn worker processes.")


class ReportSettings(DatabaseSettings):
    """The HTML report reads the tables directly; ``DATABASE_URL`` may be the read-only role."""
