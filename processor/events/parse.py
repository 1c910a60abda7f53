"""Validating raw Kafka values into an Arrow table of events, and rejects with their reasons.

Pure: no I/O. The contract (``contract.py``) says what a valid event is; a batch of plain valid
events takes the vectorized path, any other batch is checked message by message. Everything that
is not an event becomes a ``Reject`` carrying the original bytes and a category.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from common.lake import EVENT_SCHEMA

from .contract import DEFAULT_MAX_EVENT_BYTES, MAX_DEPTH, EventIn, check
from .vectorized import decode_clean_batch, timestamps_from_seconds, valid_utf8

_NOT_BRACKETS_OR_NEWLINE = bytes(b for b in range(256) if b not in b"[]{}\n")
_MANY_BRACKETS = re.compile(rb"[^\n]{%d}" % (MAX_DEPTH + 1))  # a message with more brackets than MAX_DEPTH


@dataclass(frozen=True)
class Reject:
    """A message that is not a valid event: original bytes, where it was, and why."""

    offset: int
    value: bytes | None
    reason: str
    category: str


@dataclass(frozen=True)
class Parsed:
    """Valid events (``EVENT_SCHEMA``) with their offsets and raw values, and the rejects."""

    events: pa.Table
    offsets: list[int]
    rejects: list[Reject]
    values: list[bytes | None]  # the raw message of each event row (for a dead letter found later)

    def without(self, rows: dict[int, tuple[str, str]]) -> Parsed:
        """These event rows moved to the rejects, ``{row: (category, reason)}``."""
        if not rows:
            return self
        keep = [i for i in range(len(self.offsets)) if i not in rows]
        moved = [Reject(self.offsets[i], self.values[i], reason, category) for i, (category, reason) in rows.items()]
        return Parsed(self.events.take(pa.array(keep, pa.int64())), [self.offsets[i] for i in keep],
                      sorted(self.rejects + moved, key=lambda r: r.offset), [self.values[i] for i in keep])


def events_table(events: list[EventIn]) -> pa.Table:
    """Decoded events as a table of ``EVENT_SCHEMA``, in order."""
    seconds = pa.array([e.timestamp for e in events]) if events else pa.array([], pa.int64())
    return pa.Table.from_arrays([
        timestamps_from_seconds(seconds),
        pa.array([e.id for e in events], pa.string()),
        pa.array([e.antenna_id for e in events], pa.string()),
        pa.array([e.bytes for e in events], pa.int64()),
        pa.array([e.app for e in events], pa.string()),
    ], schema=EVENT_SCHEMA)


def _batch_facts(values: list[bytes | None]) -> tuple[bool, bool]:
    """(every value is UTF-8, none has more than ``MAX_DEPTH`` brackets), each settled for the whole batch
    at once when it holds (otherwise message by message)."""
    present = [v for v in values if v]
    joined = b"\n".join(present)  # a separator: no UTF-8 sequence spans two messages
    utf8 = valid_utf8(joined)
    brackets = joined.translate(None, _NOT_BRACKETS_OR_NEWLINE)
    shallow = (brackets.count(b"\n") == len(present) - 1  # no newline inside a message: one line each
               and _MANY_BRACKETS.search(brackets) is None)
    return utf8, shallow


def parse_batch(values: list[bytes | None], offsets: list[int],
                max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> Parsed:
    """Decode every value; a batch of only valid, single-line objects takes the vectorized path."""
    table = decode_clean_batch(values, max_event_bytes)
    if table is not None:
        return Parsed(table, offsets, [], values)
    events, good, raw, rejects = [], [], [], []
    utf8, shallow = _batch_facts(values)
    for value, offset in zip(values, offsets, strict=True):
        result = check(value, max_event_bytes, utf8_known=utf8, shallow_known=shallow)
        if isinstance(result, EventIn):
            events.append(result)
            good.append(offset)
            raw.append(value)
        else:
            rejects.append(Reject(offset, value, result[1], result[0]))
    return Parsed(events_table(events), good, rejects, raw)
