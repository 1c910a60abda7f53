"""Sums never overflow silently: a batch's own total past BIGINT raises; refusal is greedy in order."""

from __future__ import annotations

import pytest

from processor.events.overflow import overflowing
from processor.events.parse import parse_batch
from processor.events.windows import MAX_TOTAL, TotalOverflow, window_totals

T = 1667048400
BIG = 2**62


def events(*sizes: int, app: str = "A") -> list[bytes]:
    return [b'{"bytes":%d,"timestamp":%d,"app":"%s","id":"u","antenna_id":"a"}' % (s, T + i, app.encode())
            for i, s in enumerate(sizes)]


def table(*sizes: int):  # type: ignore[no-untyped-def]
    values = events(*sizes)
    return parse_batch(values, list(range(len(values))), MAX_TOTAL).events  # type: ignore[arg-type]


def test_a_five_minute_total_past_bigint_raises_instead_of_wrapping() -> None:
    with pytest.raises(TotalOverflow):
        window_totals(table(BIG, BIG))
    assert set(window_totals(table(BIG, BIG - 1))["value"].to_list()) == {MAX_TOTAL}  # exactly the largest


def test_events_that_would_pass_bigint_are_refused_in_offset_order_and_add_nothing() -> None:
    assert overflowing(table(BIG, BIG, 5, BIG, 7), {}) == [1, 3]


def test_the_totals_already_in_the_database_count() -> None:
    key = (T // 300 * 300, "user_total_bytes", "u")
    assert overflowing(table(10, 3, 1), {key: MAX_TOTAL - 4}) == [0]
