"""Values at the edges of the input contract, in every spelling JSON allows and some it does not."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from processor.events.contract import check

LIMIT = 10**12  # MAX_EVENT_BYTES in these tests
FIELDS = ("timestamp", "id", "antenna_id", "bytes", "app")
PLAIN = {"timestamp": 1667048400, "id": "user-1", "antenna_id": "antenna-1", "bytes": 10, "app": "APP"}


def literal(value: object, ascii_only: bool = True) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")  # a lone surrogate: not UTF-8


NUMBER_EDGES = [b"0", b"-0", b"0.0", b"-0.0", b"1e3", b"1E2", b"2.5e11", b"1667048400.000001", b"1667048400.5e0",
                b"253402300799.99997", b"253402300799", b"253402300800", b"1000000000000", b"1000000000001",
                b"9223372036854775807", b"9223372036854775808", b"-1", b"-0.0000001", b"1e400", b"-1e400",
                b"NaN", b"-NaN", b"Infinity", b"-Infinity", b"inf", b"nan", b"01", b".5", b"1.", b"+1", b"0x10",
                b"1.5", b"true", b"null", b'"1"', b"[1]", b"{}"]
TEXT_EDGES = [b'""', b'"\\u00e9"', b'"\\ud83d\\ude00"', b'"\\/\\b\\f\\n\\r\\t"', b'"\\""', b'"a\\\\"', b'"\x7f"',
              b'"}{"', b'"[[["', b'"a\\u0000"', b'"\\u0000"', b'"\\ud800"', b'"\\udc00x"', b'"\\ud83d"', b'"\\u12"',
              b'"\\x"', b'"\xff"', b'"\xed\xa0\x80"', b'"\x00"', b'"\x01"', b'"\x1f"', b'"\xc3"', b'"\xf4\x90\x80\x80"',
              b'"\xc0\x80"', literal("x" * 256), literal("x" * 257), literal("\u00e9" * 256), literal("\u00e9" * 257),
              literal("😀" * 256, False), literal("😀" * 257, False), literal("\ud800", False), b'"NaN"', b'"Infinity"']
NESTED = [b"[" * n + b"]" * n for n in (1, 62, 63, 64, 200)] + [b'{"k":' * n + b"1" + b"}" * n for n in (63, 64)] + [
    b'["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]', b"NaN", b"Infinity", b"[1,]"]
EDGES = {name: NUMBER_EDGES + TEXT_EDGES for name in FIELDS}


def members(changes: dict[str, bytes | None]) -> list[bytes]:
    """The plain event's members, a field's literal replaced (or dropped for None), unknown ones added."""
    out = []
    for name, value in {**{k: literal(v) for k, v in PLAIN.items()}, **changes}.items():
        if value is not None:
            out.append(literal(name) + b":" + value)
    return out


def event(**changes: bytes | None) -> bytes:
    return b"{" + b",".join(members(changes)) + b"}"


EDGE_MESSAGES = [event(**{name: value}) for name, values in EDGES.items() for value in values] + [
    event(extra=value) for value in NESTED + TEXT_EDGES] + [
    event(**{name: None}) for name in FIELDS] + [
    event()[:-1] + b',"' + name.encode() + b'":' + value + b"}" for name in FIELDS for value in (b"-1", b'"x"', b"null")]


def expected_row(value: bytes | None) -> dict[str, object] | None:
    """The reference checker's event as a lake row, or None for a dead letter."""
    found = check(value, LIMIT)
    if isinstance(found, tuple):
        return None
    seconds = found.timestamp
    micros = seconds * 1_000_000 if isinstance(seconds, int) else round(seconds * 1e6)
    at = datetime.fromtimestamp(micros // 1_000_000, UTC).replace(microsecond=micros % 1_000_000)
    return {"timestamp": at, "id": found.id, "antenna_id": found.antenna_id, "bytes": found.bytes, "app": found.app}
