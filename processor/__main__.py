"""python -m processor: the speed layer, a long-running Quix Streams consumer of KAFKA_TOPIC.

Writes every valid event once to the Parquet lake (LAKE_URL: DATA_DIR/events or an S3 bucket
prefix; hive year/month/day/hour, UTC) and adds 5-minute totals per user, antenna and app to the `bytes` table, exactly once
across crashes and restarts. Malformed messages go to KAFKA_DLQ_TOPIC. SIGTERM/SIGINT stop it
cleanly; SIGUSR1 prints every thread's stack to stderr (a stuck processor explains itself).
Metrics on METRICS_PORT (/metrics, /healthz, /ready).
"""

from __future__ import annotations

import os
import signal
from typing import Any

from common.startup import quiet_start


def _stop_while_starting(*_: Any) -> None:
    raise SystemExit(0)


# Before the heavy imports: a SIGTERM during start-up is a clean stop, not a kill (Quix takes over later).
signal.signal(signal.SIGTERM, _stop_while_starting)
if __name__ == "__main__":  # python -m processor (an importer keeps its collector)
    quiet_start()  # and no garbage collection during them (common/startup.py)
    # Arrow's jemalloc as the C++ default pool (Parquet's and IPC's own allocations), before pyarrow loads,
    # unless the environment names one: a lower peak than pyarrow's default mimalloc (BENCHMARKS.md, the
    # speed layer's batch step); service.run's set_memory_pool(system) reaches only pyarrow's own calls.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")

import argparse  # noqa: E402
import faulthandler  # noqa: E402
from collections.abc import Sequence  # noqa: E402

from common.cli import parse_settings, run_main  # noqa: E402

from .service import run  # noqa: E402
from .settings import ProcessorSettings  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m processor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    settings = parse_settings(parser, ProcessorSettings, argv)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    run(settings)
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()
