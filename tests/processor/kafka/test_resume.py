"""Where the processor starts each partition: PostgreSQL's offsets, always, and never a silent skip.

The first test guards the private Quix hook (``ResumingApplication._on_assign``): Kafka's committed
offsets are pushed past PostgreSQL's on purpose; the processor must ignore them.
"""

from __future__ import annotations

import re
import signal
import time
import urllib.request
from collections.abc import Callable

import pytest
from confluent_kafka import Consumer
from confluent_kafka import TopicPartition as KafkaPartition
from confluent_kafka.admin import AdminClient

from common.kafka import end_offsets
from common.retry import within

from ...helpers import query, read_only
from ..harness import (
    PARTITIONS,
    Pipeline,
    ProcessorRun,
    database_totals,
    encode,
    expected_lake,
    expected_totals,
    lake_events,
    make_events,
    produce,
    scrape_until,
    wait_caught_up,
)

pytestmark = pytest.mark.integration


def offsets(p: Pipeline) -> dict[int, int]:
    return dict(query(p.url, "SELECT partition, next_offset FROM processor_offsets WHERE topic = %s", (p.topic,)))


def run_until_caught_up(p: Pipeline) -> str:
    """Start the processor, wait until PostgreSQL reaches the end of the topic, scrape /metrics, stop."""
    run = ProcessorRun(p.env, p.log).start()
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{run.metrics_port}/metrics").read().decode()
    assert run.stop() == 0
    return metrics


