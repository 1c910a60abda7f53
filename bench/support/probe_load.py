"""Ordinary load at a steady rate with stamped probe events among it: the producer of bench/freshness.py.

    python bench/support/probe_load.py --brokers B --topic T --rate R --seconds S --probes FILE
                                        [--probe-every 0.1] [--warm-up 0] [--seed 0] [--keep-going]

Runs as a process of its own (the benchmark's poller must not share its interpreter). For W + S
seconds it sends R events a second of the load simulator's kind (10,000 users, 500 antennas, 10
apps; event time is the wall clock: the load shape starts now and spans W + S seconds), and from
W (``--warm-up``: the consumer settles into the load first, a steady state is measured) every
``--probe-every`` seconds for S seconds one probe: an event whose user id (``probe-000042``) occurs nowhere
else, stamped now, to partition k mod the topic's partitions. The wall-clock time just before each
probe is handed to the producer is written to FILE (JSON) once the S seconds are sent and
acknowledged. With ``--keep-going`` ordinary load (no probes) then goes on at the same rate until
SIGTERM: a watermark-driven peer only emits a window once later event time has arrived.

Lines on stdout: ``start <t0> <count>``, ``progress <sent>`` (at most one a second), ``sent <n>``.
The exact answer is reproducible from them: ``expected_events``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from confluent_kafka import Message, Producer

from simulator.events import Event, encode
from simulator.load import LoadShape, load_messages

PROBE_ANTENNA, PROBE_APP = "probe-antenna", "APP00"


@dataclass(frozen=True)
class Probe:
    """One probe: its user id, event time (epoch s) and the wall-clock time it was handed to Kafka."""

    id: str
    timestamp: int
    sent: float
    partition: int = -1  # where it was sent, and its offset there (-1: not known; written by ``run``)
    offset: int = -1

    @property
    def message(self) -> bytes:
        return encode(Event(self.timestamp, self.id, PROBE_ANTENNA, 1, PROBE_APP))


def probe_id(k: int) -> str:
    return f"probe-{k:06d}"


def probe_count(seconds: int, every: float) -> int:
    """Probes sent in ``seconds``: at 0, every, 2 every, ... strictly before ``seconds``."""
    return max(1, math.ceil(round(seconds / every, 6)))


def load(count: int, start: int, seconds: int, seed: int) -> Iterator[bytes]:
    """The ordinary events of one segment, in order (what ``expected_events`` regenerates)."""
    shape = LoadShape(start=start, span_seconds=max(seconds, 1))
    return itertools.chain.from_iterable(load_messages(count, shape, seed))


@dataclass(frozen=True)
class Sent:
    """What the first segment sent: ``count`` ordinary events from event time ``start`` over ``seconds``
    (seed ``seed``) in ``elapsed`` seconds, and the probes."""

    start: int
    count: int
    seconds: int
    seed: int
    elapsed: float
    probes: list[Probe]

    @property
    def eps(self) -> float:
        return self.count / max(self.elapsed, 1e-3)


def expected_events(sent: Sent) -> Iterator[bytes]:
    """Every message the first segment sent: the ordinary load, then the probes (order is irrelevant to sums)."""
    yield from load(sent.count, sent.start, sent.seconds, sent.seed)
    yield from (p.message for p in sent.probes)


def read_probes(path: Path) -> Sent:
    record = json.loads(path.read_text())
    return Sent(**(record | {"probes": [Probe(**p) for p in record["probes"]]}))


def run(args: argparse.Namespace) -> None:
    producer = Producer({"bootstrap.servers": args.brokers, "acks": "all", "enable.idempotence": True,
                         "linger.ms": 5, "compression.type": "lz4", "queue.buffering.max.messages": 1_000_000})
    partitions = len(producer.list_topics(args.topic, timeout=10).topics[args.topic].partitions)
    seconds = args.seconds + args.warm_up  # the load's span: the warm-up, then the probes' seconds
    count, t0 = round(args.rate * seconds), int(time.time())
    print(f"start {t0} {count}", flush=True)
    probes: list[Probe] = []
    offsets = Offsets()
    sent, shown, segment = 0, 0.0, 0
    messages = load(count, t0, seconds, args.seed)
    started = segment_started = time.monotonic()
    wanted = probe_count(args.seconds, args.probe_every)
    while True:
        now = time.monotonic() - started
        while len(probes) < wanted and args.warm_up + len(probes) * args.probe_every <= now:
            probe = Probe(probe_id(len(probes)), int(time.time()), time.time(), len(probes) % partitions)
            producer.produce(args.topic, probe.message, partition=probe.partition, on_delivery=offsets.delivered)
            probes.append(probe)
        due = min(count, round(args.rate * (time.monotonic() - segment_started)))
        for value in itertools.islice(messages, max(0, due - sent)):
            _produce(producer, args.topic, value)
            sent += 1
        producer.poll(0)
        if time.monotonic() - shown >= 1.0:
            print(f"progress {sent + segment * count}", flush=True)
            shown = time.monotonic()
        if sent >= count and len(probes) >= wanted:
            if segment == 0:
                if producer.flush(60) != 0:
                    raise SystemExit(f"probe_load: messages not delivered to {args.topic}")
                elapsed = time.monotonic() - started
                written = [p.__dict__ | {"offset": offsets.of(p)} for p in probes]
                args.probes.write_text(json.dumps({"start": t0, "count": count, "seconds": seconds, "seed": args.seed,
                                                   "elapsed": elapsed, "probes": written}))
                print(f"sent {count + len(probes)}", flush=True)
                if not args.keep_going:
                    return
            segment += 1  # more ordinary load, later in event time, until SIGTERM
            sent, messages = 0, load(count, t0 + segment * seconds, seconds, args.seed + segment)
            segment_started = time.monotonic()
        time.sleep(0.002)


class Offsets:
    """Each probe's offset, from the producer's delivery reports (a probe's event is unique: its user id)."""

    def __init__(self) -> None:
        self._by_value: dict[bytes, int] = {}

    def delivered(self, error: object, message: Message) -> None:
        if error is None:
            self._by_value[message.value()] = message.offset()

    def of(self, probe: Probe) -> int:
        return self._by_value.get(probe.message, -1)


def _produce(producer: Producer, topic: str, value: bytes) -> None:
    while True:
        try:
            producer.produce(topic, value)
            return
        except BufferError:
            producer.poll(0.01)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--rate", type=float, required=True, help="ordinary events per second")
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--probes", type=Path, required=True, help="JSON file the probes' send times go to")
    p.add_argument("--probe-every", type=float, default=0.1)
    p.add_argument("--warm-up", type=int, default=0, help="seconds of load before the first probe")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep-going", action="store_true", help="ordinary load after the probes, until SIGTERM")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run(args)


if __name__ == "__main__":
    main()
