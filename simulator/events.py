"""The event record and its wire form, byte for byte as the original simulator sent it.

``{"bytes":9082,"timestamp":1600545287,"app":"SKYPE","id":"...","antenna_id":"..."}``
"""

from __future__ import annotations

from typing import NamedTuple


class Event(NamedTuple):
    """One usage report: ``timestamp`` in epoch seconds (UTC), ``bytes`` used by ``app``."""

    timestamp: int
    id: str
    antenna_id: str
    bytes: int
    app: str


# Compact JSON in the original's key order: bytes, timestamp, app, id, antenna_id.
# Ids and apps are generated ASCII without quotes or backslashes, so no escaping is needed.
TEMPLATE = '{{"bytes":{},"timestamp":{},"app":"{}","id":"{}","antenna_id":"{}"}}'


def encode(event: Event) -> bytes:
    """The event's wire form."""
    return TEMPLATE.format(event.bytes, event.timestamp, event.app, event.id, event.antenna_id).encode()


def message(event: Event) -> tuple[bytes, bytes]:
    """The event as a Kafka message: its user id as the key, its wire form as the value."""
    return event.id.encode(), encode(event)
