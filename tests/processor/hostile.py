"""Hostile messages of every kind the input contract names, and what the oracle expects of each.

Written from the contract's text (README, RELIABILITY.md), not from the processor's code: each
malformed message comes with the dead-letter category it must get, each tricky-but-valid message
with the event it must become.
"""

from __future__ import annotations

import json
import random

from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType

from .harness import encode

T = 1667048400  # 2022-10-29T13:00:00Z
BIG = 1_500_000  # larger than the default 1 MB limit of a dead-letter topic
TOPIC_MAX_BYTES = 4 << 20  # the input topic of these tests accepts messages this large
MAX_EVENT_BYTES = 10**12


def fields(**changes: object) -> dict[str, object]:
    return {"bytes": 1, "timestamp": T, "app": "APP", "id": "user-x", "antenna_id": "antenna-x"} | changes


def message(**changes: object) -> bytes:
    return json.dumps(fields(**changes), separators=(",", ":")).encode()


def _raw(timestamp: str = str(T), bytes_: str = "1", id_: bytes = b'"u"', extra: bytes = b"") -> bytes:
    return (b'{"bytes":' + bytes_.encode() + b',"timestamp":' + timestamp.encode() + b',"app":"A","id":'
            + id_ + b',"antenna_id":"a"' + extra + b"}")


def _nested(levels: int) -> bytes:
    """An unknown field holding ``levels`` nested arrays (the object itself is one level more)."""
    return b',"extra":' + b"[" * levels + b"]" * levels


MALFORMED: list[tuple[bytes | None, str]] = [
    (None, "empty"), (b"", "empty"),
    (b"not json", "not_json"), (b"{", "not_json"), (_raw() + b" trailing", "not_json"),
    (_raw(timestamp="NaN"), "not_json"), (_raw(timestamp="Infinity"), "not_json"),
    (_raw(timestamp="-Infinity"), "not_json"), (_raw(id_=b'"\\ud800"'), "not_json"),  # lone surrogate
    (b"[1,2,3]", "not_object"), (b"42", "not_object"), (b"null", "not_object"),
    (b'{"bytes":1,"timestamp":1667048400,"app":"X","id":"u"}', "missing_field"),
    (message(bytes="12"), "wrong_type"), (_raw(bytes_="1.5"), "wrong_type"), (_raw(bytes_="1e3"), "wrong_type"),
    (message(bytes=True), "wrong_type"), (message(id=None), "wrong_type"), (message(timestamp="2022-10-29"), "wrong_type"),
    (message(bytes=-4), "out_of_range"), (message(bytes=2**63 - 1), "out_of_range"), (message(bytes=2**63), "out_of_range"),
    (message(bytes=MAX_EVENT_BYTES + 1), "out_of_range"), (message(timestamp=-5), "out_of_range"),
    (message(timestamp=253402300800), "out_of_range"), (_raw(timestamp="1e400"), "out_of_range"),
    (message(app=""), "out_of_range"), (message(id="x" * 257), "out_of_range"), (message(id="x" * 3000), "out_of_range"),
    (message(id="a\u0000b"), "nul_character"), (message(antenna_id="\u0000"), "nul_character"),
    (_raw(id_=b'"caf\xe9"'), "not_utf8"), (_raw(extra=b',"note":"\xff\xfe"'), "not_utf8"),
    (_raw(id_=b'"\xed\xa0\x80"'), "not_utf8"),  # an encoded surrogate is not UTF-8
    (_raw(extra=_nested(64)), "too_deep"), (_raw(extra=_nested(100_000)), "too_deep"),
    (b"[" * 200_000, "too_deep"), (_raw(extra=b"[\n" * 70 + b"]\n" * 70), "too_deep"),  # one bracket per line
    (b"x" * BIG, "not_json"),  # larger than the dead-letter topic accepts
]

# Valid despite appearances: (message, the event it must become).
TRICKY_VALID: list[tuple[bytes, dict[str, object]]] = [
    (b'{\n  "bytes": 2,\n  "timestamp": 1667048400,\n  "app": "A", "id": "u", "antenna_id": "a"\n}',
     fields(bytes=2, app="A", id="u", antenna_id="a")),
    (b' \t{"bytes":5,"timestamp":1667048401,"app":"A","id":"u","antenna_id":"a","bytes":7}\r\n',  # last one counts
     fields(bytes=7, timestamp=1667048401, app="A", id="u", antenna_id="a")),
    (message(id="usér-😀", app="caf\u00e9"), fields(id="usér-😀", app="café")),
    (_raw(id_=b'"\\u00e9\\ud83d\\ude00"'), fields(id="é😀", app="A", antenna_id="a")),
    (message(id="y" * 256), fields(id="y" * 256)),
    (_raw(extra=_nested(63)), fields(app="A", id="u", antenna_id="a")),  # 64 levels: the limit
    (message(bytes=MAX_EVENT_BYTES), fields(bytes=MAX_EVENT_BYTES)),
    (message(bytes=0, timestamp=0), fields(bytes=0, timestamp=0)),
    (message(timestamp=253402300799.99997), fields(timestamp=253402300799.99997)),  # year 9999
    (message(timestamp=T + 0.000001), fields(timestamp=T + 0.000001)),
    (message(padding="p" * BIG), fields()),  # a large valid message: unknown fields are ignored
]


def allow_large_messages(brokers: str, topic: str) -> None:
    """Let ``topic`` hold messages up to ``TOPIC_MAX_BYTES`` (its dead-letter topic keeps the default)."""
    entry = ConfigEntry("max.message.bytes", str(TOPIC_MAX_BYTES), incremental_operation=AlterConfigOpType.SET)
    resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[entry])
    admin = AdminClient({"bootstrap.servers": brokers})  # kept alive until the futures resolve
    for future in admin.incremental_alter_configs([resource]).values():
        future.result(30)


def hostile_stream(events: list[dict[str, object]], copies: int, seed: int
                   ) -> tuple[list[bytes | None], list[dict[str, object]], list[tuple[bytes | None, str]]]:
    """Encoded events with ``copies`` of every hostile message at random places.

    Returns the values, the events the outputs must hold, and the malformed messages with their category.
    """
    rng = random.Random(seed)
    values: list[bytes | None] = [encode(e) for e in events]
    valid, malformed = list(events), []
    for _ in range(copies):
        for value, category in MALFORMED:
            values.insert(rng.randrange(len(values) + 1), value)
            malformed.append((value, category))
        for value, event in TRICKY_VALID:
            values.insert(rng.randrange(len(values) + 1), value)
            valid.append(event)
    return values, valid, malformed
