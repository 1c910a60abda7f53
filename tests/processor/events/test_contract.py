"""The input contract, exactly: every edge and every hostile message, on both parse paths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from processor.events.contract import MAX_DEPTH, check, nesting_depth, too_deep
from processor.events.parse import parse_batch
from processor.events.vectorized import decode_clean_batch

from ..hostile import MALFORMED, TRICKY_VALID
from .edges import EDGE_MESSAGES, LIMIT, event, expected_row


@pytest.mark.parametrize("message", EDGE_MESSAGES)
def test_both_paths_agree_on_a_message_at_an_edge_of_the_contract(message: bytes) -> None:
    batch: list[bytes | None] = [event(), message, event()]
    rows = [expected_row(v) for v in batch]
    table = decode_clean_batch(batch, LIMIT)
    assert table is None or table.to_pylist() == rows
    parsed = parse_batch(batch, [0, 1, 2], LIMIT)
    assert parsed.events.to_pylist() == [r for r in rows if r is not None]
    reference = check(message, LIMIT)
    assert [r.category for r in parsed.rejects] == ([reference[0]] if isinstance(reference, tuple) else [])


@pytest.mark.parametrize(("value", "category"), MALFORMED, ids=lambda v: repr(v)[:40])
def test_a_hostile_message_is_dead_lettered_with_its_category_and_never_takes_the_vectorized_path(
        value: bytes | None, category: str) -> None:
    batch = [event(), value, event()]
    assert decode_clean_batch(batch, LIMIT) is None
    parsed = parse_batch(batch, [4, 5, 6], LIMIT)
    [reject] = parsed.rejects
    assert (reject.offset, reject.value, reject.category) == (5, value, category) and reject.reason
    assert parsed.offsets == [4, 6]


@pytest.mark.parametrize(("value", "fields"), TRICKY_VALID, ids=lambda v: repr(v)[:40])
def test_a_message_valid_despite_appearances_becomes_its_event(value: bytes, fields: dict[str, object]) -> None:
    parsed = parse_batch([value], [0], LIMIT)
    assert parsed.rejects == []
    [row] = parsed.events.to_pylist()
    seconds = float(fields["timestamp"])  # type: ignore[arg-type]
    micros = round(seconds * 1e6)
    assert row == {**fields, "timestamp": datetime.fromtimestamp(micros // 10**6, UTC).replace(microsecond=micros % 10**6)}


def test_max_event_bytes_is_a_setting_of_the_contract() -> None:
    message = event(bytes=b"5000")
    assert parse_batch([message], [0], 5000).events.num_rows == 1
    assert [r.category for r in parse_batch([message], [0], 4999).rejects] == ["out_of_range"]
    assert decode_clean_batch([message], 4999) is None


@pytest.mark.parametrize(("value", "depth"), [
    (b"{}", 1), (b'{"a":[1,{"b":[]}]}', 4), (b'{"a":"[[[[{{{{"}', 1), (b'{"a":"\\"[[["}', 1),
    (b"[[[[", 4), (b"[[]]]][[[", 2), (b'"[[[[', 0), (b'"\\"[[[[', 0),  # a parser stops at a stray closer, or in a string
    (b"[" * 1000 + b"]" * 1000, 1000),
])
def test_nesting_depth_counts_open_arrays_and_objects_outside_strings(value: bytes, depth: int) -> None:
    assert nesting_depth(value) == depth
    assert too_deep(value) == (depth > MAX_DEPTH)


def test_nesting_a_million_levels_deep_is_measured_without_any_recursion() -> None:
    assert too_deep(b'{"x":' + b"[" * 1_000_000 + b"]" * 1_000_000 + b"}")


def test_a_megabyte_of_escaped_quotes_is_scanned_in_linear_time() -> None:
    assert not too_deep(b'"' + b'\\"' * 500_000 + b"[" * 65)  # one unterminated string: its brackets are text
    assert nesting_depth(b'"a"[' * 300_000) == 300_000
