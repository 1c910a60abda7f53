"""Waiting: the backoff's delays, a stop ending a wait, polling until a condition holds."""

from __future__ import annotations

import itertools
import time

import pytest

from common.errors import PipelineError, TimedOut
from common.retry import Backoff, Stopping, wait_until, within


def test_the_backoff_doubles_from_half_a_second_up_to_its_maximum() -> None:
    backoff = Backoff(maximum=5)
    assert [backoff.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5, 5]


def test_the_backoff_starts_from_its_first_delay_and_starts_again_after_a_reset() -> None:
    backoff = Backoff(maximum=30, first=1.0)
    assert [backoff.next() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next() == 1


def test_the_backoff_never_exceeds_its_maximum_even_with_a_larger_first_delay() -> None:
    backoff = Backoff(maximum=0.2, first=0.5)
    assert [backoff.next() for _ in range(3)] == [0.2, 0.2, 0.2]
    assert max(Backoff(maximum=7).next() for _ in range(100)) <= 7


def test_a_stop_ends_the_wait_at_once() -> None:
    stopping = Stopping()
    stopping.set()
    assert stopping.wait(30) is True


def test_within_is_true_as_soon_as_the_condition_holds() -> None:
    calls = itertools.count(1)
    started = time.monotonic()
    assert within(lambda: next(calls) >= 3, timeout=10, interval=0.01)
    assert time.monotonic() - started < 5
    assert next(calls) == 4  # asked three times, no more


def test_within_is_false_when_the_condition_never_holds_in_time() -> None:
    started = time.monotonic()
    assert not within(lambda: False, timeout=0.2, interval=0.05)
    assert time.monotonic() - started >= 0.2


def test_wait_until_returns_once_the_condition_holds() -> None:
    flags = iter([False, False, True])
    wait_until(lambda: next(flags), timeout=10, interval=0.01, what="the third try")


def test_wait_until_times_out_with_an_error_naming_what_it_waited_for() -> None:
    with pytest.raises(TimedOut, match=r"timed out after 0\.1s waiting for the broker's port") as raised:
        wait_until(lambda: False, timeout=0.1, interval=0.02, what="the broker's port")
    assert isinstance(raised.value, PipelineError)
