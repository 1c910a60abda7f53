"""Fault injection on the real processor: SIGKILLs, scale-out with rebalances, a PostgreSQL restart."""

from __future__ import annotations

import random
import shutil
import threading
import time
from collections.abc import Callable

import pytest

from common.kafka import end_offsets
from common.s3 import S3Options
from devstack.kafka import KafkaBroker
from devstack.postgres import PostgresCluster
from devstack.s3 import S3Server

from .harness import (
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
    wait_caught_up,
)

pytestmark = pytest.mark.integration


def produce_in_background(p: Pipeline, values: list[bytes], rate: float) -> threading.Thread:
    thread = threading.Thread(target=produce, args=(p.brokers, p.topic, values, PARTITIONS, rate))
    thread.start()
    return thread


def finish(p: Pipeline, *runs: ProcessorRun) -> None:
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic), timeout=180)
    for run in runs:
        assert run.stop() == 0


@pytest.mark.parametrize("lake", ["local", "s3"])
def test_three_sigkills_during_production_leave_exact_totals_and_lake(
        new_pipeline: Callable[..., Pipeline], lake: str) -> None:
    p = new_pipeline(lake)
    p.env["LAKE_FLUSH_SECONDS"] = "1"
    events = make_events(24_000, seed=21)
    producer = produce_in_background(p, [encode(e) for e in events], rate=2500)
    rng = random.Random(3)
    for started in range(1, 4):
        run = ProcessorRun(p.env, p.log).start()
        run.wait_started(started)
        time.sleep(rng.uniform(0.5, 2.0))
        run.kill()
    producer.join()
    run = ProcessorRun(p.env, p.log).start()
    finish(p, run)
    assert database_totals(p.url) == expected_totals(events)
    assert lake_events(p.lake) == expected_lake(events)
    assert p.log.read_text().count("The application started") == 4


def test_two_processors_in_one_group_give_the_tables_one_processor_gives(new_pipeline: Callable[..., Pipeline]) -> None:
    events = make_events(16_000, seed=31)
    values = [encode(e) for e in events]
    single = new_pipeline()
    produce(single.brokers, single.topic, values, PARTITIONS)
    finish(single, ProcessorRun(single.env, single.log).start())

    pair = new_pipeline()
    first = ProcessorRun(pair.env, pair.log).start()
    producer = produce_in_background(pair, values, rate=2000)
    first.wait_started(1)
    time.sleep(2.5)
    second = ProcessorRun(pair.env, pair.log).start()  # a rebalance mid-stream
    producer.join()
    finish(pair, first, second)
    assert database_totals(pair.url) == database_totals(single.url) == expected_totals(events)
    assert lake_events(pair.lake) == lake_events(single.lake) == expected_lake(events)


def test_two_hosts_sharing_a_bucket_keep_it_exact_when_one_of_them_dies_for_good(
        new_pipeline: Callable[..., Pipeline]) -> None:
    p = new_pipeline("s3")
    p.env["LAKE_FLUSH_SECONDS"] = "1"
    events = make_events(30_000, seed=61)
    hosts = [ProcessorRun(p.env | {"DATA_DIR": str(p.data / host)}, p.data.with_name(f"{p.topic}-{host}.log"))
             for host in ("host-a", "host-b")]
    doomed, survivor = hosts
    doomed.start().wait_started(1)
    producer = produce_in_background(p, [encode(e) for e in events], rate=2000)
    survivor.start().wait_started(1)
    time.sleep(3.0)
    assert producer.is_alive(), "the host must die mid-stream"
    doomed.kill()  # for good, and its disk with it: nothing on it may be needed
    shutil.rmtree(p.data / "host-a")
    producer.join()
    finish(p, survivor)  # the survivor takes the dead host's partitions once its session expires
    assert database_totals(p.url) == expected_totals(events)
    assert lake_events(p.lake) == expected_lake(events)
    assert "published" in doomed.log.read_text()
    assert not any((p.data / "host-b" / folder).exists() for folder in ("events", "staging"))


def survive_outage(p: Pipeline, events: list[dict[str, object]], down: Callable[[], None],
                   up: Callable[[], None], outage: float) -> None:
    """Produce in the background, take a service away mid-stream, bring it back, check exactness."""
    p.env["RETRY_MAX_SECONDS"] = "2"
    run = ProcessorRun(p.env, p.log).start()
    producer = produce_in_background(p, [encode(e) for e in events], rate=1500)
    run.wait_started(1)  # the outage must hit a running processor, not its start-up checks
    time.sleep(2.0)
    down()
    time.sleep(outage)
    up()
    producer.join()
    assert run.proc is not None and run.proc.poll() is None, "the processor died during the outage"
    finish(p, run)
    assert database_totals(p.url) == expected_totals(events)
    assert lake_events(p.lake) == expected_lake(events)


def test_a_postgres_restart_mid_stream_loses_nothing(
        new_pipeline: Callable[..., Pipeline], postgres: tuple[str, PostgresCluster | None]) -> None:
    cluster = postgres[1]
    if cluster is None:
        pytest.skip("PostgreSQL is external (DATABASE_URL): the test cannot restart it")
    p = new_pipeline()
    # "immediate" is a crash of the database, mid-transaction.
    survive_outage(p, make_events(12_000, seed=41), lambda: cluster.stop("immediate"), cluster.start, outage=5.0)
    assert "retrying" in p.log.read_text()


def test_a_broker_restart_mid_stream_loses_nothing(
        new_pipeline: Callable[..., Pipeline], kafka: tuple[str, KafkaBroker | None]) -> None:
    broker = kafka[1]
    if broker is None:
        pytest.skip("Kafka is external (KAFKA_BROKERS): the test cannot restart it")
    # The test's producer buffers while the broker is away and delivers once it is back.
    survive_outage(new_pipeline(), make_events(12_000, seed=51), broker.stop, broker.start, outage=3.0)


def test_a_bucket_outage_mid_stream_loses_nothing(
        new_pipeline: Callable[..., Pipeline], s3_server: tuple[S3Options, S3Server | None]) -> None:
    server = s3_server[1]
    if server is None:
        pytest.skip("the S3 server is external (AWS_ENDPOINT_URL): the test cannot restart it")
    p = new_pipeline("s3")
    p.env.update(LAKE_FLUSH_SECONDS="1", RETRY_MAX_SECONDS="2")
    before, during = make_events(4_000, seed=71), make_events(4_000, seed=72)
    run = ProcessorRun(p.env, p.log).start()
    run.wait_started(1)
    produce(p.brokers, p.topic, [encode(e) for e in before], PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic))
    server.stop()
    try:
        produce(p.brokers, p.topic, [encode(e) for e in during], PARTITIONS)  # committed, not publishable
        deadline = time.monotonic() + 60
        while "cannot write s3://" not in p.log.read_text():
            assert time.monotonic() < deadline, "no publish met the outage"
            time.sleep(0.3)
    finally:
        server.start()
    assert run.proc is not None and run.proc.poll() is None, "the processor died during the outage"
    finish(p, run)
    assert database_totals(p.url) == expected_totals(before + during)
    assert lake_events(p.lake) == expected_lake(before + during)
    assert "retrying" in p.log.read_text()
