"""Records that cross the speed layer's boundaries: a topic partition and one checkpoint's batch."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple, Protocol

from common.errors import ReplayRequired


class TopicPartition(NamedTuple):
    """One partition of one topic (a plain tuple: hashable, sortable, cheap as a dict key)."""

    topic: str
    partition: int

    def __str__(self) -> str:
        return f"{self.topic}[{self.partition}]"


class OffsetsOutOfOrder(ReplayRequired):
    """A partition's messages came in an order that cannot be applied exactly once (a rewind into a
    buffer still held): the buffer is dropped and consumption resumes from PostgreSQL's offsets."""


class Message(Protocol):
    """What the sink reads of a message librdkafka returned (``confluent_kafka.Message``)."""

    def error(self) -> Any: ...
    def topic(self) -> str: ...
    def partition(self) -> int: ...
    def offset(self) -> int: ...
    def value(self) -> bytes | None: ...


class Fetched(NamedTuple):
    """One message read as librdkafka's (``kafka/sink.py``, ``SpeedLayerSink.add``, Quix's per-message entry)."""

    topic_: str
    partition_: int
    offset_: int
    value_: bytes | None

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return self.topic_

    def partition(self) -> int:
        return self.partition_

    def offset(self) -> int:
        return self.offset_

    def value(self) -> bytes | None:
        return self.value_


@dataclass(slots=True)
class PartitionBatch:
    """The raw messages of one partition taken since the last checkpoint, in strictly ascending offset
    order: the sink, the one place a batch is filled (``kafka/sink.py``, ``SpeedLayerSink.take``), refuses
    an offset at or below the last one with ``OffsetsOutOfOrder``, so a batch can never hold a message
    twice or a rewind (the applier relies on it to skip what PostgreSQL already holds, and checks it)."""

    values: list[bytes | None] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # strictly ascending


def ascending(offsets: list[int]) -> bool:
    """Whether ``offsets`` are strictly ascending."""
    return all(a < b for a, b in pairwise(offsets))


Checkpoint = dict[TopicPartition, PartitionBatch]
"""Every partition's batch of one checkpoint."""
