"""The service's loops in memory: the publish timer outlives any error, and the outage backoff
starts again once the application has run healthily."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from common.errors import DatabaseUnavailable, ReplayRequired
from common.retry import Backoff, Stopping
from processor import service
from processor.kafka.sink import SpeedLayerSink
from processor.lake.schedule import PublishSchedule
from processor.metrics import Metrics
from processor.records import Checkpoint, TopicPartition
from processor.service import publish_idle, resets_backoff
from processor.settings import ProcessorSettings

T0 = TopicPartition("devices", 0)


class Ticks(PublishSchedule):
    """A schedule whose publisher waits pass at once, recording each wait's delay, whether it was the
    period (woken by commits) or a backoff's pause, and whether the processor was ready then; it stops
    after ``ticks`` waits."""

    def __init__(self, ticks: int, metrics: Metrics, staged: Callable[[], list[TopicPartition]]) -> None:
        super().__init__(publish=lambda tp: [], metrics=metrics, flush_rows=10, flush_seconds=60, staged=staged)
        self.ticks, self.metrics, self.waits = ticks, metrics, list[tuple[str, float, bool]]()

    def wait(self, timeout: float) -> bool:
        return self._record("period", timeout)

    def pause(self, timeout: float) -> bool:
        return self._record("pause", timeout)

    def _record(self, kind: str, timeout: float) -> bool:
        self.waits.append((kind, timeout, self.metrics.is_ready))
        return len(self.waits) > self.ticks


def test_the_publish_timer_outlives_an_unexpected_error_logs_it_once_and_ticks_on_with_backoff(
        caplog: pytest.LogCaptureFixture) -> None:
    listings: list[int] = []

    def staged() -> list[TopicPartition]:
        listings.append(1)
        if len(listings) <= 4:
            raise RuntimeError("a bug in listing the staged partitions")
        return []

    metrics = Metrics()
    metrics.set_ready(True)
    ticks = Ticks(7, metrics, staged)
    with caplog.at_level(logging.INFO):
        publish_idle(ticks, metrics, every=1.0, retry_max_seconds=4)
    # four failing ticks, each followed by a longer pause that commits do not cut short, not ready; then
    # it works again and waits its period, which commits do cut short
    assert ticks.waits == [("period", 1.0, True), ("pause", 0.5, False), ("pause", 1.0, False), ("pause", 2.0, False),
                           ("pause", 4.0, False), ("period", 1.0, True), ("period", 1.0, True), ("period", 1.0, True)]
    assert len(listings) == 7
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None and "publish timer" in errors[0].getMessage()
    assert "the publish timer works again" in caplog.text


class Outage:
    """A checkpoint applier that fails while ``down``."""

    def __init__(self) -> None:
        self.down = False

    def __call__(self, checkpoint: Checkpoint) -> None:
        if self.down:
            raise DatabaseUnavailable("PostgreSQL failed during a batch: server closed the connection")


def checkpoint(sink: SpeedLayerSink, offset: int) -> None:
    sink.add(b"{}", None, 0, None, T0.topic, T0.partition, offset)
    sink.flush()
    sink.settle()


def test_the_outage_backoff_starts_again_from_half_a_second_once_a_checkpoint_commits() -> None:
    backoff, apply = Backoff(maximum=30), Outage()
    sink = SpeedLayerSink(resets_backoff(apply, backoff), Metrics())
    for _ in range(6):
        backoff.next()  # several outages: the next wait would be 30 s
    checkpoint(sink, 0)
    assert backoff.next() == 0.5
    for _ in range(6):
        backoff.next()
    apply.down = True
    with pytest.raises(ReplayRequired):
        checkpoint(sink, 1)
    assert backoff.next() == 30  # a failed checkpoint is no sign of health
    sink.close()


def test_a_stop_signal_that_arrives_while_the_application_is_rebuilt_is_not_lost(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After an outage the loop builds a new application; a SIGTERM caught by our handler before
    Quix installs its own must stop the processor, not be forgotten while Quix runs on."""
    stopping, runs, sinks = Stopping(), list[object](), list[SpeedLayerSink]()

    def run_application(app: object) -> None:
        runs.append(app)
        if len(runs) == 1:
            raise ReplayRequired("PostgreSQL failed during a batch; resuming from PostgreSQL's offsets")

    def new_sink() -> SpeedLayerSink:
        sinks.append(SpeedLayerSink(lambda checkpoint: None, Metrics()))
        if len(sinks) == 2:
            stopping.set()  # the signal lands between the loop's check and the new application's run
        return sinks[-1]

    monkeypatch.setattr(service, "build_application", lambda **_: object())
    monkeypatch.setattr(service, "run_application", run_application)
    monkeypatch.setattr(service, "wait_for_database", lambda *_: None)
    monkeypatch.setattr(Stopping, "watch", lambda self: None)  # keep pytest's own signal handlers
    service.consume(ProcessorSettings(), new_sink, Backoff(1), stopping)
    assert len(runs) == 1
