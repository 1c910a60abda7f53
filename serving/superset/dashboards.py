"""A dashboard of the description rendered as Superset's layout (``position``) and ``metadata``.

Charts are placed by UUID; the ``chartId`` numbers here are only local references that Superset
remaps on import (native filter scopes use them too).
"""

from __future__ import annotations

from typing import Any

from .model import Dashboard, Filter, chart_uuid

ROW_HEIGHT = 60
GRID_COLUMNS = 12


def chart_ids(board: Dashboard) -> dict[str, int]:
    """Local chart numbers of one dashboard, by chart key, in layout order."""
    return {chart.key: number for number, chart in enumerate(board.charts, start=1)}


def position(board: Dashboard) -> dict[str, Any]:
    """Rows of equal-width charts under the dashboard's header."""
    ids = chart_ids(board)
    layout: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": board.title}},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
    }
    for r, row in enumerate(board.rows, start=1):
        row_id = f"ROW-{r}"
        layout["GRID_ID"]["children"].append(row_id)
        layout[row_id] = {"type": "ROW", "id": row_id, "children": [], "parents": ["ROOT_ID", "GRID_ID"],
                          "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        for chart in row:
            chart_id = f"CHART-{chart.key}"
            layout[row_id]["children"].append(chart_id)
            layout[chart_id] = {"type": "CHART", "id": chart_id, "children": [],
                                "parents": ["ROOT_ID", "GRID_ID", row_id],
                                "meta": {"chartId": ids[chart.key], "uuid": chart_uuid(chart),
                                         "sliceName": chart.title, "height": ROW_HEIGHT,
                                         "width": GRID_COLUMNS // len(row)}}
    return layout


def native_filter(board: Dashboard, f: Filter) -> dict[str, Any]:
    """One native filter; charts out of its scope are listed as excluded."""
    ids = chart_ids(board)
    in_scope = f.charts or tuple(ids)
    config: dict[str, Any] = {
        "id": f.id, "name": f.name, "type": "NATIVE_FILTER", "description": "",
        "scope": {"rootPath": ["ROOT_ID"], "excluded": [n for k, n in ids.items() if k not in in_scope]},
        "cascadeParentIds": [f"NATIVE_FILTER-{f.parent}"] if f.parent else [],
        "controlValues": {}, "targets": [{}], "filterType": "filter_time",
        "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
    }
    if f.column is None:
        config["defaultDataMask"] = {"extraFormData": {"time_range": f.default},
                                     "filterState": {"value": f.default}, "ownState": {}}
        return config
    if f.dataset is None:
        raise ValueError(f"filter {f.key} on column {f.column} needs a dataset")
    config.update(filterType="filter_select", targets=[{"column": {"name": f.column},
                                                        "datasetUuid": f.dataset.uuid}],
                  controlValues={"multiSelect": f.multi, "enableEmptyFilter": False,
                                 "defaultToFirstItem": False, "inverseSelection": False,
                                 "searchAllOptions": False})
    return config


def metadata(board: Dashboard) -> dict[str, Any]:
    """Filters, auto-refresh and colours of one dashboard."""
    return {
        "native_filter_configuration": [native_filter(board, f) for f in board.filters],
        "refresh_frequency": board.refresh_seconds, "timed_refresh_immune_slices": [],
        "expanded_slices": {}, "default_filters": "{}", "color_scheme": "supersetColors",
        "label_colors": {}, "shared_label_colors": [], "cross_filters_enabled": False,
        "chart_configuration": {}, "global_chart_configuration": {
            "scope": {"rootPath": ["ROOT_ID"], "excluded": []}, "chartsInScope": []},
    }
