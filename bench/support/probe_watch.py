"""Watching for probes (bench/support/probe_load.py): when each is counted in ``bytes``, or readable in the lake.

A probe's user id occurs in no other event, so its ``user_total_bytes`` row in ``bytes`` exists
exactly once the probe is counted (committed); a Parquet file holding its id is readable in the
lake from the moment it appears (the processor renames whole files in). Each watcher notes the
wall-clock time it first saw each probe; the latency of a probe is that minus the time it was
handed to the producer, so it includes the producer's linger and the poll interval (20 ms for
``bytes``, 0.5 s for the lake).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyarrow.parquet as pq

from common import schema

from .probe_load import Probe


class BytesWatch:
    """Polls a database's ``bytes`` for the probes' rows."""

    def __init__(self, url: str, ids: list[str]) -> None:
        self._conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        self.pending, self.seen = set(ids), dict[str, float]()

    def poll(self) -> None:
        if not self.pending:
            return
        # One index lookup per pending probe (bytes_type_id_timestamp), 3-7 ms a poll. ``id = ANY(..)`` was
        # planned as a scan of every user row, filtered: 0.2-0.5 s a poll at 16k events/s, so the poller
        # kept a core of PostgreSQL busy (half of this 2-core machine, taken from the system measured)
        # and noted a probe up to half a second late.
        found = self._conn.execute("SELECT p.id FROM unnest(%s::text[]) AS p(id) WHERE EXISTS "
                                   "(SELECT FROM bytes b WHERE b.type = %s AND b.id = p.id)",
                                   (sorted(self.pending), schema.USER_TOTAL)).fetchall()
        now = time.time()
        for (probe,) in found:
            self.pending.discard(probe)
            self.seen[probe] = now

    def close(self) -> None:
        self._conn.close()


class LakeWatch:
    """Scans a lake folder for new Parquet files and the probes in them."""

    def __init__(self, folder: Path, ids: list[str]) -> None:
        self.folder, self.pending, self.seen = folder, set(ids), dict[str, float]()
        self._read: set[Path] = set()

    def poll(self) -> None:
        if not self.pending:
            return
        now = time.time()
        for path in sorted(set(self.folder.rglob("*.parquet")) - self._read):
            if not self.pending:
                return
            self._read.add(path)
            ids = pq.read_table(path, columns=["id"], filters=[("id", "in", sorted(self.pending))]).column("id")
            for probe in set(ids.to_pylist()):
                self.pending.discard(probe)
                self.seen[probe] = now


@dataclass(frozen=True)
class Latency:
    """Seconds from producing a probe to seeing it: nearest-rank percentiles over every probe.

    A probe never seen counts with its age when the watch ended (a lower bound: ``unseen``)."""

    p50: float
    p99: float
    max: float
    probes: int
    unseen: int

    def __str__(self) -> str:
        tail = f", {self.unseen} never seen (counted at their age when the watch ended)" if self.unseen else ""
        return f"p50 {self.p50:.3f}s p99 {self.p99:.3f}s max {self.max:.3f}s over {self.probes} probes{tail}"


def latency(probes: list[Probe], seen: dict[str, float], ended: float) -> Latency:
    values = sorted(seen.get(p.id, ended) - p.sent for p in probes)
    if not values:
        raise ValueError("no probes to measure")

    def rank(q: float) -> float:
        return values[max(0, math.ceil(q * len(values)) - 1)]

    return Latency(rank(0.5), rank(0.99), values[-1], len(values), sum(p.id not in seen for p in probes))
