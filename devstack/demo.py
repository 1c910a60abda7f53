"""python -m devstack.demo [--course]: the whole pipeline, living, on the local stack, until Ctrl-C.

Live (default): backfill the last --hours complete hours (and this hour so far) at full speed,
then the simulator goes on live, the processor consumes, the batch scheduler closes each hour and
Superset serves both dashboards, full of data from the moment they open.
--course: replay the course's 13h-17h of 2022-10-29 instead; the dashboards open on that range.

Same services in the same order as compose.yaml: provision, simulator, processor,
`batch --schedule`, Superset. Resets its own topic (`demo-devices`), tables and lake (`data/demo`)
first. A step that fails stops the demo with one line naming it; Ctrl-C stops every service
cleanly. Uses the stack of `python -m devstack up` (make demo), or KAFKA_BROKERS/DATABASE_URL (the
owner's). As in a deployment, each service connects as its own role (`pipeline_processor`,
`pipeline_batch`, `pipeline_reader`), with passwords made for this run and given by environment.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from common import schema
from common.cli import run_main
from common.errors import DevStackError
from common.retry import interrupt_on_signal

from .demo_data import Plan, course_plan, live_plan, over_quota, processed, reset, seen_everything
from .ports import free_port, port_open
from .postgres import role_url
from .settings import DevstackSettings
from .stack import StackConfig
from .supervisor import Supervisor

TOPIC, DATA, SUPERSET_HOME = "demo-devices", Path("data/demo"), Path("data/superset-demo")


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def module(name: str, *args: str, env: dict[str, str]) -> None:
    """Run one of the pipeline's commands in the foreground; fail with one line if it fails."""
    done = subprocess.run([sys.executable, "-m", name, *args], env=env)
    if done.returncode != 0:
        raise DevStackError(f"`python -m {name} {' '.join(args)}` exited with {done.returncode}")


def answers(url: str) -> bool:
    """True when ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


PASSWORD_SETTINGS = {schema.PROCESSOR_ROLE: "PROCESSOR_PASSWORD", schema.BATCH_ROLE: "BATCH_PASSWORD",
                     schema.READER_ROLE: "READER_PASSWORD"}


def role_passwords(env: dict[str, str]) -> dict[str, str]:
    """Each service role's password: PROCESSOR_PASSWORD... when set, else a fresh one for this run."""
    return {role: env.get(name) or secrets.token_urlsafe(24) for role, name in PASSWORD_SETTINGS.items()}


def as_role(env: dict[str, str], passwords: dict[str, str], role: str) -> dict[str, str]:
    """The settings that make a service connect as ``role`` to the owner's database."""
    return {"DATABASE_URL": role_url(env["DATABASE_URL"], role, passwords[role])}


def demo_env(plan: Plan) -> dict[str, str]:
    """The services' settings: the local stack's addresses (or KAFKA_BROKERS and DATABASE_URL), the demo's names."""
    env = dict(os.environ)
    if "KAFKA_BROKERS" not in env or "DATABASE_URL" not in env:
        config = StackConfig.load(DevstackSettings().devstack_dir)
        if config is None:
            raise DevStackError("the local stack is not up: run `python -m devstack up` (or make demo)")
        env.update(config.env())
    return {**env, "KAFKA_TOPIC": TOPIC, "KAFKA_DLQ_TOPIC": TOPIC + "-dlq",
            "DATA_DIR": str(DATA), "CONSUMER_GROUP": "demo-processor", "LAKE_FLUSH_SECONDS": "5",
            "BATCH_GRACE_SECONDS": "30", "METRICS_PORT": os.environ.get("METRICS_PORT", str(free_port())),
            "SUPERSET_HOME": str(SUPERSET_HOME.absolute()), "ADMIN_PASSWORD": os.environ.get("ADMIN_PASSWORD", "admin"),
            **plan.ranges}


