"""python -m serving: the serving layer's commands (Superset dashboards as code, and an HTML report).

  setup   prepare or update a Superset instance: metadata DB, admin user, init, dashboards
  serve   run Superset's web server (gunicorn) on SUPERSET_HOST:SUPERSET_PORT
  bundle  write the Superset import bundle (a zip) without touching any Superset
  report  write one self-contained HTML page with the same charts, straight from PostgreSQL
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from common.cli import add_settings_arguments, run_main, settings_from_args
from common.logs import setup_logging
from common.settings import ServiceSettings

from .report.run import write_report
from .settings import BundleSettings, ReportSettings, ServeSettings, SetupSettings
from .superset.setup import build_bundle, serve, setup

COMMANDS: dict[str, tuple[type[ServiceSettings], str]] = {
    "setup": (SetupSettings, "Prepare or update a Superset instance (idempotent): metadata database, "
              "admin user from ADMIN_USERNAME/ADMIN_PASSWORD, init, and the dashboards' import."),
    "serve": (ServeSettings, "Run Superset's web server (gunicorn) on SUPERSET_HOST:SUPERSET_PORT."),
    "bundle": (BundleSettings, "Write the Superset import bundle (a zip) to --out. It holds READER_PASSWORD "
               "when that is set: keep it private."),
    "report": (ReportSettings, "Write one self-contained HTML page with the dashboards' charts to --out."),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m serving", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (cls, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name in ("bundle", "report"):
            default = "dashboards.zip" if name == "bundle" else "report.html"
            sub.add_argument("--out", type=Path, default=Path(default), help=f"output file [default: {default}]")
        add_settings_arguments(sub, cls)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings: ServiceSettings = settings_from_args(COMMANDS[args.command][0], args)
    setup_logging(settings.log_level)
    if isinstance(settings, ServeSettings):
        serve(settings)
    elif isinstance(settings, SetupSettings):
        setup(settings)
    elif isinstance(settings, BundleSettings):
        print(f"Wrote {build_bundle(settings, args.out)}")
    elif isinstance(settings, ReportSettings):
        print(f"Wrote {write_report(settings, args.out)}")
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
