"""The bundle rendered from the one description: consistent, linked by UUID, deterministic."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from pydantic import SecretStr

from common import schema
from serving.reader import reader_uri
from serving.superset import charts
from serving.superset.bundle import ROOT, files, write_zip
from serving.superset.description import Ranges, bundle_description
from serving.superset.model import Bars, Table, TimeSeries

BUNDLE = bundle_description("postgresql+psycopg2://pipeline_reader@db:5432/pipeline")
FILES = {path: json.loads(text) for path, text in files(BUNDLE).items()}


def by_prefix(prefix: str) -> list[dict]:
    return [config for path, config in FILES.items() if path.startswith(prefix)]


def test_every_charts_query_context_is_made_of_its_own_params() -> None:
    for chart in by_prefix("charts/"):
        form, context = chart["params"], json.loads(chart["query_context"])
        (query,) = context["queries"]
        assert context["form_data"] == form
        assert query["filters"] == [{"col": f["subject"], "op": f["operator"], "val": f["comparator"]}
                                    for f in form["adhoc_filters"]]
        assert query["row_limit"] == form["row_limit"]
        if chart["viz_type"] == "table":
            assert query["columns"] == form["all_columns"]
            assert query["orderby"] == [json.loads(o) for o in form["order_by_cols"]]
        else:
            assert query["metrics"] == form["metrics"]
            assert query["columns"][0]["sqlExpression"] == form["x_axis"]
            assert query["columns"][1:] == form["groupby"]
            assert query["extras"].get("time_grain_sqla") == form.get("time_grain_sqla")


def test_every_uuid_link_resolves() -> None:
    databases = {d["uuid"] for d in by_prefix("databases/")}
    datasets = {d["uuid"]: d for d in by_prefix("datasets/")}
    chart_uuids = {c["uuid"] for c in by_prefix("charts/")}
    assert all(d["database_uuid"] in databases for d in datasets.values())
    assert all(c["dataset_uuid"] in datasets for c in by_prefix("charts/"))
    for board in by_prefix("dashboards/"):
        placed = [n["meta"]["uuid"] for n in board["position"].values() if isinstance(n, dict) and n["type"] == "CHART"]
        assert placed and set(placed) <= chart_uuids and len(placed) == len(set(placed))
        for f in board["metadata"]["native_filter_configuration"]:
            for target in f["targets"]:
                assert "datasetUuid" not in target or target["datasetUuid"] in datasets
            assert set(f["cascadeParentIds"]) <= {g["id"] for g in board["metadata"]["native_filter_configuration"]}


def test_every_layout_node_is_the_child_of_the_parents_it_names() -> None:
    for board in by_prefix("dashboards/"):
        layout = board["position"]
        for key, node in layout.items():
            if isinstance(node, dict) and node.get("parents"):
                assert key in layout[node["parents"][-1]]["children"]


def test_datasets_list_their_columns_with_the_time_column_marked() -> None:
    for dataset in by_prefix("datasets/"):
        dttm = [c["column_name"] for c in dataset["columns"] if c["is_dttm"]]
        assert dttm == ["timestamp"] == [dataset["main_dttm_col"]]
    assert {d["table_name"] for d in by_prefix("datasets/")} == {
        schema.BYTES_TABLE, schema.BYTES_HOURLY_TABLE, schema.USER_QUOTA_TABLE}


def test_each_layer_has_bytes_by_user_antenna_and_app_from_its_own_table() -> None:
    speed, batch = BUNDLE.dashboards
    for board, table, grain in ((speed, schema.BYTES_TABLE, "PT5M"), (batch, schema.BYTES_HOURLY_TABLE, "PT1H")):
        series = [c for c in board.charts if isinstance(c, TimeSeries)]
        assert sorted(c.metric_type for c in series) == sorted(schema.METRIC_TYPES.values())
        assert {(c.dataset.table, c.grain) for c in series} == {(table, grain)}
    assert [type(c) for c in batch.charts if not isinstance(c, TimeSeries)] == [Table, Bars]


def test_the_speed_dashboard_refreshes_itself_and_the_batch_one_does_not() -> None:
    speed, batch = by_prefix("dashboards/")
    assert speed["metadata"]["refresh_frequency"] == 60
    assert batch["metadata"]["refresh_frequency"] == 0


def test_the_quota_hour_filter_reaches_only_the_bar_chart() -> None:
    batch = BUNDLE.dashboards[1]
    config = {f["name"]: f for f in by_prefix("dashboards/")[1]["metadata"]["native_filter_configuration"]}
    assert len(config["Quota hour"]["scope"]["excluded"]) == len(batch.charts) - 1
    assert len(config["Type"]["scope"]["excluded"]) == 2  # the two quota charts have no type column
    assert config["Id"]["cascadeParentIds"] == [config["Type"]["id"]]


def test_default_time_ranges_come_from_the_ranges_given() -> None:
    ranges = Ranges("Last 3 hours", "Last month", "Last hour")
    bundle = bundle_description("postgresql://x", ranges)
    assert {charts.params(c)["time_range"] for c in bundle.dashboards[0].charts} == {"Last 3 hours"}
    assert {charts.params(c)["time_range"] for c in bundle.dashboards[1].charts} == {"Last month", "Last hour"}


def test_the_same_description_gives_the_same_zip_bytes(tmp_path: Path) -> None:
    first = write_zip(files(BUNDLE), tmp_path / "a.zip").read_bytes()
    second = write_zip(files(bundle_description("postgresql+psycopg2://pipeline_reader@db:5432/pipeline")),
                       tmp_path / "b.zip").read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert {name.split("/")[0] for name in zf.namelist()} == {ROOT}
        assert json.loads(zf.read(f"{ROOT}/metadata.yaml"))["type"] == "Dashboard"


def test_the_database_uri_is_the_reader_role_on_the_pipelines_server() -> None:
    url = SecretStr("postgresql://postgres:owner-secret@pg.example:6543/pipeline")
    assert reader_uri(url, None) == "postgresql+psycopg2://pipeline_reader@pg.example:6543/pipeline"
    assert reader_uri(url, SecretStr("r/ead:er")) == (
        "postgresql+psycopg2://pipeline_reader:r%2Fead%3Aer@pg.example:6543/pipeline")
    assert "owner-secret" not in reader_uri(url, None)
