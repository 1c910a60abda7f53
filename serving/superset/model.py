"""Typed building blocks of the dashboards' description; every object links by a stable UUID."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

_NAMESPACE = uuid.UUID("5e7a1c4e-2b0d-4c55-9a47-a1e7e4a0c0de")


def stable_uuid(kind: str, key: str) -> str:
    """The same UUID for the same object in every build, so re-imports update instead of adding."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{key}"))


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    label: str | None = None
    is_dttm: bool = False


@dataclass(frozen=True)
class Database:
    name: str
    uri: str = field(repr=False)

    @property
    def uuid(self) -> str:
        return stable_uuid("database", self.name)


@dataclass(frozen=True)
class Dataset:
    table: str
    columns: tuple[Column, ...]
    time_column: str = "timestamp"

    @property
    def uuid(self) -> str:
        return stable_uuid("dataset", self.table)


@dataclass(frozen=True)
class Metric:
    """``aggregate(column)`` shown as ``label``."""

    label: str
    aggregate: str
    column: str


@dataclass(frozen=True)
class TimeSeries:
    """A line per ``series`` value of ``metric`` over time, for rows whose ``type`` is ``metric_type``."""

    key: str
    title: str
    dataset: Dataset
    metric_type: str
    grain: str
    time_range: str
    metric: Metric = Metric("bytes", "SUM", "value")
    series: str = "id"
    viz_type = "echarts_timeseries_line"


@dataclass(frozen=True)
class Table:
    """Raw rows of ``columns`` ordered by ``order_by`` (column, ascending)."""

    key: str
    title: str
    dataset: Dataset
    columns: tuple[str, ...]
    order_by: tuple[tuple[str, bool], ...]
    time_range: str
    row_limit: int = 1000
    viz_type = "table"


@dataclass(frozen=True)
class Bars:
    """Bars of ``metrics`` per value of the category column ``x``."""

    key: str
    title: str
    dataset: Dataset
    x: str
    metrics: tuple[Metric, ...]
    time_range: str
    viz_type = "echarts_timeseries_bar"


Chart = TimeSeries | Table | Bars


def chart_uuid(chart: Chart) -> str:
    return stable_uuid("chart", chart.key)


@dataclass(frozen=True)
class Filter:
    """A native filter: a time range (``column`` None) or a value list of ``column``.

    ``charts`` names the charts in scope (empty: all); ``parent`` narrows values by another filter.
    """

    key: str
    name: str
    column: str | None = None
    dataset: Dataset | None = None
    default: str | None = None
    charts: tuple[str, ...] = ()
    parent: str | None = None
    multi: bool = True

    @property
    def id(self) -> str:
        return f"NATIVE_FILTER-{self.key}"


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    rows: tuple[tuple[Chart, ...], ...]
    filters: tuple[Filter, ...] = ()
    refresh_seconds: int = 0

    @property
    def uuid(self) -> str:
        return stable_uuid("dashboard", self.slug)

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(chart for row in self.rows for chart in row)


@dataclass(frozen=True)
class Bundle:
    database: Database
    datasets: tuple[Dataset, ...]
    dashboards: tuple[Dashboard, ...]

    @property
    def charts(self) -> tuple[Chart, ...]:
        return tuple(chart for board in self.dashboards for chart in board.charts)
