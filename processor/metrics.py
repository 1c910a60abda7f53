"""Prometheus metrics and the health endpoints (``/metrics``, ``/healthz``, ``/ready``)."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from common.errors import ConfigError

log = logging.getLogger(__name__)


class Metrics:
    """The processor's metrics, in a registry of their own."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.consumed = Counter("processor_events_consumed", "Messages taken from Kafka", ["topic", "partition"], registry=r)
        self.written = Counter("processor_events_written", "Valid events committed to totals and the lake", registry=r)
        self.dead_lettered = Counter("processor_events_dead_lettered", "Messages sent to the DLQ, by category", ["category"],
                                     registry=r)
        self.late = Counter("processor_late_events", "Events whose 5-minute window had closed (>1 min behind)", registry=r)
        self.replayed = Counter("processor_replayed_skipped", "Redelivered messages already applied, skipped", registry=r)
        self.published = Counter("processor_lake_files_published", "Parquet files published into the lake", registry=r)
        self.retries = Counter("processor_retries", "Batches replayed after a PostgreSQL/Kafka outage", registry=r)
        self.checkpoint_seconds = Histogram("processor_checkpoint_seconds",
                                            "Time to apply one checkpoint (every partition, one transaction)", registry=r)
        self.lock_seconds = Histogram(
            "processor_checkpoint_lock_seconds", "Time a checkpoint waited to own its partitions in PostgreSQL (a publish "
            "holds a partition's lock while it writes the partition's lake files)", registry=r)
        self.commit_seconds = Histogram("processor_commit_seconds", "Time of the PostgreSQL commit", registry=r)
        self.lag = Gauge("processor_consumer_lag", "Consumer lag in messages", ["topic", "partition"], registry=r)
        self.offset_gaps = Counter("processor_offset_gap_messages",
                                   "Messages between PostgreSQL's next offset and the first Kafka still holds (lost)",
                                   ["topic", "partition"], registry=r)
        self._ready = Gauge("processor_ready", "1 when the processor is consuming and its sinks are healthy", registry=r)
        self._parts: dict[str, bool] = {"consuming": False}
        self.is_ready = False

    def count_gap(self, tp: tuple[str, int], messages: int) -> None:
        """Messages of ``tp`` that Kafka no longer holds (or that will be taken for applied ones)."""
        self.offset_gaps.labels(tp[0], str(tp[1])).inc(messages)

    def set_ready(self, ready: bool, part: str = "consuming") -> None:
        """Readiness of one part (``consuming``, ``lake``); the processor is ready when every part is."""
        self._parts[part] = ready
        self.is_ready = all(self._parts.values())
        self._ready.set(1 if self.is_ready else 0)

    def on_stats(self, stats_json: str) -> None:
        """librdkafka statistics callback: per-partition consumer lag."""
        try:
            stats = json.loads(stats_json)
        except ValueError:
            return
        for topic, t in stats.get("topics", {}).items():
            for partition, p in t.get("partitions", {}).items():
                if partition != "-1" and p.get("consumer_lag", -1) >= 0:
                    self.lag.labels(topic, partition).set(p["consumer_lag"])


def serve(metrics: Metrics, port: int, host: str) -> ThreadingHTTPServer:
    """Start the HTTP endpoints in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                body, code, kind = generate_latest(metrics.registry), 200, CONTENT_TYPE_LATEST
            elif self.path in ("/healthz", "/ready"):
                ok = self.path == "/healthz" or metrics.is_ready
                body, code, kind = (b"ok\n" if ok else b"not ready\n"), (200 if ok else 503), "text/plain"
            else:
                body, code, kind = b"not found\n", 404, "text/plain"
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    try:
        server = ThreadingHTTPServer((host, port), Handler)
    except OSError as e:  # typically another processor on this host holds the port
        raise ConfigError(f"cannot serve metrics on {host}:{port} ({e.strerror or e}): another process holds it? "
                          "give each processor on a host its own METRICS_PORT (0 turns the server off)") from e
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    log.info("metrics on http://%s:%d/metrics, readiness on /ready", host, server.server_port)
    return server
