"""python -m devstack.demo: the whole pipeline on the course's data, on the local stack.

Resets its own topic (`demo-devices`), tables and lake (`data/demo`), then: provision -> simulate
13h-17h of 2022-10-29 -> speed layer until every event is applied -> SIGTERM -> batch layer for the
four hours -> the users over quota -> Superset set up and serving the dashboards (Ctrl-C stops it).
Expects `python -m devstack up` (make demo does it) and serving/install.sh for the last step.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from common.kafka import admin, end_offsets

from .settings import DevstackSettings
from .stack import StackConfig

TOPIC, DATA = "demo-devices", Path("data/demo")
RESET = ("TRUNCATE bytes, bytes_hourly, user_quota_limit, processor_offsets, batch_runs")


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def module(name: str, *args: str, env: dict[str, str]) -> None:
    """Run one of the pipeline's commands; stop the demo with its exit code if it fails."""
    done = subprocess.run([sys.executable, "-m", name, *args], env=env)
    if done.returncode != 0:
        raise SystemExit(f"demo stopped: `python -m {name} {' '.join(args)}` exited with {done.returncode}")


def main() -> None:
    config = StackConfig.load(DevstackSettings().devstack_dir)
    if config is None:
        raise SystemExit("the local stack is not up: run `python -m devstack up` (or make demo)")
    env = {**os.environ, **config.env(), "KAFKA_TOPIC": TOPIC, "KAFKA_DLQ_TOPIC": TOPIC + "-dlq",
           "DATA_DIR": str(DATA), "CONSUMER_GROUP": "demo-processor", "LAKE_FLUSH_SECONDS": "10"}
    step("provision")
    module("provision", env=env)
    step("reset the demo's topic, tables and lake")
    client = admin(env["KAFKA_BROKERS"])
    for future in client.delete_topics([TOPIC, TOPIC + "-dlq"]).values():
        try:
            future.result()
        except Exception:  # noqa: BLE001 - a topic that did not exist is fine
            pass
    for _ in range(60):  # deletion is asynchronous: wait until the broker forgot the topics
        if TOPIC not in client.list_topics(timeout=10).topics:
            break
        time.sleep(0.5)
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute(RESET)
    shutil.rmtree(DATA, ignore_errors=True)
    step("simulate the course's 13h-17h of 2022-10-29 (20 users, one event per minute each)")
    module("simulator", "course", "--start", "2022-10-29T13:00", "--hours", "4", env=env)
    step("speed layer: python -m processor, until every event is applied")
    processor = subprocess.Popen([sys.executable, "-m", "processor"], env=env)
    end = sum(end_offsets(env["KAFKA_BROKERS"], TOPIC).values())
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        query = "SELECT coalesce(sum(next_offset), 0) FROM processor_offsets WHERE topic = %s"
        while conn.execute(query, (TOPIC,)).fetchone()[0] < end:  # type: ignore[index]
            time.sleep(0.5)
    processor.send_signal(signal.SIGTERM)
    processor.wait(60)
    step("batch layer: python -m batch --from 2022-10-29T13 --to 2022-10-29T17")
    module("batch", "--from", "2022-10-29T13", "--to", "2022-10-29T17", env=env)
    step("users over quota (user_quota_limit)")
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        for email, usage, quota, hour in conn.execute(
                "SELECT email, usage, quota, timestamp FROM user_quota_limit ORDER BY timestamp, email"):
            print(f"  {hour:%Y-%m-%d %H:%M}  {email:<22} usage {usage:>7}  quota {quota:>7}")
    step("serving: Superset set up with the dashboards, then served (Ctrl-C to stop)")
    env.setdefault("ADMIN_PASSWORD", "admin")
    module("serving", "setup", env=env)
    print(f"  log in as {env.get('ADMIN_USERNAME', 'admin')} / $ADMIN_PASSWORD (default: admin) at "
          "http://127.0.0.1:8088/superset/dashboard/speed-layer/ and .../batch-layer/", flush=True)
    module("serving", "serve", env=env)


if __name__ == "__main__":
    main()
