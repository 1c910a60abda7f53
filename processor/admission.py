"""Adding a checkpoint's totals so that no message can fail its checkpoint (no poison pill).

The common case is one upsert. If it overflows, the totals already in ``bytes`` are read (and
locked) and the events that would pass ``MAX_TOTAL`` are refused, greedily in offset order. If
PostgreSQL still refuses something for a data reason, the events are bisected in savepoints until
each refused one is alone; every refused event becomes a dead letter, the others count.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pyarrow as pa

from common.db import DATA_ERRORS
from common.errors import first_line

from .events.contract import Category
from .events.overflow import overflowing, window_keys
from .events.parse import Parsed
from .events.windows import MAX_TOTAL, TotalOverflow, window_totals
from .postgres.totals import add_totals, read_totals
from .records import TopicPartition

OVERFLOW = (psycopg.errors.NumericValueOutOfRange, TotalOverflow)
Refused = dict[int, tuple[str, str]]  # event row -> (category, reason)


def _add(conn: psycopg.Connection[Any], events: pa.Table) -> None:
    with conn.transaction():  # a savepoint: a refusal undoes this attempt only
        add_totals(conn, window_totals(events))


def _bisect(conn: psycopg.Connection[Any], events: pa.Table, rows: list[int]) -> Refused:
    """Add ``rows`` of ``events``, halving around refusals; the rows refused even alone."""
    if not rows:
        return {}
    try:
        _add(conn, events.take(pa.array(rows, pa.int64())))
        return {}
    except OVERFLOW as e:
        refusal = (Category.OVERFLOW, f"its 5-minute total would pass {MAX_TOTAL} ({first_line(e)})")
    except DATA_ERRORS as e:
        refusal = (Category.REJECTED_BY_DATABASE, f"PostgreSQL refused it: {first_line(e)}")
    if len(rows) == 1:
        return {rows[0]: refusal}
    middle = len(rows) // 2
    return _bisect(conn, events, rows[:middle]) | _bisect(conn, events, rows[middle:])


def admit(conn: psycopg.Connection[Any], parsed: dict[TopicPartition, Parsed]) -> dict[TopicPartition, Parsed]:
    """Add every partition's events to ``bytes``; return ``parsed`` with refused events moved to rejects."""
    order = sorted(parsed)
    events = pa.concat_tables([parsed[tp].events for tp in order])
    try:
        _add(conn, events)
        return parsed
    except OVERFLOW:
        current = read_totals(conn, {k for keys in window_keys(events) for k in keys})
        refused: Refused = {row: (Category.OVERFLOW, f"its 5-minute total would pass {MAX_TOTAL}")
                            for row in overflowing(events, current)}
    except DATA_ERRORS:
        refused = {}
    refused |= _bisect(conn, events, [row for row in range(events.num_rows) if row not in refused])
    admitted, first = {}, 0
    for tp in order:
        count = parsed[tp].events.num_rows
        mine = {row - first: why for row, why in refused.items() if first <= row < first + count}
        admitted[tp], first = parsed[tp].without(mine), first + count
    return admitted
