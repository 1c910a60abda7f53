"""python -m processor: the speed layer, a long-running Quix Streams consumer of KAFKA_TOPIC.

Writes every valid event once to the Parquet lake (LAKE_URL: DATA_DIR/events or an S3 bucket
prefix; hive year/month/day/hour, UTC) and adds 5-minute totals per user, antenna and app to the `bytes` table, exactly once
across crashes and restarts. Malformed messages go to KAFKA_DLQ_TOPIC. SIGTERM/SIGINT stop it
cleanly. Metrics on METRICS_PORT (/metrics, /healthz, /ready).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from common.cli import parse_settings, run_main

from .service import run
from .settings import ProcessorSettings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m processor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    run(parse_settings(parser, ProcessorSettings, argv))
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
