"""Prometheus metrics of ``python -m batch --schedule``, so that a batch that stopped is visible.

Served on ``BATCH_METRICS_HOST:BATCH_METRICS_PORT`` (``/metrics``; port 0, the default, turns the
server off). The alert rules in deploy/prometheus/rules/ read them:

- ``batch_last_completed_hour_timestamp_seconds``: start (epoch seconds) of the newest hour up to
  which every complete hour is done, set after each catch-up in which no hour failed;
- ``batch_hour_runs_total{outcome}``: hours run, ``success`` or ``failed`` (a bad lake file);
- ``batch_catch_ups_total{outcome}``: catch-ups, ``success``, ``partial`` (an hour failed) or
  ``unavailable`` (PostgreSQL or the bucket away: retried);
- ``batch_last_success_timestamp_seconds``: when the last catch-up without a failed hour ended.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from common.errors import ConfigError, Unavailable

from .hours import HOUR, floor_hour

log = logging.getLogger(__name__)
CatchUp = Callable[[datetime], list[datetime]]


@dataclass
class BatchMetrics:
    """The scheduler's metrics, in a registry of their own."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    failed_hours: int = 0  # hours failed during the catch-up in progress

    def __post_init__(self) -> None:
        r = self.registry
        self.last_hour = Gauge("batch_last_completed_hour_timestamp_seconds",
                               "Start of the newest hour up to which every complete hour is done (epoch seconds)",
                               registry=r)
        self.last_success = Gauge("batch_last_success_timestamp_seconds",
                                  "End of the last catch-up in which no hour failed (epoch seconds)", registry=r)
        self.hour_runs = Counter("batch_hour_runs", "Hours run by the scheduler, by outcome", ["outcome"], registry=r)
        self.catch_ups = Counter("batch_catch_ups", "Catch-ups of the scheduler, by outcome", ["outcome"], registry=r)
        for outcome in ("success", "failed"):
            self.hour_runs.labels(outcome)
        for outcome in ("success", "partial", "unavailable"):
            self.catch_ups.labels(outcome)

    def hour_failed(self) -> None:
        """One hour of the catch-up in progress failed (it is tried again at the next wake)."""
        self.failed_hours += 1
        self.hour_runs.labels("failed").inc()

    def observed(self, catch_up: CatchUp) -> CatchUp:
        """``catch_up``, counting its outcome and moving the last completed hour when nothing failed."""
        def wrapped(now: datetime) -> list[datetime]:
            self.failed_hours = 0
            try:
                hours = catch_up(now)
            except Unavailable:
                self.catch_ups.labels("unavailable").inc()
                raise
            self.hour_runs.labels("success").inc(len(hours))
            if self.failed_hours:
                self.catch_ups.labels("partial").inc()
            else:
                self.catch_ups.labels("success").inc()
                self.last_hour.set((floor_hour(now) - HOUR).timestamp())
                self.last_success.set(time.time())
            return hours

        return wrapped


def serve(metrics: BatchMetrics, port: int, host: str) -> None:
    """Serve ``/metrics`` in a daemon thread (nothing when ``port`` is 0)."""
    if not port:
        return
    try:
        start_http_server(port, addr=host, registry=metrics.registry)
    except OSError as e:
        raise ConfigError(f"cannot serve the batch metrics on {host}:{port} ({e.strerror or e}): another process "
                          "holds it? set BATCH_METRICS_PORT (0 turns the server off)") from e
    log.info("batch metrics on http://%s:%d/metrics", host, port)
