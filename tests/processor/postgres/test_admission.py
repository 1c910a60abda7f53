"""No poison pill, on a real PostgreSQL: what the database refuses is one message's dead letter."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from common.db import DatabaseConfig
from common.errors import DatabaseUnavailable, DataRejected
from processor.admission import admit
from processor.events.parse import parse_batch
from processor.events.windows import MAX_TOTAL
from processor.metrics import Metrics
from processor.postgres.connection import ReconnectingConnection
from processor.records import TopicPartition

from ...helpers import query
from ...services import provisioned_database

pytestmark = pytest.mark.integration
T = 1667048400
P0, P1 = TopicPartition("devices", 0), TopicPartition("devices", 1)


@pytest.fixture
def url(postgres_url: str) -> Iterator[str]:
    with provisioned_database(postgres_url) as database:
        yield database


def message(size: int, user: str = "u", second: int = 0) -> bytes:
    return b'{"bytes":%d,"timestamp":%d,"app":"A","id":"%s","antenna_id":"a"}' % (size, T + second, user.encode())


def parsed(values: list[bytes], first: int = 0) -> Any:
    return parse_batch(values, list(range(first, first + len(values))), MAX_TOTAL)  # type: ignore[arg-type]


def user_totals(url: str) -> dict[str, int]:
    return dict(query(url, "SELECT id, value FROM bytes WHERE type = 'user_total_bytes'"))


def test_events_that_would_push_a_total_past_bigint_are_dead_letters_and_the_others_count(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO bytes (timestamp, id, value, type) VALUES "
                     "(to_timestamp(%s) AT TIME ZONE 'UTC', 'u', %s, 'user_total_bytes')", (T, MAX_TOTAL - 100))
        result = admit(conn, {P0: parsed([message(60), message(50), message(40)]),
                              P1: parsed([message(7, user="v"), message(2**62, user="v", second=1)], first=10)})
        conn.commit()
    assert [(r.offset, r.category) for r in result[P0].rejects] == [(1, "overflow")]  # 60 fits, 50 not, 40 fits
    assert result[P0].offsets == [0, 2] and result[P1].offsets == [10, 11] and result[P1].rejects == []
    assert result[P0].rejects[0].value == message(50)
    assert user_totals(url) == {"u": MAX_TOTAL, "v": 7 + 2**62}


def test_a_value_postgresql_refuses_for_another_data_reason_is_bisected_out_alone(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("ALTER TABLE bytes ADD CONSTRAINT no_poison CHECK (id <> 'poison')")
        values = [message(i + 1, user="poison" if i in (3, 11) else f"user-{i % 4}") for i in range(16)]
        result = admit(conn, {P0: parsed(values)})
        conn.commit()
    assert [(r.offset, r.category) for r in result[P0].rejects] == [(3, "rejected_by_database"),
                                                                     (11, "rejected_by_database")]
    assert "no_poison" in result[P0].rejects[0].reason
    assert sum(user_totals(url).values()) == sum(range(1, 17)) - 4 - 12


def test_a_program_limit_is_a_data_error_never_an_outage(url: str) -> None:
    """An index row too large (54000) is an OperationalError to psycopg: it must not be retried forever."""
    huge = "".join(random.Random(1).choices(string.ascii_letters, k=6000))  # incompressible: too big for the index
    database = ReconnectingConnection(DatabaseConfig(SecretStr(url)), Metrics())

    def insert(conn: psycopg.Connection[Any]) -> None:
        conn.execute("INSERT INTO bytes (timestamp, id, value, type) VALUES (now(), %s, 1, 'user_total_bytes')", (huge,))

    with pytest.raises(DataRejected, match="index row"):
        database.transaction(insert)
    with pytest.raises(DataRejected):
        database.transaction(lambda conn: conn.execute("SELECT 1 / 0"))
    assert not isinstance(DataRejected("x"), DatabaseUnavailable)
    database.close()
