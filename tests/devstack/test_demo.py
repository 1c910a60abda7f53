"""`make demo` as a new user meets it: dashboards full of data while it runs live, one Ctrl-C stops it,
and a service that dies stops it at once with one line naming that service."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common import schema
from common.retry import within
from devstack.demo_data import EVENTS_PER_HOUR, course_plan, live_plan
from devstack.ports import free_port
from serving.superset.description import bundle_description
from serving.superset.model import Dashboard

from ..services import ROLE_PASSWORDS, create_database, drop_database
from ..superset_setup import SupersetSetup, superset_python

BOARDS = bundle_description("postgresql://unused").dashboards
RENDERED = ".dashboard-component-chart-holder:has(canvas, table)"
BROWSE = Path(__file__).parents[1] / "serving" / "browse.py"


@dataclass
class Demo:
    proc: subprocess.Popen[bytes]
    out: Path
    base: str

    def text(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_for(self, marker: str, timeout: float) -> None:
        if not within(lambda: marker in self.text() or self.proc.poll() is not None, timeout, interval=1) \
                or marker not in self.text():
            raise AssertionError(f"demo exited {self.proc.poll()} before {marker!r}:\n{self.text()[-4000:]}")


def start_demo(folder: Path, env: dict[str, str], *args: str) -> Demo:
    """The demo, its services on the session's role passwords (roles are cluster-wide)."""
    env = {"PROCESSOR_PASSWORD": ROLE_PASSWORDS[schema.PROCESSOR_ROLE], "BATCH_PASSWORD": ROLE_PASSWORDS[schema.BATCH_ROLE],
           "READER_PASSWORD": ROLE_PASSWORDS[schema.READER_ROLE], **env}
    out = folder / "demo.out"
    with out.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "devstack.demo", *args], cwd=folder, env={**os.environ, **env},
                                stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
    return Demo(proc, out, f"http://127.0.0.1:{env.get('SUPERSET_PORT', '8088')}")


@pytest.fixture(scope="module")
def live_demo(kafka_brokers: str, postgres_url: str, superset_setup: SupersetSetup,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo, its Superset home (data/superset-demo) a copy of the session's set-up one: its own
    `serving setup` converges on it (the import points the dashboards at the demo's database)."""
    python = superset_python()
    url = create_database(postgres_url)
    folder = tmp_path_factory.mktemp("demo")
    superset_setup.home_copy(folder / "data" / "superset-demo")
    demo = start_demo(folder, {
        "KAFKA_BROKERS": kafka_brokers, "DATABASE_URL": url, "SUPERSET_VENV": str(python.parent.parent),
        "SUPERSET_PORT": str(free_port()), "ADMIN_PASSWORD": "demo-pw"}, "--hours", "2")
    try:
        demo.wait_for("== demo is running", timeout=900)
        yield demo
    finally:
        if demo.proc.poll() is None:
            os.killpg(demo.proc.pid, signal.SIGKILL)
        drop_database(url)


@pytest.mark.superset
@pytest.mark.integration
@pytest.mark.parametrize("board", BOARDS, ids=lambda b: b.slug)
def test_the_live_demo_opens_each_dashboard_with_data_in_every_chart_and_no_console_error(
        live_demo: Demo, board: Dashboard, tmp_path: Path) -> None:
    printed = [w for w in live_demo.text().split() if w.startswith(f"{live_demo.base}/superset/dashboard/{board.slug}/")]
    assert len(printed) == 1, live_demo.text()[-2000:]
    job = {"url": printed[0], "selector": RENDERED,
           "count": len(board.charts), "screenshot": str(tmp_path / f"{board.slug}.png"), "timeout_ms": 120_000,
           "login": {"base": live_demo.base, "username": "admin", "password": "demo-pw"}}
    done = subprocess.run([str(superset_python()), str(BROWSE)], input=json.dumps(job), capture_output=True,
                          text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["errors"] == [] and result["rendered"] == len(board.charts), result  # offline: nothing unresolved


@pytest.mark.superset
@pytest.mark.integration
def test_one_ctrl_c_stops_every_service_of_the_demo_cleanly(live_demo: Demo) -> None:
    os.kill(live_demo.proc.pid, signal.SIGINT)
    assert live_demo.proc.wait(240) == 0, live_demo.text()[-3000:]
    for service in ("processor", "batch", "superset"):
        assert f"stopped {service} (exit 0)" in live_demo.text()
    assert "stopped simulator" in live_demo.text()


@pytest.mark.integration
def test_a_service_that_dies_stops_the_demo_at_once_with_one_line_naming_it(
        kafka_brokers: str, database_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:  # another processor's metrics port, say
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        demo = start_demo(tmp_path, {"KAFKA_BROKERS": kafka_brokers, "DATABASE_URL": database_url,
                                     "METRICS_PORT": str(taken.getsockname()[1]), "SUPERSET_PORT": str(free_port())},
                          "--hours", "1")
        try:
            code = demo.proc.wait(300)
        finally:
            if demo.proc.poll() is None:
                os.killpg(demo.proc.pid, signal.SIGKILL)
    last = demo.text().strip().splitlines()[-1]
    assert code == 1, demo.text()[-3000:]
    assert "the processor (`python -m processor`) exited with" in last


def test_the_live_plan_backfills_the_complete_hours_and_this_hour_up_to_this_minute() -> None:
    plan = live_plan(datetime(2026, 11, 30, 4, 38, 19, tzinfo=UTC), 3)
    assert plan.start == datetime(2026, 11, 30, 1, tzinfo=UTC) and plan.minutes == 3 * 60 + 38
    assert [h.hour for h in plan.hours] == [1, 2, 3] and plan.live


def test_the_course_replay_opens_its_dashboards_on_the_seeds_range() -> None:
    plan = course_plan()
    assert plan.minutes == 60 * len(plan.hours) == 240 and EVENTS_PER_HOUR == 1200 and not plan.live
    assert plan.ranges == {"SPEED_TIME_RANGE": "2022-10-29T13:00:00 : 2022-10-29T17:00:00",
                           "BATCH_TIME_RANGE": "2022-10-29T13:00:00 : 2022-10-29T17:00:00",
                           "QUOTA_HOUR_RANGE": "2022-10-29T16:00:00 : 2022-10-29T17:00:00"}
