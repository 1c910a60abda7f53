"""What PostgreSQL refuses for what a value is (a data error) fails the hour; only outages are retried."""

from __future__ import annotations

import logging

import psycopg
import pytest

from batch.hours import parse_hour
from batch.run import run
from batch.store import database_errors
from common import schema
from common.errors import DataRejected, LakeError

from ..helpers import query
from ..services import role_url
from .conftest import batch_settings
from .data import A0, U1
from .lake import write_events

pytestmark = pytest.mark.integration


def test_an_index_row_too_large_for_postgresql_is_a_data_error_not_an_outage(provisioned: str) -> None:
    # ProgramLimitExceeded is an OperationalError to psycopg, like a lost connection.
    with psycopg.connect(provisioned, autocommit=True) as conn, pytest.raises(DataRejected, match="index row"):
        with database_errors("the test's server"):
            conn.execute("CREATE TEMP TABLE long_keys (key text PRIMARY KEY)")
            conn.execute("INSERT INTO long_keys SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) i")


def test_a_row_postgresql_refuses_fails_its_hour_only_in_one_line(
        provisioned: str, local_lake_env: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    with psycopg.connect(provisioned, autocommit=True) as conn:  # a rule of the database's, not the contract's
        conn.execute("ALTER TABLE bytes_hourly ADD CONSTRAINT short_ids CHECK (length(id) < 100)")
    settings = batch_settings(role_url(provisioned, schema.BATCH_ROLE), local_lake_env)
    write_events(settings.lake(), "2022-10-29T13", "part-0.parquet", [("2022-10-29T13:00:00", "y" * 200, A0, 5, "X")])
    write_events(settings.lake(), "2022-10-29T14", "part-0.parquet", [("2022-10-29T14:00:00", U1, A0, 5, "X")])
    with caplog.at_level(logging.ERROR, "batch"), pytest.raises(LakeError, match="1 of 2 hours failed"):
        run(settings, [parse_hour("2022-10-29T13"), parse_hour("2022-10-29T14")])
    lines = [r.getMessage() for r in caplog.records if "2022-10-29T13:00Z: failed" in r.getMessage()]
    assert len(lines) == 1 and "short_ids" in lines[0], caplog.text
    assert query(provisioned, "SELECT to_char(hour, 'HH24') FROM batch_runs") == [("14",)]
