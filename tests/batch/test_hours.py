"""Hours: parsing, ranges and the last complete hour (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from batch.hours import hour_range, label, last_complete_hour, naive, parse_hour
from common.errors import ConfigError

H13 = datetime(2022, 10, 29, 13, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2022-10-29T13", "2022-10-29T13:00", "2022-10-29T13:00:00Z",
                                  "2022-10-29 13:00:00", "2022-10-29T15:00+02:00", "2022-10-29T13:00:00+0000"])
def test_an_hour_is_read_as_utc_in_any_of_the_accepted_spellings(text: str) -> None:
    assert parse_hour(text) == H13


@pytest.mark.parametrize("text", ["yesterday", "2022-10-29", "2022-13-01T00", "2022-10-29T24"])
def test_a_malformed_hour_is_a_configuration_error(text: str) -> None:
    with pytest.raises(ConfigError, match="not an hour"):
        parse_hour(text)


def test_a_time_inside_an_hour_is_refused_rather_than_rounded() -> None:
    with pytest.raises(ConfigError, match="not the start of an hour"):
        parse_hour("2022-10-29T13:30")


def test_a_range_holds_every_hour_from_its_start_up_to_but_not_including_its_end() -> None:
    hours = hour_range(H13, parse_hour("2022-10-29T16"))
    assert [label(h) for h in hours] == ["2022-10-29T13:00Z", "2022-10-29T14:00Z", "2022-10-29T15:00Z"]


def test_a_range_crosses_midnight_and_month_ends() -> None:
    hours = hour_range(parse_hour("2022-10-31T22"), parse_hour("2022-11-01T01"))
    assert [(h.month, h.day, h.hour) for h in hours] == [(10, 31, 22), (10, 31, 23), (11, 1, 0)]


def test_a_range_that_ends_before_it_starts_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="must be after"):
        hour_range(H13, H13)


def test_the_last_complete_hour_is_the_one_before_the_current_hour() -> None:
    assert last_complete_hour(datetime(2022, 10, 29, 14, 0, 1, tzinfo=UTC)) == H13
    assert last_complete_hour(datetime(2022, 10, 29, 14, 59, 59, tzinfo=UTC)) == H13


def test_the_database_gets_the_naive_utc_wall_clock_of_the_hour() -> None:
    assert naive(parse_hour("2022-10-29T15:00+02:00")) == datetime(2022, 10, 29, 13)
