"""Where the lake is: LAKE_URL and the AWS variables, and a bucket on a real S3 server (s3proxy)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr

from common.cli import settings_from_args
from common.errors import ConfigError, LakeUnavailable
from common.lake_store import LakeStore
from common.s3 import S3Options
from common.settings_lake import LakeStorageSettings

from ..helpers import settings_from_env
from ..services import s3_env

SECRET = "do-not-show-this-secret"


def settings(**env: str) -> LakeStorageSettings:
    return settings_from_env(LakeStorageSettings, env)


def test_without_lake_url_the_lake_is_the_data_dirs_events_folder(tmp_path: Path) -> None:
    store = settings(DATA_DIR=str(tmp_path)).lake()
    assert not store.is_s3 and store.root == str(tmp_path / "events") and store.storage_options is None


def test_an_s3_lake_url_names_a_bucket_and_a_prefix() -> None:
    store = settings(LAKE_URL="s3://my-bucket/some/prefix/").lake()
    assert store.is_s3 and store.root == "my-bucket/some/prefix" and store.url == "s3://my-bucket/some/prefix"
    assert store.uri(store.path("year=2022/x.parquet")) == "s3://my-bucket/some/prefix/year=2022/x.parquet"


@pytest.mark.parametrize(("env", "message"), [
    ({"LAKE_URL": "gs://bucket/lake"}, "LAKE_URL"),
    ({"LAKE_URL": "s3:///no-bucket"}, "LAKE_URL"),
    ({"AWS_ENDPOINT_URL": "localhost:9000"}, "AWS_ENDPOINT_URL"),
    ({"AWS_ENDPOINT_URL": "http://127.0.0.1:9000"}, "AWS_ALLOW_HTTP"),
])
def test_an_unusable_lake_setting_is_an_error_naming_it(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from_args(LakeStorageSettings, argparse.Namespace(**{k.lower(): v for k, v in env.items()}))


def test_an_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    monkeypatch.setenv("LAKE_URL", "")
    assert LakeStorageSettings().aws_endpoint_url is None and not LakeStorageSettings().lake().is_s3


def test_the_secret_key_is_in_no_repr() -> None:
    s = settings(LAKE_URL="s3://b/l", AWS_SECRET_ACCESS_KEY=SECRET, AWS_ACCESS_KEY_ID="key")
    assert SECRET not in repr(s) and SECRET not in repr(s.lake())
    assert s.lake().storage_options == {"aws_region": "us-east-1", "aws_allow_http": "false",
                                        "aws_access_key_id": "key", "aws_secret_access_key": SECRET}


@pytest.mark.integration
def test_a_wrong_secret_is_refused_by_the_server_and_the_error_shows_no_secret(
        s3: S3Options, new_bucket: Callable[[], str]) -> None:
    bucket = new_bucket()
    wrong = S3Options(s3.endpoint_url, s3.access_key_id, SecretStr(SECRET), s3.region, s3.allow_http)
    with pytest.raises(LakeUnavailable, match=f"bucket {bucket}") as refused:
        LakeStore(f"s3://{bucket}/lake", wrong).check()
    assert SECRET not in str(refused.value)


@pytest.mark.integration
def test_a_missing_bucket_is_an_error_but_a_missing_prefix_is_an_empty_folder(
        s3: S3Options, new_bucket: Callable[[], str]) -> None:
    with pytest.raises(LakeUnavailable, match="does not exist"):
        LakeStore("s3://no-such-bucket-here/lake", s3).check()
    store = LakeStore(f"s3://{new_bucket()}/lake", s3)
    store.check()
    assert store.files("year=2022/month=10") == [] and store.walk() == []


@pytest.mark.integration
def test_objects_written_through_the_store_are_listed_with_size_and_read_by_polars_as_a_hive_dataset(
        s3: S3Options, new_bucket: Callable[[], str]) -> None:
    store = settings(**s3_env(s3, f"s3://{new_bucket()}/lake")).lake()
    for hour in (13, 14):
        pq.write_table(pa.table({"bytes": [hour, hour + 1]}),
                       store.path(f"year=2022/month=10/day=29/hour={hour}/part-0.parquet"), filesystem=store.filesystem)
    [listed] = store.files("year=2022/month=10/day=29/hour=13")
    assert listed.name == "part-0.parquet" and listed.size > 0 and listed.mtime_ns > 0
    assert [o.relative for o in store.walk()] == [f"year=2022/month=10/day=29/hour={h}/part-0.parquet" for h in (13, 14)]
    frame = pl.scan_parquet(store.url + "/", hive_partitioning=True, storage_options=store.storage_options).collect()
    assert sorted(frame.select("bytes", "hour").rows()) == [(13, 13), (14, 13), (14, 14), (15, 14)]


@pytest.mark.integration
@pytest.mark.parametrize("size", [1000, 12 * 2**20], ids=["one PUT", "multipart upload"])
def test_an_object_put_into_a_bucket_is_whole_at_its_final_key_and_a_rewrite_replaces_it(
        s3: S3Options, new_bucket: Callable[[], str], size: int) -> None:
    store = LakeStore(f"s3://{new_bucket()}/lake", s3)
    first, second = os.urandom(size), os.urandom(size)
    for data in (first, second):
        path = store.put("year=2022/month=10/day=29/hour=13/part-x.parquet", data)
        with store.filesystem.open_input_stream(path) as source:
            assert source.read() == data
    assert [(o.name, o.size) for o in store.walk()] == [("part-x.parquet", size)]


def test_an_object_put_into_a_folder_is_renamed_into_place_leaving_no_temporary_file(tmp_path: Path) -> None:
    store = LakeStore(str(tmp_path / "lake"))
    path = store.put("year=2022/month=10/day=29/hour=13/part-x.parquet", b"content")
    assert Path(path).read_bytes() == b"content"
    assert [o.relative for o in store.walk()] == ["year=2022/month=10/day=29/hour=13/part-x.parquet"]
