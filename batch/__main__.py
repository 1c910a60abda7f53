"""python -m batch: the hourly batch job over the Parquet lake (run it from cron, once an hour).

For each UTC hour it reads only that hour's lake folder, writes the sums of bytes per user,
antenna and app to bytes_hourly and the users over their hourly quota to user_quota_limit
(replacing the hour's rows in one transaction, so re-runs are safe), compares its totals with the
speed layer's 5-minute rows in bytes, and records the run in batch_runs.

Without an hour argument it processes the last complete hour. With --schedule it keeps running
and catches up shortly after each hour closes (BATCH_GRACE_SECONDS), instead of cron.
"""

from __future__ import annotations

import os

from common.startup import quiet_start

if __name__ == "__main__":  # python -m batch (a test importing this module keeps its collector)
    quiet_start()  # no garbage collection during the heavy imports below (common/startup.py)
    # Arrow's jemalloc, not pyarrow's default mimalloc, before pyarrow is loaded (so its C++ default too):
    # mimalloc handed each batch's freed memory back to the kernel and took it again as huge pages
    # the kernel zeroes on every touch (BENCHMARKS.md, "a day in one run": over half the reading's CPU).
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime

from common.cli import add_settings_arguments, run_main, settings_from_args
from common.logs import setup_logging

from .run import run
from .selection import HourSelection
from .settings import BatchSettings

EPILOG = """examples:
  python -m batch                                  the last complete hour
  python -m batch --hour 2022-10-29T13             one hour (UTC)
  python -m batch --from 2022-10-29T13 --to 2022-10-29T18   13:00 to 17:00, five hours
  python -m batch --catch-up                       every hour new or changed since it was processed
  python -m batch --schedule                       catch up now, then at every hour + BATCH_GRACE_SECONDS,
                                                   until SIGTERM/SIGINT (exit 0); waits out PostgreSQL outages

exit status: 0 done (an hour without data is not an error), 1 a lake file or the database failed,
2 invalid arguments or settings."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m batch", description=__doc__, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    which = p.add_argument_group("which hours (default: the last complete hour)")
    which.add_argument("--hour", metavar="YYYY-MM-DDTHH",
                       help="process this one UTC hour, e.g. 2022-10-29T13 (an offset or Z may follow)")
    which.add_argument("--from", dest="start", metavar="YYYY-MM-DDTHH",
                       help="process every hour from this one (included) ... ")
    which.add_argument("--to", dest="end", metavar="YYYY-MM-DDTHH",
                       help="... to this one (excluded), with a progress display and a summary")
    which.add_argument("--catch-up", action="store_true",
                       help="process every complete hour whose lake files changed since the run ledger "
                            "(batch_runs) recorded them: missed runs and late events")
    which.add_argument("--schedule", action="store_true",
                       help="keep running: --catch-up now and then BATCH_GRACE_SECONDS after every hour "
                            "boundary; waits out PostgreSQL outages; SIGTERM/SIGINT stop it (exit 0)")
    add_settings_arguments(p, BatchSettings)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    selection = HourSelection(hour=args.hour, start=args.start, end=args.end, catch_up=args.catch_up,
                              schedule=args.schedule)
    if problem := selection.problem():
        p.error(problem)
    settings = settings_from_args(BatchSettings, args)
    setup_logging(settings.log_level)
    if selection.schedule:
        from .schedule import run_schedule  # lazy: one hour's run does not pay for the metrics server's imports

        run_schedule(settings)
        return 0
    run(settings, selection.hours(settings, datetime.now(UTC)))
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