def run(plan: Plan, sup: Supervisor, env: dict[str, str]) -> None:
    """Every step up to Superset serving; returns once the dashboards are up."""
    passwords = role_passwords(env)
    port = int(env.get("SUPERSET_PORT", "8088"))
    if port_open(port, env.get("SUPERSET_HOST", "127.0.0.1")):
        raise DevStackError(f"port {port} is already in use (another Superset?): set SUPERSET_PORT to a free port")
    step("provision (as the owner): tables, users, the services' roles and their passwords")
    module("provision", env={**env, **{name: passwords[role] for role, name in PASSWORD_SETTINGS.items()}})
    step("reset the demo's topic, tables and lake")
    reset(env["KAFKA_BROKERS"], env["DATABASE_URL"], TOPIC, DATA)
    if plan.live:  # up to the minute the live simulator starts in: no gap, no overlap
        plan = live_plan(datetime.now(UTC), len(plan.hours))
    step(f"simulate {plan.describe} at full speed (20 users, one event per minute each)")
    module("simulator", "course", "--start", plan.start.strftime("%Y-%m-%dT%H:%M"), "--minutes", str(plan.minutes),
           env=env)
    if plan.live:
        step("simulator: live from now on")
        sup.start("simulator", "simulator", "course", env={"SEED": "1"})
    step("speed layer: python -m processor")
    sup.start("processor", "processor", env=as_role(env, passwords, schema.PROCESSOR_ROLE))
    print(f"  metrics on http://127.0.0.1:{env['METRICS_PORT']}/metrics", flush=True)
    sup.wait_for("the processor to apply and publish the simulated events",
                 lambda: seen_everything(env, plan), timeout=300)
    step("batch layer: python -m batch --schedule (catches up now, then after every hour)")
    sup.start("batch", "batch", "--schedule", env=as_role(env, passwords, schema.BATCH_ROLE))
    sup.wait_for(f"the batch layer to process {len(plan.hours)} hour(s)",
                 lambda: processed(env["DATABASE_URL"], plan.hours), timeout=300)
    step("users over quota (user_quota_limit)")
    for email, usage, quota, hour in over_quota(env["DATABASE_URL"], plan.hours if not plan.live else plan.hours[-1:]):
        print(f"  {hour:%Y-%m-%d %H:%M}  {email:<22} usage {usage:>7}  quota {quota:>7}")
    step("serving: Superset set up with the dashboards, then served")
    reader = {**as_role(env, passwords, schema.READER_ROLE), "READER_PASSWORD": passwords[schema.READER_ROLE]}
    module("serving", "setup", env={**env, **reader})
    sup.start("superset", "serving", "serve", env=reader)
    base = f"http://{env.get('SUPERSET_HOST', '127.0.0.1')}:{port}"
    sup.wait_for("Superset to answer on " + base, lambda: answers(base + "/health"), timeout=300)
    # standalone=1: no navigation bar, whose telemetry image is the one request leaving the machine.
    print(f"\n  Dashboards (log in as {env.get('ADMIN_USERNAME', 'admin')} / $ADMIN_PASSWORD, default admin):\n"
          f"    {base}/superset/dashboard/speed-layer/?standalone=1\n"
          f"    {base}/superset/dashboard/batch-layer/?standalone=1\n"
          f"  Logs in {sup.logs}. Ctrl-C stops everything.\n== demo is running", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--course", action="store_true", help="replay 13h-17h of 2022-10-29 instead of going live")
    parser.add_argument("--hours", type=int, default=3, help="live: complete hours to backfill [default: 3]")
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    plan = course_plan() if args.course else live_plan(now, max(1, args.hours))
    env = demo_env(plan)
    sup = Supervisor(DATA.parent / "demo-logs", env)

    interrupt_on_signal()  # SIGTERM too; SIGINT also when started with it ignored (a background job)
    try:
        run(plan, sup, env)
        while True:
            sup.check()
            time.sleep(1)
    except KeyboardInterrupt:
        step("stopping (Ctrl-C)")
    finally:
        sup.stop_all()
    return 0


def entry() -> None:
    """Console-script entry point."""
    run_main(main)


if __name__ == "__main__":
    entry()

