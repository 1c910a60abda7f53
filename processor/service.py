"""The speed layer as a service: checks, wiring of its parts, and the consume-retry loop."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from functools import partial

import pyarrow as pa

from common.db import connect
from common.errors import LakeUnavailable, ReplayRequired
from common.kafka import CONSUMER_TUNING, ensure_topic, max_message_bytes
from common.retry import Backoff, Stopping, interrupt_on_signal, wait_until_writable

from .checkpoint import CheckpointApplier
from .kafka.application import build_application, run_application
from .kafka.dead_letters import DeadLetters
from .kafka.sink import SpeedLayerSink
from .lake.schedule import PublishSchedule
from .metrics import Metrics, serve
from .postgres.connection import ReconnectingConnection
from .postgres.offsets import resume_offsets, start_at
from .postgres.startup import check_database, wait_for_database
from .records import Checkpoint
from .settings import ProcessorSettings
from .staging.choice import check_nothing_stranded, choose_staging

log = logging.getLogger("processor")


def consume(settings: ProcessorSettings, new_sink: Callable[[], SpeedLayerSink], backoff: Backoff,
            stopping: Stopping) -> None:
    """Run the Quix app until SIGTERM/SIGINT; after a failed batch, wait and start again.

    A new application (and sink) resumes from PostgreSQL's offsets, so nothing is lost or doubled.
    """
    while not stopping.is_set():
        sink = new_sink()
        try:
            app = build_application(
                kafka=settings.kafka, topic=settings.kafka_topic, group=settings.consumer_group,
                auto_offset_reset=settings.auto_offset_reset, commit_interval=settings.commit_interval,
                commit_every=settings.commit_every, commit_min_interval=settings.commit_min_interval,
                state_dir=str(settings.state_dir),
                consumer_config={**CONSUMER_TUNING, "statistics.interval.ms": 2000, "stats_cb": sink.metrics.on_stats,
                                 "session.timeout.ms": settings.kafka_session_timeout_ms,
                                 "max.poll.interval.ms": settings.kafka_max_poll_interval_ms},
                resume_offsets=resume_offsets(settings.database), start_at=start_at(settings.database),
                count_gap=sink.metrics.count_gap, sink=sink)
            if stopping.is_set():  # a signal our handler took while this app was built: Quix's would miss it
                return
            run_application(app)
        except ReplayRequired as e:
            log.warning("%s; retrying", e)
            stopping.watch()
            if isinstance(e.__cause__, LakeUnavailable):
                wait_until_writable(e.__cause__.folder or settings.tmp_dir, backoff, stopping)
            else:
                wait_for_database(settings.database, backoff, stopping)
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
    lake = settings.lake()
    with connect(settings.database) as conn:  # one connection for the start-up checks
        check_database(conn)
        lake.check()
        check_nothing_stranded(conn, lake, settings.staging_dir, settings.kafka_topic)
    # Arrow's default (jemalloc) pool keeps freed batch memory; the system allocator returns it.
    pa.set_memory_pool(pa.system_memory_pool())
    for topic in (settings.kafka_topic, settings.kafka_dlq_topic):
        ensure_topic(settings.kafka, topic, settings.partitions)
    metrics = Metrics()
    server = serve(metrics, settings.metrics_port, settings.metrics_host) if settings.metrics_port else None
    dead_letters = DeadLetters(kafka=settings.kafka, dlq_topic=settings.kafka_dlq_topic,
                               max_bytes=max_message_bytes(settings.kafka, settings.kafka_dlq_topic))
    database = ReconnectingConnection(settings.database, metrics)
    # Every publish runs on the publisher thread (woken by a commit that made a partition due, or by its
    # timer), on this second connection; the checkpoints' transactions use ``database``.
    publishing = ReconnectingConnection(settings.database, metrics)
    staging = choose_staging(lake, settings.staging_dir, settings.tmp_dir)
    schedule = PublishSchedule(publish=partial(staging.publish, publishing), metrics=metrics,
                               flush_rows=settings.lake_flush_rows, flush_seconds=settings.lake_flush_seconds,
                               staged=partial(staging.partitions, publishing, settings.kafka_topic),
                               retry_max_seconds=settings.retry_max_seconds)
    applier = CheckpointApplier(database=database, staging=staging, dead_letters=dead_letters, metrics=metrics,
                                schedule=schedule, max_event_bytes=settings.max_event_bytes)
    backoff, stopping = Backoff(settings.retry_max_seconds), Stopping()
    timer = threading.Thread(target=publish_idle, args=(schedule, metrics),
                             kwargs={"retry_max_seconds": settings.retry_max_seconds}, name="publish-timer", daemon=True)
    log.info("consuming %s as group %s; lake in %s", settings.kafka_topic, settings.consumer_group, lake.url)
    try:
        timer.start()
        consume(settings, SpeedLayerSink.factory(resets_backoff(applier.apply, backoff), metrics, settings.commit_bytes),
                backoff, stopping)
        interrupt_on_signal()  # a second SIGTERM/SIGINT gives up the shutdown publish at once
        metrics.set_ready(False)
        schedule.stop()
        finish_publishing(schedule, timer, settings.shutdown_publish_seconds)
    finally:
        schedule.stop()
        dead_letters.close()
        database.close()
        publishing.close()
        if server is not None:
            server.shutdown()


def publish_idle(schedule: PublishSchedule, metrics: Metrics, every: float = 1.0, retry_max_seconds: float = 30.0) -> None:
    """The publisher thread: what a commit made due, at once; on a timer, staged events reach the lake
    without new traffic (and after a restart on an idle topic).

    It outlives any error: an unexpected one is logged with its traceback (once until a tick works
    again), makes the processor not ready and is retried with backoff. It ends at ``schedule.stop()``."""
    backoff, failing, delay = Backoff(retry_max_seconds), False, 0.0
    while not (schedule.pause(delay) if failing else schedule.wait(every)):
        try:
            schedule.tick()
        except Exception:  # a bug must not end idle publishing silently: logged, not ready, retried
            if not failing:
                log.exception("the publish timer failed; retrying with backoff (staged events wait)")
            failing, delay = True, backoff.next()
            metrics.set_ready(False, part="publish timer")
            continue
        if failing:
            log.info("the publish timer works again")
            failing = False
            backoff.reset()
            metrics.set_ready(True, part="publish timer")


def resets_backoff(apply: Callable[[Checkpoint], None], backoff: Backoff) -> Callable[[Checkpoint], None]:
    """``apply``, and once a checkpoint has committed the outage ``backoff`` starts again from its first
    delay: the application runs healthily, so the next outage is not waited out at the longest delay."""
    def applied(checkpoint: Checkpoint) -> None:
        apply(checkpoint)
        backoff.reset()

    return applied


def finish_publishing(schedule: PublishSchedule, timer: threading.Thread, within: float) -> None:
    """The shutdown publish: every partition staged, each retried for up to ``within`` seconds (on new
    connections: the idle one may have died in an outage); what is left is reported, partition by
    partition, and published by the next start. Bounded even if PostgreSQL or the lake hangs: at
    ``within`` an alarm interrupts it, as a second SIGTERM/SIGINT does (``interrupt_on_signal``)."""
    signal.signal(signal.SIGALRM, signal.default_int_handler)
    signal.setitimer(signal.ITIMER_REAL, within)
    try:
        try:
            timer.join()
        except KeyboardInterrupt:
            log.warning("stopped while the timer was publishing; staged events left for the next start to publish")
            return
        log.info("publishing the staged events before exit (for up to %gs; a second SIGTERM/SIGINT stops at once)",
                 within)
        left = schedule.publish_all(within=within)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if not left:
        log.info("stopped cleanly: totals committed, staged events published")
        return
    for tp, why in left.items():
        log.warning("%s: staged events left for the next start to publish (%s)", tp, why)
    log.warning("stopped; %d partition(s) left staged for the next start to publish", len(left))
