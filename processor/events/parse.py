"""Validating raw Kafka values into an Arrow table of events, and rejects with their reasons.

Pure: no I/O. A valid value is a JSON object with ``timestamp`` (int or float epoch seconds),
``id``, ``antenna_id``, ``app`` (non-empty strings) and ``bytes`` (non-negative integer); other
fields are ignored. Everything else becomes a ``Reject`` carrying the original bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec
import pyarrow as pa
from msgspec import Meta

from common.lake import EVENT_SCHEMA

from .vectorized import MAX_EPOCH, decode_clean_batch, timestamps_from_seconds

Timestamp = Annotated[int, Meta(ge=0, lt=MAX_EPOCH)] | Annotated[float, Meta(ge=0, lt=MAX_EPOCH)]
Text = Annotated[str, Meta(min_length=1)]


class EventIn(msgspec.Struct):
    """An event as it arrives; unknown fields are ignored."""

    timestamp: Timestamp
    id: Text
    antenna_id: Text
    bytes: Annotated[int, Meta(ge=0, le=2**63 - 1)]
    app: Text


_decode = msgspec.json.Decoder(EventIn).decode


@dataclass(frozen=True)
class Reject:
    """A message that is not a valid event: original bytes, where it was, and why."""

    offset: int
    value: bytes | None
    reason: str
    category: str


@dataclass(frozen=True)
class Parsed:
    """Valid events (``EVENT_SCHEMA``) with their offsets, and the rejects."""

    events: pa.Table
    offsets: list[int]
    rejects: list[Reject]


def categorize(error: Exception) -> tuple[str, str]:
    """``(category, reason)`` for a decoding error."""
    text = str(error)
    if not isinstance(error, msgspec.ValidationError):  # a ValidationError is also a DecodeError
        return "not_json", text
    if "missing required field" in text:
        return "missing_field", text
    if text.startswith("Expected `object`"):
        return "not_object", text
    if " >= " in text or " < " in text or " <= " in text:
        return "out_of_range", text
    return "wrong_type", text


def _decode_one_by_one(values: list[bytes | None], offsets: list[int]) -> tuple[list[EventIn], list[int], list[Reject]]:
    events, good, rejects = [], [], []
    for value, offset in zip(values, offsets, strict=True):
        try:
            if not value:
                raise ValueError
            events.append(_decode(value))
            good.append(offset)
        except (msgspec.DecodeError, msgspec.ValidationError) as e:
            category, reason = categorize(e)
            rejects.append(Reject(offset, value, reason, category))
        except ValueError:
            rejects.append(Reject(offset, value, "empty message", "empty"))
    return events, good, rejects


def parse_batch(values: list[bytes | None], offsets: list[int]) -> Parsed:
    """Decode every value; a batch of only valid, single-line objects takes the vectorized path."""
    table = decode_clean_batch(values)
    if table is not None:
        return Parsed(table, offsets, [])
    events, good, rejects = _decode_one_by_one(values, offsets)
    table = pa.Table.from_arrays([
        timestamps_from_seconds(pa.array([e.timestamp for e in events])) if events else pa.array([], EVENT_SCHEMA.field(0).type),
        pa.array([e.id for e in events], pa.string()),
        pa.array([e.antenna_id for e in events], pa.string()),
        pa.array([e.bytes for e in events], pa.int64()),
        pa.array([e.app for e in events], pa.string()),
    ], schema=EVENT_SCHEMA)
    return Parsed(table, list(good), rejects)
