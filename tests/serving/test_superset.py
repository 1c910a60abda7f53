"""Superset for real: set up from the bundle, each chart's data equals the tables, dashboards render."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from common import schema
from serving.superset.description import bundle_description
from serving.superset.model import Dashboard

from ..services import ROLE_PASSWORDS
from .conftest import QUOTA_HOUR, REPO, SEED_RANGE, Served, superset_python
from .superset_api import Api

pytestmark = [pytest.mark.superset, pytest.mark.integration]

BUNDLE = bundle_description("postgresql://unused")
TYPES = {"user": schema.USER_TOTAL, "antenna": schema.ANTENNA_TOTAL, "app": schema.APP_TOTAL}
RENDERED = ".dashboard-component-chart-holder:has(canvas, table)"


def totals_by_id(expected: dict, table: str, metric_type: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for (_, id_, kind), value in expected[table].items():
        if kind == metric_type:
            out[id_] += value
    return dict(out)


def column_sums(rows: list[dict]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for row in rows:
        for column, value in row.items():
            if column != "timestamp" and value is not None:
                out[column] += int(value)
    return dict(out)


@pytest.mark.parametrize("layer,table", [("5-minute", "bytes"), ("hourly", "bytes_hourly")])
@pytest.mark.parametrize("word", ["user", "antenna", "app"])
def test_each_time_series_chart_sums_to_the_table_per_id(superset: Served, layer: str, table: str,
                                                         word: str) -> None:
    api = Api(superset.base, superset.username, superset.password)
    chart = api.charts()[f"Bytes by {word} ({layer})"]
    rows = api.chart_rows(chart["id"])
    assert column_sums(rows) == totals_by_id(superset.expected, table, TYPES[word])
    assert len(rows) == len({ts for (ts, _, kind) in superset.expected[table] if kind == TYPES[word]})


def test_the_over_quota_table_lists_every_row_newest_first(superset: Served) -> None:
    api = Api(superset.base, superset.username, superset.password)
    rows = api.chart_rows(api.charts()["Users over quota"]["id"])
    got = [(r["email"], r["usage"], r["quota"], datetime.fromtimestamp(r["timestamp"] / 1000, UTC).replace(tzinfo=None))
           for r in rows]
    assert sorted(got) == superset.expected["user_quota_limit"]
    assert [r[3] for r in got] == sorted((r[3] for r in got), reverse=True)


def test_the_quota_bars_show_usage_and_quota_of_the_selected_hour(superset: Served) -> None:
    api = Api(superset.base, superset.username, superset.password)
    rows = api.chart_rows(api.charts()["Users over quota: usage against quota"]["id"])
    expected = {(e, u, q) for e, u, q, hour in superset.expected["user_quota_limit"] if hour.hour == 17}
    assert {(r["email"], int(r["usage"]), int(r["quota"])) for r in rows} == expected and expected


def test_each_dashboard_holds_the_charts_of_its_layer(superset: Served) -> None:
    api = Api(superset.base, superset.username, superset.password)
    for board in BUNDLE.dashboards:
        assert api.dashboard_charts(board.slug) == sorted(c.title for c in board.charts)


def test_setup_again_changes_nothing_and_exits_zero(superset: Served) -> None:
    again = subprocess.run([sys.executable, "-m", "serving", "setup"], env=superset.env, capture_output=True,
                           text=True, timeout=900)
    assert again.returncode == 0, again.stderr
    assert "Administrator admin exists" in again.stdout
    api = Api(superset.base, superset.username, superset.password)
    assert len(api.charts()) == len(BUNDLE.charts)


def test_supersets_own_import_command_accepts_the_bundle(superset: Served, tmp_path: Path) -> None:
    bundle = Path(superset.env["SUPERSET_HOME"]) / "dashboards.zip"
    env = {**superset.env, "SUPERSET_CONFIG_PATH": str(REPO / "serving" / "superset" / "superset_config.py"),
           "SUPERSET_SECRET_KEY": (Path(superset.env["SUPERSET_HOME"]) / "secret_key").read_text(),
           "SUPERSET_METADATA_URL": f"sqlite:///{superset.env['SUPERSET_HOME']}/superset.db"}
    done = subprocess.run([str(superset_python().parent / "superset"), "import-dashboards", "-p", str(bundle),
                           "-u", "admin"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


@pytest.mark.parametrize("board", BUNDLE.dashboards, ids=lambda b: b.slug)
def test_each_dashboard_renders_all_its_charts_without_console_errors(superset: Served, board: Dashboard,
                                                                    screenshots: Path) -> None:
    job = {"url": f"{superset.base}/superset/dashboard/{board.slug}/?standalone=1", "selector": RENDERED,
           "count": len(board.charts), "screenshot": str(screenshots / f"{board.slug}.png"),
           "login": {"base": superset.base, "username": superset.username, "password": superset.password}}
    done = subprocess.run([str(superset_python()), str(Path(__file__).with_name("browse.py"))],
                          input=json.dumps(job), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["errors"] == []
    assert result["rendered"] == len(board.charts)
    names = {c["id"]: name for name, c in Api(superset.base, superset.username, superset.password).charts().items()}
    asked = {names[q["slice_id"]]: q["time_range"] for q in result["queries"] if q["slice_id"]}
    assert asked == {c.title: (QUOTA_HOUR if c.key.endswith("bars") else SEED_RANGE) for c in board.charts}



def test_setup_passes_no_password_in_any_process_arguments_nor_prints_one(superset: Served) -> None:
    assert superset.setup_commands.containing("admin_user.py"), "the watcher never saw the administrator step"
    for secret in (superset.password, ROLE_PASSWORDS[schema.READER_ROLE]):
        assert not superset.setup_commands.containing(secret)
        assert secret not in superset.setup_output


def test_the_web_server_runs_without_the_pipelines_passwords_in_its_environment(superset: Served) -> None:
    environ = Path(f"/proc/{superset.server_pid}/environ").read_bytes().decode(errors="replace")
    assert "SUPERSET_SECRET_KEY=" in environ  # what it needs is there
    for secret in (superset.password, ROLE_PASSWORDS[schema.READER_ROLE]):
        assert secret not in environ
