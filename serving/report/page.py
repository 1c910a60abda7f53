"""The report page: one HTML document with inline CSS and SVG, nothing fetched from anywhere."""

from __future__ import annotations

from datetime import datetime
from html import escape

from common import schema

from .data import ReportData
from .svg import bar_chart, line_chart

TITLES = {schema.USER_TOTAL: "Bytes by user", schema.ANTENNA_TOTAL: "Bytes by antenna",
          schema.APP_TOTAL: "Bytes by app"}
CSS = ("body{font-family:sans-serif;margin:2em;color:#222}section{margin-bottom:2em}"
       "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
       "td:first-child,th:first-child{text-align:left}.empty{color:#888}")


def _figure(title: str, chart: str) -> str:
    return f'<figure class="report-chart"><figcaption>{escape(title)}</figcaption>{chart}</figure>'


def _table(data: ReportData) -> str:
    rows = "".join(f"<tr><td>{escape(r.email)}</td><td>{r.usage}</td><td>{r.quota}</td>"
                   f"<td>{r.hour:%Y-%m-%d %H:%M}</td></tr>" for r in data.over_quota)
    return ('<table class="over-quota"><thead><tr><th>email</th><th>usage</th><th>quota</th><th>hour</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>")


def render(data: ReportData, generated: datetime) -> str:
    """The whole page; ``generated`` is printed so a reader knows how fresh it is."""
    speed = "".join(_figure(f"{TITLES[t]} (5-minute)", line_chart(s, TITLES[t])) for t, s in data.speed.items())
    batch = "".join(_figure(f"{TITLES[t]} (hourly)", line_chart(s, TITLES[t])) for t, s in data.batch.items())
    latest = [r for r in data.over_quota if data.over_quota and r.hour == data.over_quota[0].hour]
    hour = f" at {latest[0].hour:%Y-%m-%d %H:%M}" if latest else ""
    bars = bar_chart([r.email for r in latest], {"usage": [r.usage for r in latest],
                                                 "quota": [r.quota for r in latest]}, "Usage against quota")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Antenna pipeline report</title>'
            f"<style>{CSS}</style></head><body><h1>Antenna pipeline report</h1>"
            f"<p>Generated {generated:%Y-%m-%d %H:%M} UTC. Times are UTC.</p>"
            f"<section><h2>Speed layer (bytes per 5 minutes)</h2>{speed}</section>"
            f"<section><h2>Batch layer (bytes per hour)</h2>{batch}</section>"
            f"<section><h2>Users over quota</h2>{_table(data)}"
            f"{_figure(f'Usage against quota{hour}', bars)}</section></body></html>")
