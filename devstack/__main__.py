"""python -m devstack up|down|env|status: a real Kafka broker and PostgreSQL on loopback.

The stack lives in DEVSTACK_DIR (default /tmp/antenna-devstack): PostgreSQL refuses to run as
root, so its data must sit where the postgres user can reach it. Data survives down/up;
`down --wipe` deletes it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence

from common.cli import add_settings_arguments, run_main, settings_from_args
from common.logs import setup_logging

from .ports import port_open
from .settings import DevstackSettings
from .stack import StackConfig, down, up


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up", "down", "env", "status"])
    parser.add_argument("--wipe", action="store_true", help="with down: delete the stack's data too")
    add_settings_arguments(parser, DevstackSettings)
    args = parser.parse_args(argv)
    settings = settings_from_args(DevstackSettings, args)
    setup_logging(settings.log_level)
    config = StackConfig.from_settings(settings)
    if args.command == "up":
        up(config)
        print("# local stack is up; export these:", file=sys.stderr)
    elif args.command == "down":
        down(config)
        if args.wipe:
            shutil.rmtree(config.base_dir, ignore_errors=True)
        return 0
    elif args.command == "status":
        ok = port_open(config.kafka_port) and port_open(config.postgres_port)
        print(f"kafka :{config.kafka_port} {'up' if port_open(config.kafka_port) else 'down'}; "
              f"postgres :{config.postgres_port} {'up' if port_open(config.postgres_port) else 'down'}")
        return 0 if ok else 1
    for key, value in config.env().items():
        print(f"export {key}={value}")
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
