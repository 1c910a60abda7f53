"""Chaos: two processors in one group; one SIGKILLed and restarted, the other frozen past its poll interval."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from common.retry import wait_until

from ..processor.harness import PARTITIONS, Pipeline, ProcessorRun, make_events
from ..processor.hostile import hostile_stream
from .oracle import FIGURES, Figures, check_dead_letters, check_speed_layer
from .streams import finish, produce_in_background

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
SESSION_MS, MAX_POLL_MS = 6000, 7000  # the broker's minimum session timeout is 6 s


def assignments(log: Path) -> list[set[int]]:
    """Every assignment a processor logged, in order (partition numbers)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return [{int(n) for n in re.findall(r"\[(\d+)\]@", line)} for line in text.splitlines() if " assigned " in line]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    wait_until(condition, timeout, interval=0.2, what=what)


def test_a_killed_member_and_a_frozen_zombie_lose_and_double_nothing(chaos_pipeline: Callable[[], Pipeline]) -> None:
    p = chaos_pipeline()
    p.env.update(KAFKA_SESSION_TIMEOUT_MS=str(SESSION_MS), KAFKA_MAX_POLL_INTERVAL_MS=str(MAX_POLL_MS))
    values, valid, malformed = hostile_stream(make_events(40_000, seed=71), copies=1, seed=72)
    figures = Figures("processor: 2 in a group, kill+restart, SIGSTOP zombie", runs=3, disruptions=2)
    logs = [p.log.with_name(f"{p.log.stem}-{name}.log") for name in ("first", "zombie", "again")]
    first, zombie = ProcessorRun(p.env, logs[0]).start(), ProcessorRun(p.env, logs[1]).start()
    everything = set(range(PARTITIONS))
    wait_for(lambda: bool(assignments(logs[0])) and bool(assignments(logs[1])), "both members own partitions")
    producer = produce_in_background(p, values, rate=500, reserve=2000)  # the last 2,000 trickle until the end
    time.sleep(3)
    first.kill()  # mid-stream: its partitions move to the other member...
    wait_for(lambda: assignments(logs[1])[-1] == everything, "the survivor owns every partition")
    again = ProcessorRun(p.env, logs[2]).start()  # ...and some come back
    wait_for(lambda: bool(assignments(logs[2])) and assignments(logs[1])[-1] != everything, "a rebalance back")
    time.sleep(2)
    assert zombie.proc is not None
    zombie.proc.send_signal(signal.SIGSTOP)  # frozen, perhaps inside a checkpoint holding row locks
    before = len(assignments(logs[1]))
    time.sleep((SESSION_MS + MAX_POLL_MS) / 1000 + 2)  # past its session and poll interval: the group drops it
    if assignments(logs[2])[-1] == everything:
        figures.notes.append("the other member took every partition while the zombie was frozen")
    zombie.proc.send_signal(signal.SIGCONT)  # it wakes up believing it still owns its partitions
    wait_for(lambda: "rejoining" in logs[1].read_text() or len(assignments(logs[1])) > before,
             "the zombie noticing it was replaced, and rejoining")
    assert producer.is_alive(), "production ended before the zombie woke up: slow the producer down"
    producer.finish_producing()
    assert zombie.proc.poll() is None and again.proc is not None and again.proc.poll() is None, logs
    finish(p, again, zombie)
    check_speed_layer(figures, p.url, p.data, valid)
    check_dead_letters(figures, p.brokers, p.topic + "-dlq", malformed)
    FIGURES.append(figures)
    assert figures.exact(), figures
