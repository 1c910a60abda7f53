"""python -m simulator course|load: phones' usage events, in the original's JSON shape, to Kafka.

course  the course's 20 users and 5 antennas, one event per user per minute; with --start, a past
        range as fast as possible (--hours/--minutes); without it, live with the wall clock.
load    --events N over many users/antennas/apps (default 10k/500/10), at --rate or flat out.

The topic is created with --partitions if missing. Each event is keyed by its user id (the original
sent none): a user's events stay in order on one partition, and the users share the partitions.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from common.cli import add_settings_arguments, run_main, settings_from_args
from common.errors import ConfigError
from common.logs import setup_logging

from .run import parse_utc, run_course, run_load
from .settings import CourseOptions, LoadOptions, SimulatorSettings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest="mode", required=True)
    course = modes.add_parser("course", help="the original's 20 users (past range or live)")
    course.add_argument("--start", help="UTC start, e.g. 2022-10-29T13:00 (omit for live)")
    span = course.add_mutually_exclusive_group()
    span.add_argument("--hours", type=float, help="hours to simulate (default 1 with --start, endless live)")
    span.add_argument("--minutes", type=int, help="minutes to simulate")
    load = modes.add_parser("load", help="N events over many users, for benchmarks")
    load.add_argument("--events", type=int, required=True, help="number of events to send")
    load.add_argument("--rate", type=float, help="target events per second (default: as fast as possible)")
    load.add_argument("--users", type=int, default=10_000)
    load.add_argument("--antennas", type=int, default=500)
    load.add_argument("--apps", type=int, default=10)
    load.add_argument("--start", default="2022-10-29T13:00", help="UTC start of the event timestamps")
    load.add_argument("--span-hours", type=float, default=1.0, help="timestamps spread over this many hours")
    for sub in (course, load):
        add_settings_arguments(sub, SimulatorSettings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = settings_from_args(SimulatorSettings, args)
    setup_logging(settings.log_level)
    try:
        if args.mode == "course":
            minutes = args.minutes if args.minutes is not None else (
                round(args.hours * 60) if args.hours is not None else None)
            start = parse_utc(args.start) if args.start else None
            stats = run_course(settings, CourseOptions(start, minutes))
        else:
            if args.events < 0 or (args.rate is not None and args.rate <= 0):
                raise ConfigError("--events must be >= 0 and --rate > 0")
            stats = run_load(settings, LoadOptions(args.events, args.rate, args.users, args.antennas,
                                                   args.apps, parse_utc(args.start), args.span_hours))
    except ValueError as e:
        raise ConfigError(f"invalid argument: {e}") from e
    print(f"simulator: mode={args.mode} events={stats.sent} seconds={stats.seconds:.2f} eps={stats.rate:.0f}")
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
