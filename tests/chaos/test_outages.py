"""Chaos: the broker SIGKILLed and restarted, PostgreSQL stopped 30 s, the lake read-only, the disk full."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from common.kafka import end_offsets
from common.retry import within
from devstack.kafka import KafkaBroker
from devstack.postgres import PostgresCluster

from ..helpers import read_only
from ..processes import descendants
from ..processor.harness import PARTITIONS, Pipeline, ProcessorRun, encode, lake_events, make_events, produce, wait_caught_up
from ..processor.hostile import hostile_stream
from .oracle import FIGURES, Figures, check_dead_letters, check_speed_layer
from .streams import finish, is_ready, produce_in_background

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


def outage(p: Pipeline, scenario: str, events: int, rate: float, seed: int,
           down: Callable[[ProcessorRun], None], up: Callable[[ProcessorRun], None], start: float, length: float) -> None:
    """Produce a hostile stream; ``start`` s in, take something away for ``length`` s; then check exactness."""
    p.env["RETRY_MAX_SECONDS"] = "2"
    values, valid, malformed = hostile_stream(make_events(events, seed=seed), copies=1, seed=seed + 1)
    figures = Figures(scenario, runs=1, disruptions=1)
    run = ProcessorRun(p.env, p.log).start()
    run.wait_started(1)  # the outage hits a running processor, not one still starting
    producer = produce_in_background(p, values, rate=rate)
    time.sleep(start)
    down(run)
    try:
        time.sleep(length)
        assert run.proc is not None and run.proc.poll() is None, f"the processor died during the outage: {p.log}"
    finally:
        up(run)
    producer.finish_producing()
    finish(p, run)
    check_speed_layer(figures, p.url, p.data, valid)
    check_dead_letters(figures, p.brokers, p.topic + "-dlq", malformed)
    FIGURES.append(figures)
    assert figures.exact(), figures


def becomes(run: ProcessorRun, ready: bool, timeout: float = 30) -> bool:
    """Whether ``/ready`` says ``ready`` within ``timeout`` seconds."""
    return within(lambda: is_ready(run) == ready, timeout, interval=0.2)


def test_a_broker_killed_and_restarted_mid_stream_loses_and_doubles_nothing(
        chaos_pipeline: Callable[[], Pipeline], kafka: tuple[str, KafkaBroker | None]) -> None:
    broker = kafka[1]
    if broker is None:
        pytest.skip("Kafka is external (KAFKA_BROKERS): the test cannot kill it")
    outage(chaos_pipeline(), "broker SIGKILLed mid-stream, restarted", 15_000, 1500, 81,
           lambda _: broker.kill(), lambda _: broker.start(), start=4, length=3)


def test_postgres_stopped_for_thirty_seconds_mid_stream_loses_and_doubles_nothing(
        chaos_pipeline: Callable[[], Pipeline], postgres: tuple[str, PostgresCluster | None]) -> None:
    cluster = postgres[1]
    if cluster is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): the test cannot stop it")
    p = chaos_pipeline()
    outage(p, "PostgreSQL stopped 30 s mid-stream", 20_000, 500, 91,
           lambda _: cluster.stop("immediate"), lambda _: cluster.start(), start=5, length=30)
    assert "retrying" in p.log.read_text()


def published_every_partition(p: Pipeline, timeout: float = 60) -> None:
    """Until the lake holds a file of each partition: the publishing connection has been used."""
    assert within(lambda: {f.name.split("-")[-3] for f in (p.data / "events").rglob("part-*.parquet")}
                  == {"0", "1", "2", "3"}, timeout, interval=0.2), \
        f"no first publish of every partition within {timeout}s: {p.log}"


def test_sigterm_after_a_postgres_outage_publishes_every_staged_event_with_the_default_flush_interval(
        chaos_pipeline: Callable[[], Pipeline], postgres: tuple[str, PostgresCluster | None]) -> None:
    """With ``LAKE_FLUSH_SECONDS`` and ``COMMIT_INTERVAL`` at their defaults the shutdown publish is what
    completes the lake; its connection sat idle since the first publish and died in the outage."""
    cluster = postgres[1]
    if cluster is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): the test cannot stop it")
    p = chaos_pipeline()
    del p.env["LAKE_FLUSH_SECONDS"], p.env["COMMIT_INTERVAL"]

    def down(_: ProcessorRun) -> None:
        published_every_partition(p)  # first sight of each partition: published at once, then idle
        cluster.stop("immediate")

    outage(p, "PostgreSQL stopped 5 s, then SIGTERM (defaults)", 10_000, 1000, 121,
           down, lambda _: cluster.start(), start=0, length=5)
    log = p.log.read_text()
    assert "died while idle" in log and "stopped cleanly" in log, p.log


def logged(p: Pipeline, text: str, timeout: float = 60) -> None:
    assert within(lambda: text in p.log.read_text(), timeout), f"{text!r} not logged within {timeout}s: {p.log}"


def test_sigterm_during_a_postgres_outage_reports_each_partition_left_and_a_second_one_exits_at_once(
        chaos_pipeline: Callable[[], Pipeline], postgres: tuple[str, PostgresCluster | None]) -> None:
    """Staged events that cannot reach the lake at shutdown are named, partition by partition; the
    shutdown publish gives up at a second SIGTERM; the next start publishes them."""
    cluster = postgres[1]
    if cluster is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): the test cannot stop it")
    p = chaos_pipeline()
    del p.env["LAKE_FLUSH_SECONDS"]  # the default: the second half stays staged until the shutdown
    events = make_events(4000, seed=131)
    figures = Figures("PostgreSQL down at SIGTERM, 2nd SIGTERM, restart", runs=2, disruptions=1)
    run = ProcessorRun(p.env, p.log).start()
    for half in (events[:2000], events[2000:]):
        produce(p.brokers, p.topic, [encode(e) for e in half], PARTITIONS)
        wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    cluster.stop("immediate")
    try:
        assert run.proc is not None
        run.proc.send_signal(signal.SIGTERM)
        logged(p, "publishing the staged events before exit")
        run.proc.send_signal(signal.SIGTERM)
        assert run.proc.wait(timeout=15) == 0
    finally:
        cluster.start()
    next_start_publishes_what_was_left(p, events, figures)


def next_start_publishes_what_was_left(p: Pipeline, events: list[dict[str, object]], figures: Figures) -> None:
    """Each partition was named as left staged; a next start publishes it all, and the run is exact."""
    log = p.log.read_text()
    assert all(f"{p.topic}[{n}]: staged events left for the next start to publish" in log for n in range(4)), p.log
    again = ProcessorRun(p.env, p.log).start()
    within(lambda: len(lake_events(p.data)) >= len(events), 60, interval=0.5)
    assert again.stop(timeout=60) == 0
    check_speed_layer(figures, p.url, p.data, events)
    FIGURES.append(figures)
    assert figures.exact(), figures


@contextmanager
def frozen(cluster: PostgresCluster) -> Iterator[None]:
    """PostgreSQL alive but silent (every process SIGSTOPped): a network partition, not an outage."""
    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    pids = [postmaster, *descendants(postmaster)]
    try:
        signal_each(pids, signal.SIGSTOP)
        yield
    finally:  # every process resumed, even when one of them has gone meanwhile (else the rest stay frozen)
        signal_each(pids, signal.SIGCONT)


def signal_each(pids: list[int], sig: signal.Signals) -> None:
    """``sig`` to every process of ``pids`` still there: one that exited between the listing and now is skipped."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def test_sigterm_while_postgres_is_frozen_exits_in_bounded_time_and_the_next_start_publishes_the_rest(
        chaos_pipeline: Callable[[], Pipeline], postgres: tuple[str, PostgresCluster | None]) -> None:
    """The shutdown publish blocks on a PostgreSQL that neither answers nor closes (the kernel still
    acknowledges every packet, so keepalives never end it): SHUTDOWN_PUBLISH_SECONDS bounds it."""
    cluster = postgres[1]
    if cluster is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): the test cannot freeze it")
    p = chaos_pipeline()
    del p.env["LAKE_FLUSH_SECONDS"]  # the default: the second half stays staged until the shutdown
    p.env["SHUTDOWN_PUBLISH_SECONDS"] = "3"
    events = make_events(4000, seed=141)
    figures = Figures("PostgreSQL frozen at SIGTERM, restart", runs=2, disruptions=1)
    run = ProcessorRun(p.env, p.log).start()
    for half in (events[:2000], events[2000:]):
        produce(p.brokers, p.topic, [encode(e) for e in half], PARTITIONS)
        wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    assert run.proc is not None
    try:
        with frozen(cluster):
            code = run.stop(timeout=30)
    finally:
        if run.proc.poll() is None:
            run.kill()
    assert code == 0
    next_start_publishes_what_was_left(p, events, figures)


