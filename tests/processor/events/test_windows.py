"""5-minute totals and lateness, on in-memory batches."""

from __future__ import annotations

from processor.events.parse import parse_batch
from processor.events.windows import count_late, window_totals

T0 = 1667048400  # 2022-10-29T13:00:00Z


def batch(*events: tuple[int, str, str, int, str]) -> object:
    values: list[bytes | None] = [
        f'{{"bytes":{b},"timestamp":{t},"app":"{a}","id":"{u}","antenna_id":"{an}"}}'.encode()
        for t, u, an, b, a in events]
    return parse_batch(values, list(range(len(values)))).events


def test_totals_are_per_window_start_and_per_user_antenna_and_app() -> None:
    events = batch((T0 + 1, "u1", "a1", 10, "X"), (T0 + 299, "u1", "a2", 5, "X"),
                   (T0 + 300, "u1", "a1", 7, "Y"), (T0 + 60, "u2", "a1", 1, "X"))
    rows = set(window_totals(events).iter_rows())  # type: ignore[arg-type]
    assert rows == {
        (T0, "u1", "user_total_bytes", 15), (T0, "u2", "user_total_bytes", 1),
        (T0 + 300, "u1", "user_total_bytes", 7),
        (T0, "a1", "antenna_total_bytes", 11), (T0, "a2", "antenna_total_bytes", 5),
        (T0 + 300, "a1", "antenna_total_bytes", 7),
        (T0, "X", "app_total_bytes", 16), (T0 + 300, "Y", "app_total_bytes", 7),
    }


def test_windows_align_to_utc_five_minute_boundaries_for_float_seconds() -> None:
    values: list[bytes | None] = [b'{"bytes":3,"timestamp":1667048699.999,"app":"X","id":"u","antenna_id":"a"}']
    rows = window_totals(parse_batch(values, [0]).events).rows()
    assert {r[0] for r in rows} == {T0 + 300 - 300}


def test_an_event_behind_the_newest_by_more_than_its_window_and_a_minute_is_counted_late() -> None:
    first = batch((T0 + 3600, "u", "a", 1, "X"))
    late, newest = count_late(first, None)
    assert (late, newest) == (0, T0 + 3600)
    second = batch((T0, "u", "a", 1, "X"), (T0 + 3600 - 30, "u", "a", 1, "X"))
    late, newest = count_late(second, newest)
    assert (late, newest) == (1, T0 + 3600)


def test_lateness_within_one_batch_follows_offset_order() -> None:
    events = batch((T0 + 3600, "u", "a", 1, "X"), (T0, "u", "a", 1, "X"), (T0 + 3601, "u", "a", 1, "X"))
    assert count_late(events, None) == (1, T0 + 3601)
