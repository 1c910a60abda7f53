"""Rows of the lake the speed layer would have refused: each fails its hour in one line naming the
file and the rule of the input contract; the other hours of the run are written."""

from __future__ import annotations

import logging

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from batch.hours import parse_hour
from batch.run import run
from batch.settings import BatchSettings
from common import schema
from common.errors import LakeError
from common.lake_store import LakeStore

from ..helpers import query
from ..services import role_url
from .conftest import batch_settings
from .data import A0, U1
from .lake import events_table, hour_path, write_events

pytestmark = pytest.mark.integration

BREACHES = {  # hour -> (a row breaking one rule, what the error line must say)
    "13": (("13:10:00", "x" * 257, A0, 5, "SKYPE"), "id has 257 characters"),
    "14": (("14:10:00", U1, "ant\x00enna", 5, "SKYPE"), "antenna_id holds U+0000"),
    "15": (("15:10:00", U1, A0, 5, ""), "app is empty"),
    "16": (("16:10:00", U1, A0, -1, "SKYPE"), "bytes -1 is negative"),
    "17": (("17:10:00", U1, A0, 10**12 + 1, "SKYPE"), "bytes 1000000000001 is more than MAX_EVENT_BYTES"),
}


def test_every_row_breaking_the_input_contract_fails_its_hour_in_one_line_naming_file_and_rule(
        provisioned: str, local_lake_env: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    settings = batch_settings(role_url(provisioned, schema.BATCH_ROLE), local_lake_env)
    lake = settings.lake()
    names = {}
    for hour, (row, _) in BREACHES.items():
        good = (f"2022-10-29T{hour}:00:00", U1, A0, 7, "SKYPE")
        names[hour] = write_events(lake, f"2022-10-29T{hour}", "part-x.parquet",
                                   [good, (f"2022-10-29T{row[0]}", *row[1:])])
    write_events(lake, "2022-10-29T12", "part-0.parquet", [("2022-10-29T12:00:00", U1, A0, 7, "SKYPE")])
    with caplog.at_level(logging.ERROR, "batch"), pytest.raises(LakeError, match="5 of 6 hours failed"):
        run(settings, [parse_hour("2022-10-29T12") + n * (parse_hour("2022-10-29T13") - parse_hour("2022-10-29T12"))
                       for n in range(6)])
    for hour, (_, rule) in BREACHES.items():
        lines = [r.getMessage() for r in caplog.records if names[hour] in r.getMessage()]
        assert len(lines) == 1 and rule in lines[0] and "input contract" in lines[0], (hour, lines)
    assert query(provisioned, "SELECT to_char(hour, 'HH24') FROM batch_runs") == [("12",)]
    assert query(provisioned, "SELECT count(*) FROM bytes_hourly WHERE timestamp > '2022-10-29 12:00'") == [(0,)]


def test_a_larger_max_event_bytes_lets_the_batch_read_what_the_processor_accepted(
        provisioned: str, local_lake_env: dict[str, str]) -> None:
    settings = batch_settings(role_url(provisioned, schema.BATCH_ROLE), {**local_lake_env, "MAX_EVENT_BYTES": str(10**13)})
    write_events(settings.lake(), "2022-10-29T13", "part-0.parquet", [("2022-10-29T13:00:00", U1, A0, 10**13, "SKYPE")])
    run(settings, [parse_hour("2022-10-29T13")])
    assert query(provisioned, "SELECT value FROM bytes_hourly WHERE id = %s", (U1,)) == [(10**13,)]


def invalid_utf8_file(lake: LakeStore) -> str:
    table = events_table([("2022-10-29T13:00:00", U1, A0, 5, "SKYPE")])
    raw = pa.array([b"S\xffYPE"], pa.binary()).view(pa.string())  # written as it is, never validated
    path = hour_path(lake, "2022-10-29T13", "part-bad.parquet")
    pq.write_table(table.set_column(4, "app", raw), path, filesystem=lake.filesystem)
    return lake.uri(path)


def no_statistics_file(lake: LakeStore) -> str:
    path = hour_path(lake, "2022-10-29T13", "part-nostats.parquet")
    table = events_table([("2022-10-29T13:00:00", U1, A0, 5, "SKYPE"), ("2022-10-29T15:00:00", U1, A0, 5, "SKYPE")])
    pq.write_table(table, path, filesystem=lake.filesystem, write_statistics=False)
    return lake.uri(path)


@pytest.mark.parametrize(("make", "rule"), [(invalid_utf8_file, "app is not valid UTF-8"),
                                            (no_statistics_file, "outside hour 2022-10-29T13:00Z")])
def test_rows_the_footer_cannot_vouch_for_are_checked_in_the_data(
        provisioned: str, local_lake_env: dict[str, str], make: object, rule: str) -> None:
    settings: BatchSettings = batch_settings(role_url(provisioned, schema.BATCH_ROLE), local_lake_env)
    name = make(settings.lake())  # type: ignore[operator]
    with pytest.raises(LakeError) as failure:
        run(settings, [parse_hour("2022-10-29T13")])
    assert name in str(failure.value) and rule in str(failure.value), failure.value
    assert query(provisioned, "SELECT count(*) FROM bytes_hourly") == [(0,)]
