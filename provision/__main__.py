"""python -m provision: create the pipeline's tables (ordered migrations) and load user metadata.

Safe to run again: applied migrations are recorded in schema_migrations and users are upserted,
so a second run changes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from common.cli import add_settings_arguments, run_main, settings_from_args
from common.logs import setup_logging

from .run import run
from .settings import ProvisionSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision", description=__doc__)
    add_settings_arguments(parser, ProvisionSettings)
    parser.add_argument("--users", dest="users_file", metavar="FILE.csv",
                        help="alias of --users-file: CSV with header id,name,email,quota")
    settings = settings_from_args(ProvisionSettings, parser.parse_args(argv))
    setup_logging(settings.log_level)
    run(settings)
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
