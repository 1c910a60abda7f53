"""Producing a stream with hostile messages mixed in, in the background, and waiting for its end."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

from common.kafka import end_offsets

from ..processor.harness import PARTITIONS, Pipeline, ProcessorRun, produce, wait_caught_up
from ..processor.hostile import TOPIC_MAX_BYTES


class Stream(threading.Thread):
    """``values`` produced in the background at ``rate`` per second, the rest flat out once ``hurry()``.

    The last ``reserve`` values only trickle (one per partition every ``TRICKLE_S``) until ``hurry()``: on a
    slow machine, where each disruption of a test takes longer, events still arrive during the last one."""

    CHUNK = 400  # a multiple of the partition count: round-robin stays even
    TRICKLE_S = 0.5

    def __init__(self, p: Pipeline, values: list[bytes | None], rate: float, reserve: int = 0) -> None:
        super().__init__(daemon=True)
        self._p, self._values, self._rate = p, values, rate
        self._steady = max(0, len(values) - reserve) // PARTITIONS * PARTITIONS
        self._hurry = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            start = 0
            while start < len(self._values) and not self._hurry.is_set():
                size = min(self.CHUNK, self._steady - start) if start < self._steady else PARTITIONS
                self._send(self._values[start:start + size], self._rate)
                start += size
                if self._steady < start < len(self._values):
                    self._hurry.wait(self.TRICKLE_S)
            if start < len(self._values):
                self._send(self._values[start:], None)
        except BaseException as e:  # noqa: BLE001 - reported by finish_producing, in the test's thread
            self.error = e

    def _send(self, values: list[bytes | None], rate: float | None) -> None:
        # Delivered within 5 minutes: a broker killed by a test takes a while to recover its log.
        produce(self._p.brokers, self._p.topic, values, PARTITIONS, rate, max_bytes=TOPIC_MAX_BYTES,
                deliver_within=300)

    def hurry(self) -> None:
        self._hurry.set()

    def finish_producing(self) -> None:
        """Produce the rest flat out and wait; every value was acknowledged by the broker, or this raises."""
        self.hurry()
        self.join()
        if self.error is not None:
            raise AssertionError("the test's producer failed: the oracle's events were not all produced") from self.error


def produce_in_background(p: Pipeline, values: list[bytes | None], rate: float, reserve: int = 0) -> Stream:
    stream = Stream(p, values, rate, reserve)
    stream.start()
    return stream


def is_ready(run: ProcessorRun) -> bool:
    """What ``/ready`` says (False when it does not answer)."""
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{run.metrics_port}/ready", timeout=2).status == 200
    except (urllib.error.URLError, OSError):
        return False


def finish(p: Pipeline, *runs: ProcessorRun, timeout: float = 180) -> None:
    """Wait until PostgreSQL's offsets reach the end of the topic, then stop every run with SIGTERM."""
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic), timeout=timeout)
    for run in runs:
        assert run.stop(timeout=60) == 0, f"a processor did not stop cleanly: see {p.log}"
