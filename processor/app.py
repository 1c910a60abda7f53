"""Wiring of the speed layer: checks, the Quix application, the sink, the metrics server."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pyarrow as pa
from pydantic import SecretStr
from quixstreams import Application
from quixstreams.exceptions import PartitionAssignmentError

from common import schema
from common.db import connect
from common.errors import ConfigError, DatabaseUnavailable, PipelineError, ReplayRequired
from common.kafka import CONSUMER_TUNING, ensure_topic

from .dlq import DeadLetters
from .metrics import Metrics, serve
from .publisher import Publisher
from .resume import ResumingApplication, resume_offsets
from .settings import ProcessorSettings
from .sink import SpeedLayerSink
from .supervise import Backoff, Stopping
from .transactions import Database
from .writer import CheckpointWriter

log = logging.getLogger("processor")


def check_database(settings: ProcessorSettings) -> None:
    """Fail fast, in one line, if PostgreSQL is unreachable or not provisioned."""
    with connect(settings.database_url) as conn:
        found = conn.execute("SELECT to_regclass(%s)", (schema.PROCESSOR_OFFSETS_TABLE,)).fetchone()
    if found is None or found[0] is None:
        raise ConfigError("table processor_offsets is missing: run `python -m provision` first")


def wait_for_database(url: SecretStr, backoff: Backoff, stopping: Stopping) -> None:
    """Sleep with backoff until PostgreSQL accepts connections again (or a stop is asked)."""
    while not stopping.wait(backoff.next()):
        try:
            connect(url, timeout=5).close()
            return
        except DatabaseUnavailable as e:
            log.warning("still waiting: %s", e)


def build_application(settings: ProcessorSettings, sink: SpeedLayerSink, metrics: Metrics) -> Application:
    """A Quix app reading raw bytes (parsing happens per batch in the sink) into the sink."""
    app = ResumingApplication(
        broker_address=settings.kafka_brokers, consumer_group=settings.consumer_group,
        auto_offset_reset=settings.auto_offset_reset, commit_interval=settings.commit_interval,
        commit_every=settings.commit_every, loglevel=None, auto_create_topics=False,
        use_changelog_topics=False, state_dir=str(settings.data_dir / "state"),
        broker_availability_timeout=0,  # outages: wait and retry, never give up
        consumer_extra_config={**CONSUMER_TUNING, "statistics.interval.ms": 2000, "stats_cb": metrics.on_stats},
        resume_offsets=resume_offsets(settings.database_url),
    )
    topic = app.topic(settings.kafka_topic, value_deserializer="bytes", key_deserializer="bytes")
    app.dataframe(topic).sink(sink)
    return app


def consume(settings: ProcessorSettings, new_sink: Callable[[], SpeedLayerSink], backoff: Backoff,
            stopping: Stopping) -> None:
    """Run the Quix app until SIGTERM/SIGINT; after a failed batch, wait and start again.

    A new application (and sink) resumes from PostgreSQL's offsets, so nothing is lost or doubled.
    """
    while not stopping.is_set():
        sink = new_sink()
        try:
            build_application(settings, sink, sink.metrics).run()
        except (ReplayRequired, PartitionAssignmentError) as e:
            cause = e.__cause__ if isinstance(e, PartitionAssignmentError) else e
            if not isinstance(cause, PipelineError):
                raise
            log.warning("%s; retrying", cause)
            stopping.watch()
            wait_for_database(settings.database_url, backoff, stopping)
            continue
        finally:
            sink.close()  # waits for the batch in flight
        try:
            sink.settle()
        except ReplayRequired as e:
            log.warning("%s: the last batch is applied on the next start", e)
        return


def run(settings: ProcessorSettings) -> None:
    """Consume until SIGTERM/SIGINT; after a failed batch, wait and resume from PostgreSQL's offsets."""
    check_database(settings)
    # Arrow's default (jemalloc) pool keeps freed batch memory; the system allocator returns it.
    pa.set_memory_pool(pa.system_memory_pool())
    for topic in (settings.kafka_topic, settings.kafka_dlq_topic):
        ensure_topic(settings.kafka_brokers, topic, settings.partitions)
    metrics = Metrics()
    server = serve(metrics, settings.metrics_port, settings.metrics_host) if settings.metrics_port else None
    dead_letters = DeadLetters(brokers=settings.kafka_brokers, dlq_topic=settings.kafka_dlq_topic)
    database = Database(settings.database_url, metrics)
    publisher = Publisher(database=database, data_dir=settings.data_dir, lake=settings.lake_dir, metrics=metrics,
                          flush_rows=settings.lake_flush_rows, flush_seconds=settings.lake_flush_seconds)
    writer = CheckpointWriter(database=database, data_dir=settings.data_dir, dead_letters=dead_letters,
                              metrics=metrics, publisher=publisher)
    backoff, stopping = Backoff(settings.retry_max_seconds), Stopping()
    log.info("consuming %s as group %s; lake in %s", settings.kafka_topic, settings.consumer_group, settings.lake_dir)
    try:
        consume(settings, SpeedLayerSink.factory(writer, metrics), backoff, stopping)
        metrics.set_ready(False)
        try:
            publisher.publish_all()
            log.info("stopped cleanly: totals committed, staged events published")
        except DatabaseUnavailable as e:
            log.warning("stopped; staged events left for the next start to publish (%s)", e)
    finally:
        dead_letters.close()
        database.close()
        if server is not None:
            server.shutdown()
