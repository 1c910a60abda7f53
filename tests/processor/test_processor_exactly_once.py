"""The speed layer end to end on a real broker and PostgreSQL: exact lake and totals."""

from __future__ import annotations

import random
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from common.kafka import end_offsets, ensure_topic
from common.lake_store import LakeStore

from ..helpers import consume_all
from ..services import create_bucket, delete_bucket, provisioned_database, s3_env, unique
from .harness import (
    MALFORMED,
    PARTITIONS,
    T13,
    Pipeline,
    ProcessorRun,
    database_totals,
    encode,
    expected_lake,
    expected_totals,
    lake_events,
    lake_store,
    make_events,
    processor_env,
    produce,
    scrape_until,
    wait_caught_up,
)

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class MixedRun:
    """One processor run over the mixed set, and what it left."""

    url: str
    topic: str
    brokers: str
    lake: LakeStore  # the data folder's events/, or a bucket
    log: Path
    events: list[dict[str, object]]  # the valid events produced
    code: int  # the processor's exit code after SIGTERM
    metrics: str  # /metrics once caught up
    ready: int  # /ready's status once caught up


@pytest.fixture(scope="module", params=["local", "s3"])
def mixed_run(request: pytest.FixtureRequest, kafka_brokers: str, postgres_url: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[MixedRun]:
    """Three hours out of order, hour-late events produced last, malformed messages mixed in; the
    lake in the data folder, or in a bucket of the real S3 server."""
    tmp = tmp_path_factory.mktemp("mixed")
    with ExitStack() as stack:
        url = stack.enter_context(provisioned_database(postgres_url))
        lake_env: dict[str, str] = {}
        if request.param == "s3":
            s3 = request.getfixturevalue("s3")
            bucket = create_bucket(s3)
            stack.callback(delete_bucket, s3, bucket)
            lake_env = s3_env(s3, f"s3://{bucket}/lake")
        yield run_mixed(kafka_brokers, url, tmp, lake_env)


def run_mixed(kafka_brokers: str, url: str, tmp: Path, lake_env: dict[str, str]) -> MixedRun:
    topic = unique("devices")
    ensure_topic(kafka_brokers, topic, PARTITIONS)
    events = make_events(6000, seed=11)
    late = [dict(e, timestamp=T13 + i) for i, e in enumerate(make_events(300, seed=12, hours=1))]
    values = [encode(e) for e in events]
    rng = random.Random(5)
    for bad in MALFORMED * 3:
        values.insert(rng.randrange(len(values)), bad)
    env = processor_env(kafka_brokers, topic, url, tmp / "data", unique("group")) | lake_env
    run = ProcessorRun(env, tmp / "log").start()
    produce(kafka_brokers, topic, values, PARTITIONS)
    time.sleep(3)  # the newest hour has been seen: what follows is an hour late
    produce(kafka_brokers, topic, [encode(e) for e in late], PARTITIONS)
    wait_caught_up(url, topic, end_offsets(kafka_brokers, topic))
    metrics = scrape_until(run.metrics_port, "processor_consumer_lag{")
    ready = urllib.request.urlopen(f"http://127.0.0.1:{run.metrics_port}/ready").status
    code = run.stop()
    return MixedRun(url=url, topic=topic, brokers=kafka_brokers, lake=lake_store(env), log=tmp / "log",
                    events=events + late, code=code, metrics=metrics, ready=ready)


def test_every_five_minute_total_equals_the_exact_sum_including_hour_late_events(mixed_run: MixedRun) -> None:
    assert database_totals(mixed_run.url) == expected_totals(mixed_run.events)


def test_the_lake_holds_every_valid_event_exactly_once_in_its_utc_hour(mixed_run: MixedRun) -> None:
    assert lake_events(mixed_run.lake) == expected_lake(mixed_run.events)


def test_the_dead_letter_topic_holds_exactly_the_malformed_messages_with_reason_and_source(mixed_run: MixedRun) -> None:
    letters = consume_all(mixed_run.brokers, mixed_run.topic + "-dlq")
    assert sorted(m.value() or b"" for m in letters) == sorted(MALFORMED * 3)
    for m in letters:
        headers = dict(m.headers() or [])
        assert headers["dlq.source.topic"].decode() == mixed_run.topic
        assert int(headers["dlq.source.partition"]) in range(PARTITIONS) and int(headers["dlq.source.offset"]) >= 0
        assert headers["dlq.reason"] and headers["dlq.category"]


def test_sigterm_stops_the_processor_with_exit_code_zero(mixed_run: MixedRun) -> None:
    assert mixed_run.code == 0


def test_metrics_count_consumed_written_dead_lettered_and_late_events(mixed_run: MixedRun) -> None:
    text = mixed_run.metrics
    values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines() if line and not line.startswith("#")}
    assert values["processor_events_written_total"] == len(mixed_run.events)
    assert sum(v for k, v in values.items() if k.startswith("processor_events_dead_lettered_total")) == len(MALFORMED) * 3
    assert sum(v for k, v in values.items() if k.startswith("processor_events_consumed_total")) >= len(mixed_run.events) + 21
    assert values["processor_late_events_total"] >= 300
    assert any(k.startswith("processor_consumer_lag{") for k in values)
    assert mixed_run.ready == 200


def test_log_lines_about_a_rejected_message_name_its_topic_partition_and_offset(mixed_run: MixedRun) -> None:
    log = mixed_run.log.read_text()
    assert f"dead-lettered {mixed_run.topic}[" in log and "]@" in log


def test_a_late_event_corrects_its_five_minute_row(new_pipeline: Callable[..., Pipeline]) -> None:
    pipeline = new_pipeline()
    on_time = {"bytes": 100, "timestamp": T13 + 10, "app": "A", "id": "u", "antenna_id": "x"}
    much_later = {"bytes": 1, "timestamp": T13 + 7200, "app": "A", "id": "u", "antenna_id": "x"}
    late = {"bytes": 5, "timestamp": T13 + 20, "app": "A", "id": "u", "antenna_id": "x"}
    run = ProcessorRun(pipeline.env, pipeline.log).start()
    produce(pipeline.brokers, pipeline.topic, [encode(on_time), encode(much_later)], 1)
    wait_caught_up(pipeline.url, pipeline.topic, {0: 2})
    produce(pipeline.brokers, pipeline.topic, [encode(late)], 1)
    wait_caught_up(pipeline.url, pipeline.topic, {0: 3})
    assert run.stop() == 0
    assert database_totals(pipeline.url) == expected_totals([on_time, much_later, late])
