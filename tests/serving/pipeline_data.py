"""Deterministic pipeline output for 13h-17h of 2022-10-29, written straight into the serving tables.

Events as the seed's simulator sends them (20 seed users, 5 antennas, 4 apps, a few bytes every
two minutes) are summed the way the speed layer (5-minute windows) and the batch layer (hours,
users over quota) do, so every table agrees with every other.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from common import schema
from provision.users import SEED_USERS, read_users_file

START = datetime(2022, 10, 29, 13, 0)
HOURS = 5
ANTENNAS = [str(d) * 8 + "-" + "-".join([str(d) * 4] * 3) + "-" + str(d) * 12 for d in range(5)]
APPS = ["SKYPE", "TELEGRAM", "FACETIME", "FACEBOOK"]
Key = tuple[datetime, str, str]  # (timestamp, id, type)


def _totals() -> tuple[dict[Key, int], dict[Key, int]]:
    rng = random.Random(20221029)
    five: dict[Key, int] = defaultdict(int)
    hourly: dict[Key, int] = defaultdict(int)
    users = read_users_file(SEED_USERS)
    for minute in range(0, HOURS * 60, 2):
        t = START + timedelta(minutes=minute)
        window, hour = t - timedelta(minutes=t.minute % 5), t.replace(minute=0)
        for n, user in enumerate(users):
            nbytes = rng.randint(0, 9999)
            antenna = ANTENNAS[(n // 4 + minute // 60) % len(ANTENNAS)]
            app = rng.choice(APPS)
            for id_, kind in ((user.id, schema.USER_TOTAL), (antenna, schema.ANTENNA_TOTAL),
                              (app, schema.APP_TOTAL)):
                five[(window, id_, kind)] += nbytes
                hourly[(hour, id_, kind)] += nbytes
    return five, hourly


def over_quota(hourly: dict[Key, int]) -> list[tuple[str, int, int, datetime]]:
    users = {u.id: u for u in read_users_file(SEED_USERS)}
    return sorted((users[id_].email, usage, users[id_].quota, hour)
                  for (hour, id_, kind), usage in hourly.items()
                  if kind == schema.USER_TOTAL and usage > users[id_].quota)


def write(url: str) -> dict[str, Any]:
    """Fill bytes, bytes_hourly and user_quota_limit; return what was written."""
    five, hourly = _totals()
    quota = over_quota(hourly)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for table, totals in ((schema.BYTES_TABLE, five), (schema.BYTES_HOURLY_TABLE, hourly)):
            cur.executemany(sql.SQL("INSERT INTO {} (timestamp, id, value, type) VALUES (%s, %s, %s, %s)")
                            .format(sql.Identifier(table)),
                            [(ts, id_, value, kind) for (ts, id_, kind), value in sorted(totals.items())])
        cur.executemany("INSERT INTO user_quota_limit (email, usage, quota, timestamp) VALUES (%s, %s, %s, %s)",
                        quota)
    return {"bytes": five, "bytes_hourly": hourly, "user_quota_limit": quota}
