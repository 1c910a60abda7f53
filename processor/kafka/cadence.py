"""Early checkpoints: small and frequent while the processor keeps up, never while it has a backlog.

Quix checkpoints every ``COMMIT_INTERVAL`` seconds (or ``COMMIT_EVERY`` messages, or ``COMMIT_BYTES``):
an event read just after a checkpoint waits up to ``COMMIT_INTERVAL`` to be counted in ``bytes``. The
``Cadence`` closes a checkpoint early, after a batch of messages is processed, when ``due``: something is
buffered, the previous checkpoint's batch is applied (an early flush never waits for the worker, so
the loop never stalls for one), at least ``COMMIT_MIN_INTERVAL`` seconds passed since the last
checkpoint, and the consumer has no backlog larger than what it has buffered (messages fetched or still
on the broker that it has not processed: its lag, no more than the messages buffered since the last
checkpoint, the sink's ``messages``).
Under a backlog the lag is far above a batch and the policy never fires: checkpoints stay as large as the other
limits make them, and maximum throughput is that of the fixed cadence.

Why a lag up to the buffer and not 0 (2026-12-03, traced per probe in ``bench/freshness.py --trace``):
near capacity (half of the maximum on 2 cores, the apply worker 70-85 % busy with 0.2-0.3 s checkpoints)
one slow apply (a lock a publish held, a busy core) leaves the consumer a few thousand messages behind
the broker, and a lag of exactly 0 is then not seen again for seconds: checkpoints fell back to
``COMMIT_INTERVAL`` (30-50k events, 2-3 s of waiting for every event in them). A batch ready while the
worker is free is applied now instead; the events behind it wait for one apply either way.

The lag is librdkafka's own bookkeeping, read without a request to the broker: per assigned partition,
the high watermark of the last fetch response (``get_watermark_offsets(cached=True)``) minus the next
offset to process (``position``; before the partition's first message, where its assignment started
it). A partition with no fetch response yet (no high watermark) is not known to be caught up: at a
backlog's start, before the first responses, the policy does not fire. After a look that sees a lag
of N, the next look is N messages later, at the last message known then (a fetched burst's last
message is where a steady load is caught up; looking again after a fixed time would keep sampling
bursts' first messages, never caught up); so a backlog costs one look per backlog's worth of
messages. While a batch is applied, the cadence looks at most every ``APPLYING_LOOK`` seconds
(between looks a batch costs a clock read).

The cadence is asked after each batch of messages taken (``batches.step``), with their count, and
after a poll that found nothing while something is buffered (a count of 0: the backlog a look saw is
consumed, so it looks again). A quiet topic's last burst, taken while no early checkpoint could be due
(too soon, a batch still applying), is closed at the next empty poll that finds one due, not after
``COMMIT_INTERVAL``; under a steady load the next batch comes within milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

MAX_SKIP = 100_000  # at most this many messages between two looks at the lag (after a rebalance, say)
UNKNOWN = 1  # the lag of a partition librdkafka has no fetch response for yet: not caught up
APPLYING_LOOK = 0.005  # seconds between looks while the last batch is applied (a clock read per message)


def due(*, pending: int, applying: bool, elapsed: float, min_interval: float, lag: Callable[[], int]) -> bool:
    """An early checkpoint is due: ``pending`` messages buffered, nothing ``applying``, ``min_interval`` passed,
    and no backlog larger than what is buffered. ``lag`` is only asked when the rest holds (it is the one costly part)."""
    return pending > 0 and not applying and elapsed >= min_interval and lag() <= pending


class Buffer(Protocol):
    """What the cadence needs of the sink: is anything buffered (how many messages) or being applied, when was the
    last checkpoint."""

    @property
    def buffered(self) -> bool: ...

    @property
    def messages(self) -> int: ...

    @property
    def applying(self) -> bool: ...

    @property
    def flushed_at(self) -> float: ...


def consumer_lag(consumer: Any, starts: Mapping[tuple[str, int], int] | None = None) -> int:
    """Messages of the assigned partitions that the broker holds (or librdkafka fetched) and the
    consumer has not processed yet, as far as the last fetch responses tell. A partition none of whose
    messages was processed yet counts from ``starts`` (its assignment's offset; a logical one such as
    ``OFFSET_BEGINNING``: from the low watermark); one with no fetch response yet counts ``UNKNOWN``."""
    lag = 0
    for tp in consumer.position(consumer.assignment()):
        low, high = consumer.get_watermark_offsets(tp, cached=True)
        if high < 0:
            lag += UNKNOWN
            continue
        position = tp.offset if tp.offset >= 0 else (starts or {}).get((tp.topic, tp.partition), -1)
        if position < 0:
            position = low if low >= 0 else high  # not known: counts 0, as before
        lag += max(0, high - position)
    return lag


class Cadence:
    """Decides, after each batch of processed messages, whether to close the checkpoint now.

    ``min_interval`` at or above ``commit_interval`` turns the policy off (Quix's fixed cadence alone)."""

    def __init__(self, buffer: Buffer, lag: Callable[[], int], min_interval: float, commit_interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._buffer, self._lag, self._min, self._clock = buffer, lag, min_interval, clock
        self.enabled = min_interval < commit_interval
        self._next_look = 0.0
        self._skip = 0  # messages to process before the lag is read again: the backlog the last look saw
        self._seen = 0

    def checkpoint_now(self, taken: int = 1) -> bool:
        """True when an early checkpoint is due after ``taken`` more messages were processed (the batch
        step asks once per batch; a clock read and a comparison until one could be)."""
        if not self.enabled:
            return False
        if taken and self._skip >= taken:
            self._skip -= taken
            return False
        self._skip = 0  # ``taken`` 0, a poll that found nothing: whatever backlog a look saw is consumed
        now = self._clock()
        if now < self._next_look or not self._buffer.buffered:
            return False
        elapsed = now - self._buffer.flushed_at
        applying = self._buffer.applying
        if due(pending=self._buffer.messages, applying=applying, elapsed=elapsed, min_interval=self._min, lag=self._read_lag):
            return True
        if applying:
            self._next_look = now + APPLYING_LOOK
        elif elapsed < self._min:
            self._next_look = now + self._min - elapsed
        elif self._seen:  # behind: look again at the last message known now, the end of this backlog
            self._skip, self._seen = min(self._seen - 1, MAX_SKIP), 0
        return False

    def _read_lag(self) -> int:
        self._seen = self._lag()
        return self._seen
