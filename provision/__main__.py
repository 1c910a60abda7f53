"""python -m provision: create the pipeline's tables (ordered migrations) and load user metadata.

Safe to run again: applied migrations are recorded in schema_migrations and users are upserted,
so a second run changes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from common.cli import parse_settings, run_main

from .run import run
from .settings import ProvisionSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provision", description=__doc__)
    parser.add_argument("--users", dest="users_file", metavar="FILE.csv",
                        help="alias of --users-file: CSV with header id,name,email,quota")
    run(parse_settings(parser, ProvisionSettings, argv))
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
