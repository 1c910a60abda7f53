"""A chart of the description rendered as Superset's ``params`` and, from them, its ``query_context``.

The query context is what ``/api/v1/chart/{id}/data/`` runs; it is built from the very params
stored beside it (and carries them as ``form_data``), the way Superset's own frontend builds it.
"""

from __future__ import annotations

import json
from typing import Any

from .model import Chart, Metric, Table, TimeSeries


def metric(m: Metric) -> dict[str, Any]:
    """An ad-hoc metric ``aggregate(column)`` with a fixed label."""
    return {"expressionType": "SIMPLE", "aggregate": m.aggregate, "column": {"column_name": m.column},
            "label": m.label, "hasCustomLabel": True, "optionName": f"metric_{m.label}"}


def _time_filter(chart: Chart) -> dict[str, Any]:
    return {"clause": "WHERE", "expressionType": "SIMPLE", "subject": chart.dataset.time_column,
            "operator": "TEMPORAL_RANGE", "comparator": chart.time_range}


def params(chart: Chart) -> dict[str, Any]:
    """The chart's form data, as Superset's explore view would save it."""
    common: dict[str, Any] = {"viz_type": chart.viz_type, "time_range": chart.time_range,
                              "adhoc_filters": [_time_filter(chart)], "extra_form_data": {},
                              "dashboards": []}
    if isinstance(chart, TimeSeries):
        common["adhoc_filters"].append({"clause": "WHERE", "expressionType": "SIMPLE", "subject": "type",
                                        "operator": "==", "comparator": chart.metric_type})
        return {**common, "x_axis": chart.dataset.time_column, "time_grain_sqla": chart.grain,
                "x_axis_sort_asc": True, "metrics": [metric(chart.metric)], "groupby": [chart.series],
                "order_desc": True, "row_limit": 10000, "series_limit": 0, "truncate_metric": True,
                "show_legend": True, "legendType": "scroll", "legendOrientation": "top",
                "rich_tooltip": True, "tooltipTimeFormat": "%Y-%m-%d %H:%M", "x_axis_time_format": "%H:%M",
                "y_axis_format": "SMART_NUMBER", "markerEnabled": True, "markerSize": 4,
                "seriesType": "line", "zoomable": False, "color_scheme": "supersetColors"}
    if isinstance(chart, Table):
        return {**common, "query_mode": "raw", "all_columns": list(chart.columns),
                "order_by_cols": [json.dumps([c, asc]) for c, asc in chart.order_by],
                "row_limit": chart.row_limit, "server_pagination": False, "include_search": False,
                "table_timestamp_format": "%Y-%m-%d %H:%M", "show_cell_bars": True}
    return {**common, "x_axis": chart.x, "metrics": [metric(m) for m in chart.metrics], "groupby": [],
            "order_desc": True, "row_limit": 1000, "x_axis_sort_asc": True, "show_legend": True,
            "legendOrientation": "top", "y_axis_format": "SMART_NUMBER", "orientation": "vertical",
            "show_value": False, "xAxisLabelRotation": 45, "color_scheme": "supersetColors"}


def _filters(form: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"col": f["subject"], "op": f["operator"], "val": f["comparator"]} for f in form["adhoc_filters"]]


def _query(chart: Chart, form: dict[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = {"filters": _filters(form), "extras": {"having": "", "where": ""},
                             "applied_time_extras": {}, "annotation_layers": [], "series_limit": 0,
                             "order_desc": True, "url_params": {}, "custom_params": {},
                             "custom_form_data": {}, "time_offsets": [], "post_processing": []}
    if isinstance(chart, Table):
        return {**query, "columns": form["all_columns"], "row_limit": form["row_limit"],
                "orderby": [json.loads(o) for o in form["order_by_cols"]]}
    axis = {"columnType": "BASE_AXIS", "sqlExpression": form["x_axis"], "label": form["x_axis"],
            "expressionType": "SQL"}
    labels = [m["label"] for m in form["metrics"]]
    pivot = {"index": [form["x_axis"]], "columns": form["groupby"], "drop_missing_columns": False,
             "aggregates": {label: {"operator": "mean"} for label in labels}}
    query.update(columns=[axis, *form["groupby"]], metrics=form["metrics"], row_limit=form["row_limit"],
                 orderby=[[form["metrics"][0], False]], series_columns=form["groupby"],
                 post_processing=[{"operation": "pivot", "options": pivot}, {"operation": "flatten"}])
    if isinstance(chart, TimeSeries):
        axis["timeGrain"] = form["time_grain_sqla"]
        query["extras"]["time_grain_sqla"] = form["time_grain_sqla"]
        query["post_processing"].insert(1, {"operation": "rename", "options": {
            "columns": {labels[0]: None}, "level": 0, "inplace": True}})
    return query


def query_context(chart: Chart, form: dict[str, Any]) -> dict[str, Any]:
    """What the data endpoint runs for ``form`` (the datasource id is set by Superset on import)."""
    return {"datasource": {"id": 0, "type": "table"}, "force": False, "queries": [_query(chart, form)],
            "form_data": form, "result_format": "json", "result_type": "full"}

