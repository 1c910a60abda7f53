"""Chaos: a phone with a broken clock (every event in an hour of its own) and the open-files limit a
service gets from systemd, with the settings a user keeps: the shutdown publish writes the lake."""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
from collections.abc import Callable

import pytest

from common.kafka import end_offsets

from ..processor.harness import PARTITIONS, Pipeline, ProcessorRun, encode, make_events, produce, wait_caught_up
from .oracle import FIGURES, Figures, check_speed_layer

pytestmark = [pytest.mark.integration, pytest.mark.chaos]
OPEN_FILES = 1024  # systemd's default soft LimitNOFILE for a service
HOURS = 2000
FIRST_HOUR = 8784  # 1971-01-01T00:00Z, in hours since the epoch
LAST_HOUR = 1_998_840  # 2198-12-31T00:00Z


class LimitedRun(ProcessorRun):
    """The processor with a soft RLIMIT_NOFILE of ``OPEN_FILES``, as a systemd service has."""

    def start(self) -> LimitedRun:
        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
        env = {**os.environ, **self.env, "METRICS_PORT": str(self.metrics_port)}
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "processor"], env=env, stdout=out, stderr=out,
                                         preexec_fn=limit)
        return self


def broken_clock(count: int, seed: int) -> list[dict[str, object]]:
    """``count`` valid events of one phone, each in a different UTC hour between 1971 and 2199."""
    rng = random.Random(seed)
    hours = rng.sample(range(FIRST_HOUR, LAST_HOUR), count)
    return [{"bytes": rng.randrange(10000), "timestamp": h * 3600 + rng.randrange(3600), "app": "CLOCK",
             "id": "broken-phone", "antenna_id": "antenna-0"} for h in hours]


def test_a_phone_with_a_broken_clock_under_the_default_open_files_limit_reaches_the_lake_at_sigterm(
        new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    p.env.pop("LAKE_FLUSH_SECONDS")  # the default (300 s): the shutdown publish is what writes the lake
    figures = Figures(f"processor: {HOURS} events in {HOURS} hours, {OPEN_FILES} files")
    run = LimitedRun(p.env, p.log).start()
    run.wait_started(1)
    warm_up = make_events(400, seed=171)  # every partition seen once (its first-sight publish done)
    produce(p.brokers, p.topic, [encode(e) for e in warm_up], PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    clock, normal = broken_clock(HOURS, seed=172), make_events(3 * HOURS, seed=173)
    # Round-robin over the partitions: every 4th message goes to partition 0, the broken clock's.
    values = [encode(e) for i, c in enumerate(clock) for e in (c, *normal[3 * i:3 * i + 3])]
    produce(p.brokers, p.topic, values, PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    assert run.stop(timeout=120) == 0, f"the processor did not stop cleanly: see {p.log}"
    figures.runs = figures.disruptions = 1
    check_speed_layer(figures, p.url, p.data, warm_up + clock + normal)
    FIGURES.append(figures)
    assert figures.exact(), figures
    assert "Too many open files" not in p.log.read_text()
