"""Measure how long the processor takes to stop on SIGTERM under load: what compose's
``stop_grace_period`` of the processors is sized from (README, "Stopping").

Starts a local Kafka and PostgreSQL of its own (devstack), provisions, keeps ``simulator load``
producing at ``--rate`` into a 12-partition topic (compose's PARTITIONS), and ``--runs`` times starts
``python -m processor`` with its default settings, lets it consume for ``--consume`` seconds, sends
SIGTERM and times the exit. Prints each run and the longest.

    .venv/bin/python deploy/measure_stop.py --runs 3 --consume 40 --rate 30000
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import schema
from devstack.ports import free_port
from devstack.postgres import role_url
from devstack.services import create_database, kafka_service, postgres_service, provision_with_passwords, unique


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--consume", type=float, default=40.0, help="seconds each processor consumes before SIGTERM")
    parser.add_argument("--rate", type=int, default=30000, help="events per second produced meanwhile")
    args = parser.parse_args()
    passwords = {role: uuid.uuid4().hex for role in (schema.PROCESSOR_ROLE, schema.BATCH_ROLE, schema.READER_ROLE)}
    with kafka_service() as (brokers, _), postgres_service() as (server, _):
        url = create_database(server)
        provision_with_passwords(url, passwords)
        topic, data = unique("stop"), Path(tempfile.mkdtemp(prefix="measure-stop-"))
        kafka = {"KAFKA_BROKERS": brokers, "KAFKA_TOPIC": topic, "PARTITIONS": "12"}
        events = int(args.rate * (args.consume + 30) * args.runs)
        load = subprocess.Popen([sys.executable, "-m", "simulator", "load", "--events", str(events), "--rate",
                                 str(args.rate)], env={**os.environ, **kafka}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        env = {**os.environ, **kafka, "KAFKA_DLQ_TOPIC": f"{topic}-dlq", "DATA_DIR": str(data),
               "DATABASE_URL": role_url(url, schema.PROCESSOR_ROLE, passwords[schema.PROCESSOR_ROLE])}
        times = []
        try:
            for run in range(1, args.runs + 1):
                log = data / f"processor-{run}.log"
                with log.open("wb") as out:
                    proc = subprocess.Popen([sys.executable, "-m", "processor"], stdout=out, stderr=subprocess.STDOUT,
                                            env={**env, "METRICS_PORT": str(free_port())})
                time.sleep(args.consume)
                sent = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(600)
                times.append(time.monotonic() - sent)
                print(f"run {run}: exit {code} {times[-1]:.1f} s after SIGTERM "
                      f"(consumed {args.consume:.0f} s at {args.rate} events/s offered)", flush=True)
        finally:
            load.terminate()
            load.wait(30)
        print(f"longest stop: {max(times):.1f} s over {len(times)} runs")


if __name__ == "__main__":
    main()
