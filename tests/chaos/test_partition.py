"""Chaos: the broker frozen (SIGSTOP: alive, silent) past the session timeout while a checkpoint's
buffer is held, then back before the next checkpoint: the assignment is lost and given back."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import pytest

from common.kafka import end_offsets
from devstack.kafka import KafkaBroker

from ..processor.harness import Pipeline, ProcessorRun, make_events, wait_caught_up
from ..processor.hostile import hostile_stream
from .oracle import FIGURES, Figures, check_dead_letters, check_speed_layer
from .streams import produce_in_background
from .test_processor_group import assignments, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
SESSION_MS = 6000  # the broker's minimum session timeout
FROZEN = 11  # seconds: past the session timeout, so librdkafka declares the assignment lost


def test_a_broker_frozen_past_the_session_timeout_mid_checkpoint_loses_and_doubles_nothing(
        chaos_pipeline: Callable[[], Pipeline], kafka: tuple[str, KafkaBroker | None]) -> None:
    broker = kafka[1]
    if broker is None:
        pytest.skip("Kafka is external (KAFKA_BROKERS): the test cannot freeze it")
    p = chaos_pipeline()
    # A checkpoint interval longer than the freeze: the buffer is held across it. Flushing the lake
    # is left at its default, so the shutdown publish is what completes the lake.
    p.env.update(KAFKA_SESSION_TIMEOUT_MS=str(SESSION_MS), COMMIT_INTERVAL="45", COMMIT_MIN_INTERVAL="45",
                 RETRY_MAX_SECONDS="2")
    del p.env["LAKE_FLUSH_SECONDS"]
    values, valid, malformed = hostile_stream(make_events(6000, seed=121), copies=1, seed=122)
    figures = Figures("broker frozen past session timeout (lost assignment)", runs=1, disruptions=1)
    run = ProcessorRun(p.env, p.log).start()
    run.wait_started(1)
    wait_for(lambda: len(assignments(p.log)) == 1, "the first assignment")
    producer = produce_in_background(p, values[:2000], rate=2000)
    producer.finish_producing()
    time.sleep(2)  # consumed into the checkpoint's buffer; the next checkpoint is ~40 s away
    pid = int(broker.pid_file.read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(FROZEN)
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_for(lambda: len(assignments(p.log)) >= 2 or run.proc is None or run.proc.poll() is not None,
             "the partitions given back after the freeze")
    assert run.proc is not None and run.proc.poll() is None, f"the processor died after the freeze: {p.log}"
    produce_in_background(p, values[2000:], rate=4000).finish_producing()
    time.sleep(3)
    assert run.proc.poll() is None, f"the processor died after the freeze: {p.log}"
    assert run.stop(timeout=120) == 0, f"the processor did not stop cleanly: {p.log}"  # SIGTERM: last checkpoint
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic), timeout=5)
    check_speed_layer(figures, p.url, p.data, valid)
    check_dead_letters(figures, p.brokers, p.topic + "-dlq", malformed)
    FIGURES.append(figures)
    assert figures.exact(), figures
