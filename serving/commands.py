"""The serving layer's commands: each a settings class, its help, and one library call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.settings import ServiceSettings

from .report.run import write_report
from .settings import BundleSettings, ReportSettings, ServeSettings, SetupSettings
from .superset.setup import build_bundle, serve, setup


@dataclass(frozen=True)
class Command:
    """One ``python -m serving`` command; ``output`` names the file it writes (``--out``), if any."""

    settings: type[ServiceSettings]
    help: str
    action: Callable[[Any, Path], None]
    output: str | None = None


def _wrote(write: Callable[[Any, Path], Path]) -> Callable[[Any, Path], None]:
    def action(settings: Any, out: Path) -> None:
        print(f"Wrote {write(settings, out)}")
    return action


COMMANDS: dict[str, Command] = {
    "setup": Command(SetupSettings, "Prepare or update a Superset instance (idempotent): metadata database, "
                     "admin user from ADMIN_USERNAME/ADMIN_PASSWORD, init, and the dashboards' import.",
                     lambda settings, _: setup(settings)),
    "serve": Command(ServeSettings, "Run Superset's web server (gunicorn) on SUPERSET_HOST:SUPERSET_PORT.",
                     lambda settings, _: serve(settings)),
    "bundle": Command(BundleSettings, "Write the Superset import bundle (a zip) to --out. It holds READER_PASSWORD "
                      "when that is set: keep it private.", _wrote(build_bundle), "dashboards.zip"),
    "report": Command(ReportSettings, "Write one self-contained HTML page with the dashboards' charts to --out.",
                      _wrote(write_report), "report.html"),
}
