"""Command-line glue: flags generated from settings fields, and one error line per failure.

Every setting becomes a flag (``kafka_brokers`` -> ``--kafka-brokers``) whose help names its
environment variable and default, so ``--help`` documents the whole configuration; secrets are
read from the environment only.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, get_args

from pydantic import SecretStr, ValidationError
from pydantic.fields import FieldInfo

from .errors import ConfigError, PipelineError
from .logs import setup_logging
from .settings import ServiceSettings
from .startup import settle

S = TypeVar("S", bound=ServiceSettings)
log = logging.getLogger("cli")


def is_secret(field: FieldInfo) -> bool:
    """A ``SecretStr`` setting (``SecretStr`` or ``SecretStr | None``)."""
    kinds = get_args(field.annotation) or (field.annotation,)
    return SecretStr in kinds


def secret_settings(cls: type[ServiceSettings]) -> set[str]:
    """Names of the secret fields of ``cls`` (lower case, as ``os.environ`` keys lowered)."""
    return {name for name, field in cls.model_fields.items() if is_secret(field)}


def add_settings_arguments(parser: argparse.ArgumentParser, cls: type[ServiceSettings]) -> None:
    """Add one ``--flag`` per field of ``cls``; the flag overrides the environment variable.

    Secrets get no flag: a process's arguments are readable by every user of the machine
    (``ps``, ``/proc/PID/cmdline``). Their help lists them, without their values.
    """
    group = parser.add_argument_group("settings (flag overrides environment variable)")
    secrets = []
    for name, field in cls.model_fields.items():
        if is_secret(field):
            default = field.default.get_secret_value() if isinstance(field.default, SecretStr) else "none"
            secrets.append(f"{name.upper()}: {(field.description or '').rstrip('.')} [default: {default}]")
            continue
        group.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            default=None,
            metavar=name.upper(),
            help=f"{field.description} [env {name.upper()}; default: {field.default}]",
        )
    if secrets:
        parser.add_argument_group(
            "secrets (environment only: never a flag, since any local user can read a process's arguments)",
            "; ".join(secrets) + ".")


def settings_from_args(cls: type[S], args: argparse.Namespace, **extra: Any) -> S:
    """Build ``cls`` from the environment, overridden by flags that were given."""
    overrides = {k: v for k, v in vars(args).items() if k in cls.model_fields and v is not None}
    overrides.update(extra)
    try:
        return cls(**overrides)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}"
            for err in e.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from e


def parse_settings(parser: argparse.ArgumentParser, cls: type[S], argv: Sequence[str] | None) -> S:
    """Add ``cls``'s flags to ``parser``, parse ``argv``, build the settings and set up logging."""
    add_settings_arguments(parser, cls)
    settings = settings_from_args(cls, parser.parse_args(argv))
    setup_logging(settings.log_level)
    return settings


def run_main(main: Callable[[Sequence[str] | None], int | None], argv: Sequence[str] | None = None) -> None:
    """Run an entrypoint; turn a ``PipelineError`` into one log line and its exit code.

    Start-up's objects are frozen first (``common.startup``): imports are done by now.
    """
    settle()
    try:
        code = main(argv)
    except PipelineError as e:
        if not logging.getLogger().handlers:
            logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")
        log.error("%s", e)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code or 0)
