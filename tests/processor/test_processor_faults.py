"""Fault injection on the real processor with a lake in a bucket: SIGKILLs, a host lost for good, a bucket outage.

The same faults with a lake in a folder, and PostgreSQL and broker restarts, are in the chaos suite
(tests/chaos/), whose oracle also checks the dead letters."""

from __future__ import annotations

import random
import shutil
import threading
import time
from collections.abc import Callable

import pytest

from common.kafka import end_offsets
from common.retry import within
from common.s3 import S3Options
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


def test_three_sigkills_with_a_lake_in_a_bucket_leave_exact_totals_and_lake(new_pipeline: Callable[..., Pipeline]) -> None:
    """The chaos suite's kills use a lake in a folder (tests/chaos/test_processor_kills.py); this is the bucket's."""
    p = new_pipeline("s3")
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


def test_two_hosts_sharing_a_bucket_keep_it_exact_when_one_of_them_dies_for_good(
        new_pipeline: Callable[..., Pipeline]) -> None:
    p = new_pipeline("s3")
    p.env["LAKE_FLUSH_SECONDS"] = "1"
    events = make_events(30_000, seed=61)
    hosts = [ProcessorRun(p.env | {"DATA_DIR": str(p.data / host)}, p.data.with_name(f"{p.topic}-{host}.log"))
             for host in ("host-a", "host-b")]
    doomed, survivor = hosts
    doomed.start().wait_started(1)
    survivor.start().wait_started(1)  # both consume before the stream starts: a slow start cannot outlast it
    producer = produce_in_background(p, [encode(e) for e in events], rate=2000)
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
        assert within(lambda: "cannot write s3://" in p.log.read_text(), 60, interval=0.3), "no publish met the outage"
    finally:
        server.start()
    assert run.proc is not None and run.proc.poll() is None, "the processor died during the outage"
    finish(p, run)
    assert database_totals(p.url) == expected_totals(before + during)
    assert lake_events(p.lake) == expected_lake(before + during)
    assert "retrying" in p.log.read_text()
