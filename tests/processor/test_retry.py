"""Waiting out an outage: the backoff's delays."""

from __future__ import annotations

from processor.retry import Backoff, Stopping


def test_the_backoff_doubles_from_half_a_second_up_to_its_maximum() -> None:
    backoff = Backoff(maximum=5)
    assert [backoff.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5, 5]


def test_a_stop_ends_the_wait_at_once() -> None:
    stopping = Stopping()
    stopping.set()
    assert stopping.wait(30) is True
