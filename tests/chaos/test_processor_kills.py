"""Chaos: the processor SIGKILLed at random moments while a hostile stream is produced."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from ..processor.harness import Pipeline, ProcessorRun, make_events
from ..processor.hostile import hostile_stream
from .oracle import FIGURES, Figures, check_dead_letters, check_speed_layer
from .streams import finish, produce_in_background

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
KILLS = 6


def test_six_sigkills_during_a_hostile_stream_lose_and_double_nothing(chaos_pipeline: Callable[[], Pipeline]) -> None:
    p = chaos_pipeline()
    values, valid, malformed = hostile_stream(make_events(30_000, seed=61), copies=2, seed=62)
    figures = Figures("processor: 6 SIGKILLs, hostile messages mixed in")
    # about two minutes, and the last 2,000 trickle until the end: every kill lands while events arrive
    producer = produce_in_background(p, values, rate=500, reserve=2000)
    rng = random.Random(63)
    for started in range(1, KILLS + 1):
        run = ProcessorRun(p.env, p.log).start()
        run.wait_started(started)
        time.sleep(rng.uniform(0.2, 3.0))  # anywhere in a checkpoint: parsing, staging, DLQ, COMMIT, publish
        assert run.proc is not None and run.proc.poll() is None, f"the processor died by itself: see {p.log}"
        run.kill()
        figures.runs, figures.disruptions = figures.runs + 1, figures.disruptions + 1
    assert producer.is_alive(), "production ended before the last kill: slow the producer down"
    producer.finish_producing()
    last = ProcessorRun(p.env, p.log).start()
    figures.runs += 1
    finish(p, last)
    check_speed_layer(figures, p.url, p.data, valid)
    check_dead_letters(figures, p.brokers, p.topic + "-dlq", malformed)
    FIGURES.append(figures)
    assert figures.exact(), figures
