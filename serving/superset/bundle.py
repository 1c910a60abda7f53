"""The description rendered as Superset's import bundle: ``{path: YAML text}``, then a zip.

YAML files are written as JSON, which YAML parsers read as it is: no YAML library needed here.
The zip is deterministic (fixed order and dates) so the same description gives the same bytes.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

from . import charts, dashboards
from .model import Bundle, Chart, Dataset, chart_uuid

ROOT = "antenna_dashboards"
VERSION = "1.0.0"


def _yaml(obj: dict[str, Any]) -> str:
    return json.dumps(obj, indent=2, sort_keys=True) + "\n"


def _dataset(bundle: Bundle, ds: Dataset) -> dict[str, Any]:
    columns = [{"column_name": c.name, "type": c.type, "verbose_name": c.label, "is_dttm": c.is_dttm,
                "is_active": True, "groupby": True, "filterable": True, "expression": None,
                "description": None, "python_date_format": None, "extra": None} for c in ds.columns]
    return {"table_name": ds.table, "schema": "public", "main_dttm_col": ds.time_column, "sql": None,
            "columns": columns, "metrics": [{"metric_name": "count", "verbose_name": "COUNT(*)",
                                             "metric_type": "count", "expression": "COUNT(*)",
                                             "description": None, "d3format": None, "extra": None,
                                             "warning_text": None}],
            "description": None, "default_endpoint": None, "offset": 0, "cache_timeout": None,
            "filter_select_enabled": True, "fetch_values_predicate": None, "extra": None,
            "normalize_columns": False, "always_filter_main_dttm": False, "params": None,
            "template_params": None, "uuid": ds.uuid, "database_uuid": bundle.database.uuid,
            "version": VERSION}


def chart_config(chart: Chart) -> dict[str, Any]:
    """A chart's YAML: params and the query context made from them."""
    form = charts.params(chart)
    return {"slice_name": chart.title, "description": None, "viz_type": chart.viz_type, "params": form,
            "query_context": json.dumps(charts.query_context(chart, form)), "cache_timeout": None,
            "uuid": chart_uuid(chart), "dataset_uuid": chart.dataset.uuid, "version": VERSION}


def files(bundle: Bundle) -> dict[str, str]:
    """Every file of the bundle, by its path inside the zip."""
    db = bundle.database
    out = {"metadata.yaml": _yaml({"version": VERSION, "type": "Dashboard",
                                   "timestamp": "2022-10-29T00:00:00+00:00"}),
           f"databases/{db.name}.yaml": _yaml({
               "database_name": db.name, "sqlalchemy_uri": db.uri, "cache_timeout": None,
               "expose_in_sqllab": True, "allow_run_async": False, "allow_ctas": False,
               "allow_cvas": False, "allow_dml": False, "allow_file_upload": False,
               "extra": {"allows_virtual_table_explore": True}, "uuid": db.uuid, "version": VERSION})}
    for ds in bundle.datasets:
        out[f"datasets/{db.name}/{ds.table}.yaml"] = _yaml(_dataset(bundle, ds))
    for chart in bundle.charts:
        out[f"charts/{chart.key}.yaml"] = _yaml(chart_config(chart))
    for board in bundle.dashboards:
        out[f"dashboards/{board.slug}.yaml"] = _yaml({
            "dashboard_title": board.title, "slug": board.slug, "description": None, "css": "",
            "certified_by": None, "certification_details": None, "published": True,
            "uuid": board.uuid, "position": dashboards.position(board),
            "metadata": dashboards.metadata(board), "version": VERSION})
    return out


def write_zip(contents: dict[str, str], out: Path) -> Path:
    """Write the bundle under one root folder, as Superset's importer expects.

    Mode 600 from its creation (it holds the reader's password in the connection URI): no moment
    where another user could open it, and an older, more open file is narrowed first.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.chmod(0o600)
    with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw, \
            zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(contents):
            info = zipfile.ZipInfo(f"{ROOT}/{path}", date_time=(2022, 10, 29, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, contents[path])
    return out
