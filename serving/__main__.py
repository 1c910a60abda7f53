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

from .commands import COMMANDS


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m serving", description=__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help, description=command.help)
        if command.output:
            sub.add_argument("--out", type=Path, default=Path(command.output),
                             help=f"output file [default: {command.output}]")
        add_settings_arguments(sub, command.settings)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = COMMANDS[args.command]
    settings = settings_from_args(command.settings, args)
    setup_logging(settings.log_level)
    command.action(settings, getattr(args, "out", Path()))
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
