"""The shared core of every service's settings: the base class, and the refusal of unusable secrets.

Each service has one frozen settings object. Its values come from the environment (``KAFKA_BROKERS``,
``DATABASE_URL``...) and can be overridden by command-line flags; see ``common.cli.settings_from_args``.
Classes below the entrypoint never read ``os.environ``: they receive plain values taken from these objects.
What each service connects to is in its own module: ``settings_kafka``, ``settings_database``, ``settings_lake``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The placeholders of examples and templates (`change-me`, `changeme`, `CHANGE_ME-postgres`...).
_PLACEHOLDER = re.compile(r"^\s*change[-_ ]?me", re.IGNORECASE)
MAKE_A_SECRET = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def is_placeholder(text: str) -> bool:
    """True for a template's placeholder (``change-me``, ``changeme``, ``CHANGE_ME...``)."""
    return _PLACEHOLDER.match(text) is not None


def real_secret(value: SecretStr | None) -> SecretStr | None:
    """A secret setting as given, or ``ValueError`` when it is empty or a ``change-me`` placeholder.

    Unset (``None``) stays allowed where the setting is optional. The message never holds the value.
    """
    if value is None:
        return None
    text = value.get_secret_value()
    if not text.strip():
        raise ValueError(f"is empty: {MAKE_A_SECRET}")
    if is_placeholder(text):
        raise ValueError(f"is a placeholder (change-me...), known to anyone: {MAKE_A_SECRET}")
    return value


# Secret settings checked by ``real_secret``: a field of either type needs no validator of its own.
RealSecret = Annotated[SecretStr, AfterValidator(real_secret)]
OptionalRealSecret = Annotated[SecretStr | None, AfterValidator(real_secret)]


class ServiceSettings(BaseSettings):
    """Base of every service's settings: frozen, from the environment, unknown keys rejected."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", case_sensitive=False)

    log_level: str = Field("INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level