def test_kafka_offsets_committed_ahead_of_postgresql_are_ignored_on_restart(new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    first, second = make_events(400, seed=1), make_events(400, seed=2)
    produce(p.brokers, p.topic, [encode(e) for e in first], PARTITIONS)
    run_until_caught_up(p)
    applied = offsets(p)
    produce(p.brokers, p.topic, [encode(e) for e in second], PARTITIONS)
    ends = end_offsets(p.brokers, p.topic)
    group = Consumer({"bootstrap.servers": p.brokers, "group.id": p.env["CONSUMER_GROUP"], "enable.auto.commit": False})
    group.commit(offsets=[KafkaPartition(p.topic, n, end) for n, end in ends.items()], asynchronous=False)
    group.close()  # Kafka now says everything was consumed; PostgreSQL says the second 400 were not
    run_until_caught_up(p)
    assigned = re.findall(rf"{p.topic}\[(\d+)\]@(-?\d+)", p.log.read_text().split("The application started")[-1])
    assert {int(n): int(at) for n, at in assigned} == applied, "the processor did not resume at PostgreSQL's offsets"
    assert database_totals(p.url) == expected_totals(first + second)
    assert lake_events(p.data) == expected_lake(first + second)


def test_with_latest_a_first_batch_that_failed_is_read_again_not_skipped(new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    p.env.update(AUTO_OFFSET_RESET="latest", RETRY_MAX_SECONDS="1")
    produce(p.brokers, p.topic, [encode(e) for e in make_events(100, seed=3)], PARTITIONS)  # before: not ours
    new = make_events(40, seed=4)
    run = ProcessorRun(p.env, p.log)
    try:
        with read_only(p.data / "staging"):  # the first batch cannot be staged: it fails and is retried
            run.start()
            # the starting point is recorded at once (the group join alone can take the session timeout)
            assert within(lambda: offsets(p) == {n: 25 for n in range(PARTITIONS)}, 90, interval=0.2), offsets(p)
            produce(p.brokers, p.topic, [encode(e) for e in new], PARTITIONS)
            assert within(lambda: "cannot write" in p.log.read_text(), 90, interval=0.2), \
                "the first batch was never refused by the read-only staging"
        wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    except BaseException:
        if run.proc is not None and run.proc.poll() is None:
            run.kill()  # never leave a processor behind to disturb the tests after this one
        raise
    assert run.stop() == 0
    assert database_totals(p.url) == expected_totals(new)
    assert lake_events(p.data) == expected_lake(new)


def test_offsets_kafka_no_longer_holds_are_logged_and_counted_never_skipped_silently(
        new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    first, second = make_events(40, seed=5), make_events(40, seed=6)
    produce(p.brokers, p.topic, [encode(e) for e in first], PARTITIONS)
    run_until_caught_up(p)  # PostgreSQL: next offset 10 in every partition
    produce(p.brokers, p.topic, [encode(e) for e in second], PARTITIONS)  # offsets 10-19
    admin = AdminClient({"bootstrap.servers": p.brokers})  # kept alive until the futures resolve
    deleted = admin.delete_records([KafkaPartition(p.topic, n, 15) for n in range(PARTITIONS)])  # as retention would
    for future in deleted.values():
        future.result(30)
    metrics = run_until_caught_up(p)
    for n in range(PARTITIONS):
        assert f'processor_offset_gap_messages_total{{partition="{n}",topic="{p.topic}"}} 5.0' in metrics
        assert f"{p.topic}[{n}]: offsets 10 to 14 are no longer in Kafka" in p.log.read_text()
    kept = first + [e for j, e in enumerate(second) if j // PARTITIONS >= 5]
    assert database_totals(p.url) == expected_totals(kept)
    assert lake_events(p.data) == expected_lake(kept)


def test_committed_events_reach_the_lake_without_new_traffic(new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    p.env["LAKE_FLUSH_SECONDS"] = "3"
    events = make_events(200, seed=7)
    run = ProcessorRun(p.env, p.log).start()
    run.wait_started(1)
    time.sleep(2)  # the partitions' first checkpoints are behind us: only the timer can publish now
    produce(p.brokers, p.topic, [encode(e) for e in events], PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    wait_lake(p, events, timeout=30)
    run.kill()


def test_a_restart_on_an_idle_topic_publishes_what_a_killed_run_left_staged(new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    p.env["LAKE_FLUSH_SECONDS"] = "300"
    warmup, events = make_events(4, seed=8), make_events(200, seed=9)
    run = ProcessorRun(p.env, p.log).start()
    produce(p.brokers, p.topic, [encode(e) for e in warmup], PARTITIONS)  # first sight: published at once
    wait_lake(p, warmup)
    produce(p.brokers, p.topic, [encode(e) for e in events], PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    run.kill()  # committed, staged, not yet published (LAKE_FLUSH_SECONDS is far away)
    assert lake_events(p.data) == expected_lake(warmup)
    run = ProcessorRun(p.env, p.log).start()  # no new traffic
    wait_lake(p, warmup + events)
    assert run.stop() == 0


def wait_lake(p: Pipeline, events: list[dict[str, object]], timeout: float = 60) -> None:
    assert within(lambda: lake_events(p.data) == expected_lake(events), timeout, interval=0.5), \
        "staged events never reached the lake"


def test_records_deleted_ahead_of_a_running_processor_are_logged_once_counted_and_the_rest_is_exact(
        new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    first, second, third = make_events(40, seed=10), make_events(80, seed=11), make_events(40, seed=12)
    run = ProcessorRun(p.env, p.log).start()
    produce(p.brokers, p.topic, [encode(e) for e in first], PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))  # position 10 in every partition
    assert run.proc is not None
    run.proc.send_signal(signal.SIGSTOP)  # lagging: it reads nothing while records come and go
    try:
        time.sleep(1.5)  # its last fetch request has been answered (fetch.wait.max.ms): none is pending
        produce(p.brokers, p.topic, [encode(e) for e in second], PARTITIONS)  # offsets 10-29
        admin = AdminClient({"bootstrap.servers": p.brokers})  # kept alive until the futures resolve
        for future in admin.delete_records([KafkaPartition(p.topic, 1, 25)]).values():  # as retention would
            future.result(30)
    finally:
        run.proc.send_signal(signal.SIGCONT)
    produce(p.brokers, p.topic, [encode(e) for e in third], PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    metrics = scrape_until(run.metrics_port, f'processor_offset_gap_messages_total{{partition="1",topic="{p.topic}"}} 15.0')
    assert run.stop() == 0
    log = p.log.read_text()
    assert log.count(f"{p.topic}[1]: offsets 10 to 24 are no longer in Kafka") == 1, log[-3000:]
    assert log.count("are no longer in Kafka") == 1
    assert f'processor_offset_gap_messages_total{{partition="1",topic="{p.topic}"}} 15.0' in metrics
    for n in (0, 2, 3):
        assert f'processor_offset_gap_messages_total{{partition="{n}"' not in metrics
    kept = first + [e for j, e in enumerate(second) if j % PARTITIONS != 1 or j // PARTITIONS >= 15] + third
    assert database_totals(p.url) == expected_totals(kept)
    assert lake_events(p.data) == expected_lake(kept)
