"""The HTML report: charts drawn as inline SVG, a self-contained page, rendered in Chromium."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from serving.report.data import OverQuota, ReportData
from serving.report.page import render
from serving.report.svg import bar_chart, line_chart

from ..helpers import run_module
from .conftest import superset_python

T0 = datetime(2022, 10, 29, 13)


def test_a_line_chart_draws_one_line_per_id() -> None:
    svg = line_chart({"a": [(T0, 1), (T0 + timedelta(minutes=5), 3)], "b": [(T0, 2)]}, "Bytes by app")
    assert svg.count("<polyline") == 2 and svg.startswith("<svg")


def test_a_chart_without_data_says_so() -> None:
    assert "no data" in line_chart({}, "Bytes by app")
    assert "no data" in bar_chart([], {"usage": []}, "Usage against quota")


def test_a_bar_chart_draws_one_bar_per_measure_and_category() -> None:
    svg = bar_chart(["a@x", "b@x"], {"usage": [5, 6], "quota": [1, 2]}, "Usage against quota")
    assert svg.count("<rect") == 4


def test_the_page_escapes_ids_and_emails() -> None:
    data = ReportData({}, {}, [OverQuota("<x>@gmail.com", 2, 1, T0)])
    page = render(data, T0)
    assert "<x>" not in page and "&lt;x&gt;@gmail.com" in page


@pytest.mark.integration
def test_the_report_of_the_pipeline_output_renders_every_chart_in_chromium(
        pipeline_database: tuple[str, dict[str, Any]], tmp_path: Path, screenshots: Path) -> None:
    url, expected = pipeline_database
    out = tmp_path / "report.html"
    result = run_module("serving", "report", "--out", str(out), env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "the page must not fetch anything"
    assert html.count("<polyline") == sum(len({i for (_, i, _) in expected[t]}) for t in ("bytes", "bytes_hourly"))
    job = {"url": out.as_uri(), "selector": "figure.report-chart svg", "count": 7,
           "screenshot": str(screenshots / "report.png"), "login": None}
    done = subprocess.run([str(superset_python()), str(Path(__file__).with_name("browse.py"))],
                          input=json.dumps(job), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    rendered = json.loads(done.stdout)
    assert rendered["errors"] == [] and rendered["rendered"] == 7


def test_a_wrong_database_url_is_one_error_line() -> None:
    result = run_module("serving", "report", "--out", "/tmp/never.html",
                        env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot connect" in result.stderr
