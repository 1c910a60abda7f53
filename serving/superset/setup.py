"""``python -m serving setup|serve|bundle``: prepare or update a Superset instance, serve it, build the bundle.

Every step is safe to repeat: migrations, ``init`` and the import (by UUID) converge, the admin is
created once and its password kept equal to ADMIN_PASSWORD (handed over on standard input, never
in a process's arguments).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from common.errors import ConfigError

from ..reader import reader_uri
from ..settings import BundleSettings, ServeSettings, SetupSettings
from .bundle import files, write_zip
from .description import Ranges, bundle_description
from .instance import ADMIN_SCRIPT, IMPORT_SCRIPT, instance


def build_bundle(settings: BundleSettings, out: Path) -> Path:
    """Write the import bundle for the database and time ranges of ``settings``."""
    ranges = Ranges(settings.speed_time_range, settings.batch_time_range, settings.quota_hour_range)
    uri = reader_uri(settings.database_url, settings.reader_password, settings.database_sslmode)
    return write_zip(files(bundle_description(uri, ranges, settings.refresh_seconds)), out)


def setup(settings: SetupSettings, say: Callable[[str], None] = print) -> None:
    """Metadata database, admin user, roles and permissions, then the dashboards."""
    if settings.admin_password is None or not settings.admin_password.get_secret_value():
        raise ConfigError("ADMIN_PASSWORD must be set: the Superset administrator's password")
    superset = instance(settings)
    superset.run("db upgrade", "db", "upgrade", timeout=900)
    say("Superset metadata database is up to date")
    # The password goes through standard input: any local user can read a process's arguments.
    done = superset.run("admin user", str(ADMIN_SCRIPT), settings.admin_username, settings.admin_email,
                        program="python", stdin=settings.admin_password.get_secret_value() + "\n")
    said = [line for line in done.splitlines() if line.startswith(("Administrator ", "Created administrator "))]
    say(said[-1] if said else f"Administrator {settings.admin_username} is set up")
    superset.run("init", "init", timeout=900)
    say("Superset roles and permissions are initialised")
    bundle = build_bundle(settings, settings.superset_home / "dashboards.zip")
    bundle.chmod(0o600)  # holds the reader's password when there is one
    superset.run("import", str(IMPORT_SCRIPT), str(bundle), settings.admin_username, program="python")
    say("Imported the dashboards: /superset/dashboard/speed-layer/ and /superset/dashboard/batch-layer/")


def gunicorn_command(settings: ServeSettings) -> list[str]:
    """The web server command (also what the README shows)."""
    return [str(settings.superset_venv / "bin" / "gunicorn"), "-w", str(settings.superset_workers),
            "-k", "gthread", "--threads", "4", "--timeout", "120",
            "-b", f"{settings.superset_host}:{settings.superset_port}", "superset.app:create_app()"]


def serve(settings: ServeSettings, say: Callable[[str], None] = print) -> None:
    """Replace this process by Superset's web server."""
    superset = instance(settings)
    say(f"Superset on http://{settings.superset_host}:{settings.superset_port}/superset/dashboard/speed-layer/")
    command = gunicorn_command(settings)
    os.execve(command[0], command, superset.env)
