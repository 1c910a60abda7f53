"""The input contract: exactly which Kafka values are events, and the category of every other one.

A valid event is a UTF-8 JSON object, nested at most ``MAX_DEPTH`` levels, with ``timestamp`` a
finite number of epoch seconds in ``[0, MAX_EPOCH)``; ``id``, ``antenna_id`` and ``app`` strings of
1 to ``MAX_TEXT`` characters without U+0000; ``bytes`` an integer in ``[0, max_event_bytes]``.
Unknown fields are ignored; a field given twice counts with its last value. ``check`` is the
reference, message by message; the vectorized path must agree with it on every input.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
from msgspec import Meta

MAX_DEPTH = 64  # deeper JSON never reaches a parser: no recursion limit is ever in play
MAX_TEXT = 256  # characters (code points) of id, antenna_id and app
MAX_EPOCH = 253_402_300_800  # 10000-01-01T00:00:00Z: beyond it a timestamp cannot be a date
DEFAULT_MAX_EVENT_BYTES = 10**12  # one report of more than a terabyte is not a phone
TEXT_FIELDS = ("id", "antenna_id", "app")
FIELDS = ("timestamp", *TEXT_FIELDS, "bytes")


class Category(StrEnum):
    """Why a message is a dead letter (header ``dlq.category``)."""

    EMPTY = "empty"  # no value, or zero bytes
    NOT_UTF8 = "not_utf8"  # any invalid UTF-8 sequence, even in an unknown field
    TOO_DEEP = "too_deep"  # more than MAX_DEPTH nested arrays/objects
    NOT_JSON = "not_json"  # not one JSON document (NaN and Infinity are not JSON)
    NOT_OBJECT = "not_object"  # JSON, but not an object
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"  # e.g. a string or a fraction for bytes, null for id
    OUT_OF_RANGE = "out_of_range"  # timestamp, bytes or a text's length outside its bounds
    NUL_CHARACTER = "nul_character"  # U+0000 in id, antenna_id or app
    OVERFLOW = "overflow"  # valid alone, but its 5-minute total would pass 2^63 - 1
    REJECTED_BY_DATABASE = "rejected_by_database"  # valid, yet PostgreSQL refused it (bisected out)


Text = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]
Timestamp = Annotated[int, Meta(ge=0, lt=MAX_EPOCH)] | Annotated[float, Meta(ge=0, lt=MAX_EPOCH)]


class EventIn(msgspec.Struct):
    """An event as it arrives (``bytes`` is checked against the setting after decoding)."""

    timestamp: Timestamp
    id: Text
    antenna_id: Text
    bytes: Annotated[int, Meta(ge=0)]
    app: Text


Problem = tuple[Category, str]
_DECODE = msgspec.json.Decoder(EventIn).decode
_QUOTES = bytes(1 if b == ord('"') else 0 for b in range(256))
_STEPS = bytes(1 if b in b"[{" else 255 if b in b"]}" else 0 for b in range(256))  # +1, -1 as int8


def _int32(data: bytes) -> pa.Array:
    return pa.Array.from_buffers(pa.int8(), len(data), [None, pa.py_buffer(data)]).cast(pa.int32())


def nesting_depth(value: bytes) -> int:
    """Most arrays/objects open at once outside strings, up to the first closer with nothing open
    (a parser stops there). Escapes are dropped first; an unterminated string runs to the end.
    Byte operations and Arrow only, no recursion: a megabyte takes milliseconds."""
    plain = value.replace(b"\\\\", b"").replace(b'\\"', b"")
    if not plain:
        return 0
    inside = pc.bit_wise_and(pc.cumulative_sum(_int32(plain.translate(_QUOTES))), 1)
    depth = pc.cumulative_sum(pc.multiply(_int32(plain.translate(_STEPS)), pc.subtract(1, inside)))
    stray = pc.index(pc.less(depth, 0), True).as_py()
    if stray >= 0:
        depth = depth.slice(0, stray)
    return max(0, int(pc.max(depth).as_py() or 0))


def too_deep(value: bytes) -> bool:
    """More than ``MAX_DEPTH`` levels; a cheap count settles almost every message."""
    return value.count(b"[") + value.count(b"{") > MAX_DEPTH and nesting_depth(value) > MAX_DEPTH


def _categorize(error: msgspec.DecodeError) -> Problem:
    text = str(error)
    if not isinstance(error, msgspec.ValidationError):  # a ValidationError is also a DecodeError
        return Category.NOT_JSON, text
    if "missing required field" in text:
        return Category.MISSING_FIELD, text
    if text.startswith("Expected `object`"):
        return Category.NOT_OBJECT, text
    if any(bound in text for bound in (" >= ", " < ", " <= ", "length", "out of range")):
        return Category.OUT_OF_RANGE, text
    return Category.WRONG_TYPE, text


def check(value: bytes | None, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES, *,
          utf8_known: bool = False, shallow_known: bool = False) -> EventIn | Problem:
    """The event in ``value``, or why it is not one. Never raises.

    ``utf8_known``, ``shallow_known``: the caller has already checked, for a whole batch at once, that
    ``value`` is valid UTF-8, and that it holds at most ``MAX_DEPTH`` brackets.
    """
    if not value:
        return Category.EMPTY, "empty message"
    if not utf8_known:
        try:
            value.decode("utf-8")
        except UnicodeDecodeError as e:
            return Category.NOT_UTF8, f"invalid UTF-8 at byte {e.start}: {e.reason}"
    if not shallow_known and too_deep(value):
        return Category.TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep"
    try:
        event = _DECODE(value)
    except msgspec.DecodeError as e:
        return _categorize(e)
    if event.bytes > max_event_bytes:
        return Category.OUT_OF_RANGE, f"Expected `int` <= {max_event_bytes} - at `$.bytes`"
    if "\x00" in event.id or "\x00" in event.antenna_id or "\x00" in event.app:
        name = next(name for name in TEXT_FIELDS if "\x00" in getattr(event, name))
        return Category.NUL_CHARACTER, f"U+0000 in a text - at `$.{name}`"
    return event

