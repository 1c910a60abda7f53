"""The one description of the dashboards: datasets, charts, filters and layout of both layers.

Everything Superset gets (chart params, query contexts, dashboard layouts) is rendered from this,
so a chart's params and its query context cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from common import schema

from .model import Bars, Bundle, Column, Dashboard, Database, Dataset, Filter, Metric, Table, TimeSeries

DATABASE_NAME = "antenna-pipeline"
_BYTES_COLUMNS = (Column("timestamp", "TIMESTAMP WITHOUT TIME ZONE", "time", is_dttm=True),
                  Column("id", "TEXT"), Column("value", "BIGINT", "bytes"), Column("type", "TEXT"))
BYTES = Dataset(schema.BYTES_TABLE, _BYTES_COLUMNS)
BYTES_HOURLY = Dataset(schema.BYTES_HOURLY_TABLE, _BYTES_COLUMNS)
QUOTA = Dataset(schema.USER_QUOTA_TABLE, (
    Column("email", "TEXT"), Column("usage", "BIGINT"), Column("quota", "BIGINT"),
    Column("timestamp", "TIMESTAMP WITHOUT TIME ZONE", "hour", is_dttm=True)))

# (chart key suffix, title word, metric type): one time series per id kind, in each layer.
SERIES = (("user", "user", schema.USER_TOTAL), ("antenna", "antenna", schema.ANTENNA_TOTAL),
          ("app", "app", schema.APP_TOTAL))


@dataclass(frozen=True)
class Ranges:
    """Default time ranges, in Superset's syntax ("Last day", "2022-10-29T13:00:00 : ...")."""

    speed: str = "Last day"
    batch: str = "Last week"
    quota_hour: str = 'DATETRUNC(DATEADD(DATETIME("now"), -1, hour), hour) : DATETRUNC(DATETIME("now"), hour)'


def _series(layer: str, dataset: Dataset, grain: str, label: str, time_range: str) -> tuple[TimeSeries, ...]:
    return tuple(TimeSeries(f"{layer}-{key}", f"Bytes by {word} ({label})", dataset, metric_type, grain,
                            time_range) for key, word, metric_type in SERIES)


def _layer_filters(layer: str, dataset: Dataset, time_range: str, series: tuple[TimeSeries, ...],
                   also_timed: tuple[str, ...] = ()) -> tuple[Filter, ...]:
    keys = tuple(chart.key for chart in series)
    return (
        Filter(f"{layer}-time", "Time range", default=time_range, charts=(*keys, *also_timed)),
        Filter(f"{layer}-type", "Type", "type", dataset, charts=keys, multi=False),
        Filter(f"{layer}-id", "Id", "id", dataset, charts=keys, parent=f"{layer}-type"),
    )


def bundle_description(database_uri: str, ranges: Ranges = Ranges(), refresh_seconds: int = 60) -> Bundle:
    """The whole serving layer as data; ``database_uri`` is how Superset reaches the tables."""
    user, antenna, app = _series("speed", BYTES, "PT5M", "5-minute", ranges.speed)
    speed = Dashboard(
        "speed-layer", "Speed layer: bytes per 5 minutes (live)", ((user,), (antenna, app)),
        _layer_filters("speed", BYTES, ranges.speed, (user, antenna, app)), refresh_seconds)

    h_user, h_antenna, h_app = _series("batch", BYTES_HOURLY, "PT1H", "hourly", ranges.batch)
    over_table = Table("batch-over-quota", "Users over quota", QUOTA, ("email", "usage", "quota", "timestamp"),
                       (("timestamp", False), ("usage", False)), ranges.batch)
    over_bars = Bars("batch-over-quota-bars", "Users over quota: usage against quota", QUOTA, "email",
                     (Metric("usage", "MAX", "usage"), Metric("quota", "MAX", "quota")), ranges.quota_hour)
    batch = Dashboard(
        "batch-layer", "Batch layer: bytes per hour and users over quota",
        ((h_user,), (h_antenna, h_app), (over_table, over_bars)),
        (*_layer_filters("batch", BYTES_HOURLY, ranges.batch, (h_user, h_antenna, h_app), (over_table.key,)),
         Filter("batch-quota-hour", "Quota hour", default=ranges.quota_hour, charts=(over_bars.key,))))
    return Bundle(Database(DATABASE_NAME, database_uri), (BYTES, BYTES_HOURLY, QUOTA), (speed, batch))
