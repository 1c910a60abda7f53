"""The course data set, without a broker."""

from __future__ import annotations

import json

from simulator.course import ANTENNAS, APPS, USERS, course_range
from simulator.events import Event, encode

START = 1667048400  # 2022-10-29T13:00:00Z


def test_an_event_encodes_byte_for_byte_as_the_original() -> None:
    event = Event(1600545287, "00000000-0000-0000-0000-000000000001",
                  "00000000-0000-0000-0000-000000000000", 9082, "SKYPE")
    assert encode(event) == (
        b'{"bytes":9082,"timestamp":1600545287,"app":"SKYPE","id":"00000000-0000-0000-0000-000000000001",'
        b'"antenna_id":"00000000-0000-0000-0000-000000000000"}')


def test_every_user_reports_once_a_minute_within_that_minute() -> None:
    minutes = list(course_range(START, 120, seed=1))
    assert len(minutes) == 120
    for m, events in enumerate(minutes):
        assert sorted(e.id for e in events) == list(USERS)
        assert all(START + 60 * m <= e.timestamp < START + 60 * (m + 1) for e in events)


def test_values_stay_in_the_originals_ranges() -> None:
    events = [e for minute in course_range(START, 60, seed=2) for e in minute]
    assert {e.app for e in events} == set(APPS) and "WHATSAPP" not in APPS
    assert {e.antenna_id for e in events} <= set(ANTENNAS) and len(ANTENNAS) == 5
    assert all(0 <= e.bytes <= 9999 for e in events)
    assert all(json.loads(encode(e)) == e._asdict() for e in events)


def test_users_move_between_antennas_in_groups_over_time() -> None:
    minutes = list(course_range(START, 60, seed=3))
    first, later = minutes[0], minutes[10]
    assert all(a.antenna_id != b.antenna_id for a, b in zip(first, later, strict=True))
    groups = [{e.antenna_id for e in first[g:g + 5]} for g in range(0, 20, 5)]
    assert all(len(g) == 1 for g in groups)  # a group shares its antenna
    assert len(set().union(*groups)) == 4  # four groups, four different antennas


def test_the_same_seed_gives_the_same_events_and_another_seed_does_not() -> None:
    assert list(course_range(START, 10, seed=7)) == list(course_range(START, 10, seed=7))
    assert list(course_range(START, 10, seed=7)) != list(course_range(START, 10, seed=8))
