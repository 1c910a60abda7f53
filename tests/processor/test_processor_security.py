"""The processor under the security settings: SASL_SSL to Kafka, bounded PostgreSQL sessions, its own role.

One full run goes through the production transport (SASL_SSL: SCRAM over TLS, the certificate
checked); each transport's settings reaching every Kafka client is tested without a broker in
tests/processor/test_kafka_transports.py.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import pytest
from pydantic import SecretStr

from common.db import DatabaseConfig, connect
from common.kafka import KafkaConfig, end_offsets
from devstack.kafka import KafkaBroker

from ..helpers import consume_all
from .harness import (
    MALFORMED,
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


def run_exactly_through(p: Pipeline, kafka: KafkaConfig, settings: dict[str, str], seed: int) -> None:
    """A processor reaching the broker with ``settings`` applies every event and dead-letters every
    malformed message (its consumer, producer, admin and dead-letter clients all use them)."""
    p.env.update({"KAFKA_BROKERS": kafka.brokers, **settings})
    events = make_events(3000, seed=seed)
    run = ProcessorRun(p.env, p.log).start()
    produce(p.brokers, p.topic, [encode(e) for e in events] + MALFORMED, PARTITIONS)
    wait_caught_up(p.url, p.topic, end_offsets(kafka, p.topic))
    assert run.stop() == 0
    assert database_totals(p.url) == expected_totals(events)
    assert lake_events(p.data) == expected_lake(events)
    assert sorted(m.value() or b"" for m in consume_all(kafka, p.topic + "-dlq")) == sorted(MALFORMED)


def test_through_sasl_ssl_as_production_runs_every_event_is_applied_and_every_malformed_message_dead_lettered(
        new_pipeline: Callable[[], Pipeline], kafka_sasl_ssl: KafkaBroker) -> None:
    """SCRAM-SHA-512 over TLS, the certificate checked: the settings docs/security.md recommends."""
    p = new_pipeline()
    run_exactly_through(p, kafka_sasl_ssl.sasl_ssl_config(), {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": kafka_sasl_ssl.sasl_user, "KAFKA_SASL_PASSWORD": kafka_sasl_ssl.sasl_password,
        "KAFKA_SSL_CA_FILE": str(kafka_sasl_ssl.tls_ca_file)}, seed=44)
    assert kafka_sasl_ssl.sasl_password not in p.log.read_text()


def test_a_frozen_session_holding_a_partitions_lock_delays_the_processor_only_until_the_server_ends_it(
        new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    p.env.update({"DATABASE_LOCK_TIMEOUT": "1", "RETRY_MAX_SECONDS": "1"})
    with psycopg.connect(p.url, autocommit=True) as conn:
        conn.execute("INSERT INTO processor_offsets (topic, partition, next_offset) VALUES (%s, 0, 0)", (p.topic,))
    run = ProcessorRun(p.env, p.log).start()
    run.wait_started(1)
    # A processor frozen mid-transaction: it holds partition 0's row; its own session limit ends it. Taken
    # once this processor runs, before any event: a start slower than that limit would outlive the zombie.
    zombie = connect(DatabaseConfig(SecretStr(p.url), idle_in_transaction_timeout=15))
    zombie.execute("SELECT next_offset FROM processor_offsets WHERE topic = %s AND partition = 0 FOR UPDATE",
                   (p.topic,))
    frozen = time.monotonic()
    try:
        events = make_events(6000, seed=42)
        producer = threading.Thread(target=produce, args=(p.brokers, p.topic, [encode(e) for e in events],
                                                          PARTITIONS, 250))
        producer.start()
        producer.join()
        wait_caught_up(p.url, p.topic, end_offsets(p.brokers, p.topic), timeout=120)
        caught_up = time.monotonic() - frozen
        assert run.stop() == 0
    finally:
        zombie.close()
    assert caught_up < 120  # held up while the zombie lived, not for hours
    assert database_totals(p.url) == expected_totals(events)
    assert "waited longer than DATABASE_LOCK_TIMEOUT for a lock another session holds" in p.log.read_text()


def test_a_processor_whose_role_lost_a_grant_stops_with_one_error_line(
        new_pipeline: Callable[[], Pipeline]) -> None:
    p = new_pipeline()
    with psycopg.connect(p.url, autocommit=True) as conn:
        conn.execute("REVOKE INSERT ON bytes FROM pipeline_processor")
    run = ProcessorRun(p.env, p.log).start()
    assert run.proc is not None
    # Traffic keeps coming: a failed batch surfaces at the next checkpoint.
    values = [encode(e) for e in make_events(3000, seed=43)]
    producer = threading.Thread(target=produce, args=(p.brokers, p.topic, values, PARTITIONS, 100), daemon=True)
    producer.start()
    code = run.proc.wait(120)
    log = p.log.read_text()
    assert code == 2, log
    assert "PostgreSQL refused the processor: permission denied for table bytes" in log
    assert "Traceback" not in log
    assert database_totals(p.url) == expected_totals([])