def test_a_read_only_lake_for_a_while_gives_one_clear_line_not_ready_and_no_loss(
        chaos_pipeline: Callable[[], Pipeline]) -> None:
    p = chaos_pipeline()
    seen: dict[str, bool] = {}
    stack = ExitStack()

    def lock(run: ProcessorRun) -> None:
        stack.enter_context(read_only(p.data / "events"))
        seen["not ready while read-only"] = becomes(run, ready=False)

    def unlock(run: ProcessorRun) -> None:
        stack.close()
        seen["ready again"] = becomes(run, ready=True)

    outage(p, "lake folder read-only for 10 s", 20_000, 1500, 101, lock, unlock, start=3, length=10)
    assert seen == {"not ready while read-only": True, "ready again": True}
    assert p.log.read_text().count("lake not writable") == 1 and "lake writable again" in p.log.read_text()


@contextmanager
def small_disk(folder: Path, size: str = "64m", inodes: int | None = None) -> Iterator[None]:
    """``folder`` on a file system of its own (tmpfs) that a test can fill up (bytes or inodes); needs mount rights."""
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (f",nr_inodes={inodes}" if inodes else "")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): the disk-full scenario is skipped")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def space_runs_out_for_a_while(p: Pipeline, scenario: str, seed: int, take: Callable[[], None],
                               give_back: Callable[[], None], size: str = "64m", inodes: int | None = None) -> None:
    """``DATA_DIR`` on a small tmpfs whose space ``take`` uses up for 10 s mid-stream: the processor is
    not ready meanwhile, ready again after ``give_back``, says "No space left on device" once, and
    loses and doubles nothing."""
    seen: dict[str, bool] = {}

    def fill(run: ProcessorRun) -> None:
        with contextlib.suppress(OSError):  # ENOSPC once the file system is full
            take()
        seen["not ready while full"] = becomes(run, ready=False)

    def free(run: ProcessorRun) -> None:
        give_back()
        seen["ready again"] = becomes(run, ready=True)

    with small_disk(p.data, size, inodes):
        outage(p, scenario, 20_000, 1500, seed, fill, free, start=3, length=10)
    assert seen == {"not ready while full": True, "ready again": True}
    log = p.log.read_text()
    assert "No space left on device" in log and log.count("lake not writable") <= 1


def test_a_full_disk_for_a_while_gives_clear_lines_not_ready_and_no_loss_when_space_returns(
        chaos_pipeline: Callable[[], Pipeline]) -> None:
    p = chaos_pipeline()
    filler = p.data / "filler"

    def take() -> None:
        with open(filler, "wb", buffering=0) as f:  # the whole DATA_DIR: staging and lake alike
            while True:
                f.write(b"\0" * (1 << 20))

    space_runs_out_for_a_while(p, "DATA_DIR disk full for 10 s", 111, take, filler.unlink)


def test_running_out_of_inodes_for_a_while_gives_clear_lines_not_ready_and_no_loss_when_they_return(
        chaos_pipeline: Callable[[], Pipeline]) -> None:
    p = chaos_pipeline()
    fillers = p.data / "inodes"

    def take() -> None:
        fillers.mkdir()
        for n in range(1_000_000):
            (fillers / str(n)).touch()

    def give_back() -> None:
        for f in fillers.iterdir():
            f.unlink()

    # Room for bytes, few inodes: staging and lake files need them.
    space_runs_out_for_a_while(p, "DATA_DIR out of inodes for 10 s", 121, take, give_back, size="256m", inodes=4096)
