"""Validation of raw messages into events and rejects."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from processor.events.parse import parse_batch
from processor.events.vectorized import valid_utf8

GOOD = b'{"bytes":9082,"timestamp":1600545287,"app":"SKYPE","id":"u1","antenna_id":"a1"}'


def test_a_valid_event_becomes_one_row_with_a_utc_timestamp() -> None:
    parsed = parse_batch([GOOD], [7])
    assert parsed.rejects == [] and parsed.offsets == [7]
    row = parsed.events.to_pylist()[0]
    assert row == {"timestamp": datetime.fromtimestamp(1600545287, UTC), "id": "u1",
                   "antenna_id": "a1", "bytes": 9082, "app": "SKYPE"}


def test_float_seconds_keep_their_microseconds_and_unknown_fields_are_ignored() -> None:
    value = b'{"bytes":1,"timestamp":1600545287.25,"app":"X","id":"u","antenna_id":"a","extra":[1,2]}'
    row = parse_batch([value], [0]).events.to_pylist()[0]
    assert row["timestamp"] == datetime(2020, 9, 19, 19, 54, 47, 250000, tzinfo=UTC)


@pytest.mark.parametrize(("value", "category"), [
    (None, "empty"),
    (b"", "empty"),
    (b"not json", "not_json"),
    (b"[1, 2]", "not_object"),
    (b'{"bytes":1,"timestamp":1,"app":"X","id":"u"}', "missing_field"),
    (b'{"bytes":"1","timestamp":1,"app":"X","id":"u","antenna_id":"a"}', "wrong_type"),
    (b'{"bytes":1.5,"timestamp":1,"app":"X","id":"u","antenna_id":"a"}', "wrong_type"),
    (b'{"bytes":true,"timestamp":1,"app":"X","id":"u","antenna_id":"a"}', "wrong_type"),
    (b'{"bytes":-1,"timestamp":1,"app":"X","id":"u","antenna_id":"a"}', "out_of_range"),
    (b'{"bytes":1,"timestamp":-5,"app":"X","id":"u","antenna_id":"a"}', "out_of_range"),
    (b'{"bytes":1,"timestamp":1,"app":"","id":"u","antenna_id":"a"}', "out_of_range"),
    (b'{"bytes":1,"timestamp":"2022-10-29","app":"X","id":"u","antenna_id":"a"}', "wrong_type"),
    (b'{"bytes":1,"timestamp":1,"app":"X","id":600123456,"antenna_id":"a"}', "wrong_type"),
    (b'{"bytes":1,"timestamp":1,"app":"X","id":"u","antenna_id":5}', "wrong_type"),
    (b'{"bytes":1,"timestamp":1,"app":null,"id":"u","antenna_id":"a"}', "wrong_type"),
])
def test_a_malformed_message_is_rejected_with_its_original_bytes_and_a_reason(value: bytes | None, category: str) -> None:
    parsed = parse_batch([GOOD, value, GOOD], [1, 2, 3])
    assert parsed.offsets == [1, 3] and parsed.events.num_rows == 2
    [reject] = parsed.rejects
    assert (reject.offset, reject.value, reject.category) == (2, value, category)
    assert reject.reason


def test_a_batch_of_only_rejects_gives_an_empty_table_with_the_lake_schema() -> None:
    parsed = parse_batch([b"x", None], [0, 1])
    assert parsed.events.num_rows == 0 and len(parsed.rejects) == 2
    assert parsed.events.schema.names == ["timestamp", "id", "antenna_id", "bytes", "app"]


def test_a_clean_batch_takes_the_vectorized_path_and_matches_the_careful_one() -> None:
    from processor.events.contract import EventIn, check
    from processor.events.vectorized import decode_clean_batch

    values = [f'{{"bytes":{i},"timestamp":{1667048400 + i}{".25" if i % 3 else ""},"app":"A{i % 4}",'
              f'"id":"u{i}","antenna_id":"a{i % 7}","extra":{{"k":[1]}}}}'.encode() for i in range(500)]
    fast = decode_clean_batch(values, 10**12)  # type: ignore[arg-type]
    assert fast is not None
    careful = parse_batch([*values, b"x"], list(range(501)))  # one reject forces the careful path
    assert careful.rejects and fast.equals(careful.events)
    assert all(isinstance(check(v), EventIn) for v in values)


@pytest.mark.parametrize("batch", [
    [GOOD + b"," + GOOD, b""],  # two objects in one message, and an empty one: counts would match
    [GOOD, b'{\n"bytes":1,"timestamp":1,"app":"X","id":"u","antenna_id":"a"}'],  # a newline inside
    [GOOD, b'{"bytes":1,"timestamp":1,"app":"X","id":"u","antenna_id":"a"} '],  # not ending in }
    [GOOD, None],
])
def test_the_vectorized_path_refuses_any_batch_where_rows_could_misalign(batch: list[bytes | None]) -> None:
    from processor.events.vectorized import decode_clean_batch

    assert decode_clean_batch(batch, 10**12) is None


def test_a_valid_message_with_a_newline_inside_is_still_accepted() -> None:
    pretty = b'{\n  "bytes": 1, "timestamp": 1667048400,\n  "app": "X", "id": "u", "antenna_id": "a"\n}'
    parsed = parse_batch([GOOD, pretty], [0, 1])
    assert parsed.rejects == [] and parsed.events.num_rows == 2


def test_events_refused_later_move_to_the_rejects_with_their_original_bytes() -> None:
    parsed = parse_batch([GOOD, b"x", GOOD], [1, 2, 3])
    moved = parsed.without({0: ("overflow", "its total would pass 2^63 - 1"), 1: ("overflow", "again")})
    assert moved.events.num_rows == 0 and moved.offsets == [] and moved.values == []
    assert [(r.offset, r.category, r.value) for r in moved.rejects] == [(1, "overflow", GOOD), (2, "not_json", b"x"),
                                                                        (3, "overflow", GOOD)]


@pytest.mark.parametrize("value", [b"", b"plain", "usér-😀".encode(), b"caf\xe9", b"\xed\xa0\x80", b"\xff\xfe",
                                   b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98", b"ok\n\xe9", b"a\x00b"])
def test_the_in_place_utf8_check_agrees_with_pythons_decoder(value: bytes) -> None:
    try:
        value.decode("utf-8")
        expected = True
    except UnicodeDecodeError:
        expected = False
    assert valid_utf8(value) is expected


def test_a_batch_with_an_invalid_utf8_message_among_large_valid_ones_rejects_only_that_one() -> None:
    big = b'{"bytes":1,"timestamp":1667048400,"app":"A","id":"u","antenna_id":"a","pad":"' + b"p" * 1_000_000 + b'"}'
    parsed = parse_batch([big, b'{"id":"caf\xe9"}', big], [0, 1, 2])
    assert parsed.offsets == [0, 2] and [(r.offset, r.category) for r in parsed.rejects] == [(1, "not_utf8")]


@pytest.mark.parametrize("field", ["id", "antenna_id", "app"])
def test_a_number_where_the_contract_wants_a_string_is_never_coerced_by_the_vectorized_path(field: str) -> None:
    from processor.events.vectorized import decode_clean_batch

    fields = {"bytes": 1, "timestamp": 1667048400, "app": "X", "id": "u", "antenna_id": "a", field: 600123456}
    value = json.dumps(fields).encode()
    assert decode_clean_batch([GOOD, value], 10**12) is None
    parsed = parse_batch([GOOD, value], [40, 41])
    assert parsed.offsets == [40] and [(r.offset, r.category) for r in parsed.rejects] == [(41, "wrong_type")]
