"""A day's backfill for ``bench/batch_layer.py --range-hours``: DuckDB computing the same hours, and the check
that ``python -m batch --from .. --to ..`` wrote what DuckDB computed, hour by hour.

DuckDB answers in two ways, each timed: one set of queries per hour (each hour's files, as the batch
job reads them), and one set of queries over every hour at once, grouped by the hour (from the lake's
hive folders). The faster median is the baseline.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

# argv: files per hour (JSON: {hour label: [paths]}), the users CSV, "per-hour" or "one-query"
DUCKDB_RANGE = """
import duckdb, json, sys
hours, users, mode = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TEMP TABLE m AS SELECT * FROM read_csv(?)", [users])
out = {}
def report(label, where, params):
    users_n, total = con.execute(f"SELECT count(*), coalesce(sum(value), 0) FROM u WHERE {where}", params).fetchone()
    antennas = con.execute(f"SELECT count(*) FROM a WHERE {where}", params).fetchone()[0]
    apps = con.execute(f"SELECT count(*) FROM p WHERE {where}", params).fetchone()[0]
    over = con.execute(f"SELECT count(*) FROM u JOIN m USING (id) WHERE u.value > m.quota AND {where}", params).fetchone()[0]
    unknown = con.execute(f"SELECT coalesce(sum(events), 0) FROM u ANTI JOIN m USING (id) WHERE {where}", params).fetchone()[0]
    out[label] = {"users": users_n, "antennas": antennas, "apps": apps, "violations": over,
                  "unknown": int(unknown), "bytes": int(total)}
if mode == "per-hour":
    for label, files in hours.items():
        con.execute("CREATE OR REPLACE TEMP TABLE u AS SELECT id, sum(bytes) AS value, count(*) AS events "
                    "FROM read_parquet(?) GROUP BY id", [files])
        con.execute("CREATE OR REPLACE TEMP TABLE a AS SELECT antenna_id, sum(bytes) FROM read_parquet(?) "
                    "GROUP BY antenna_id", [files])
        con.execute("CREATE OR REPLACE TEMP TABLE p AS SELECT app, sum(bytes) FROM read_parquet(?) GROUP BY app", [files])
        report(label, "true", [])
else:
    files = [f for fs in hours.values() for f in fs]
    src = "read_parquet(?, hive_partitioning = true)"
    con.execute(f"CREATE TEMP TABLE u AS SELECT day, hour, id, sum(bytes) AS value, count(*) AS events "
                f"FROM {src} GROUP BY ALL", [files])
    con.execute(f"CREATE TEMP TABLE a AS SELECT day, hour, antenna_id, sum(bytes) FROM {src} GROUP BY ALL", [files])
    con.execute(f"CREATE TEMP TABLE p AS SELECT day, hour, app, sum(bytes) FROM {src} GROUP BY ALL", [files])
    for label in hours:
        day, hour = int(label[8:10]), int(label[11:13])
        report(label, "day = ? AND hour = ?", [day, hour])
print(json.dumps(out))
"""


def batch_hours(url: str) -> dict[str, dict[str, int]]:
    """What the batch job wrote, per hour, in the shape of DuckDB's answer."""
    with psycopg.connect(url) as conn:
        kinds = conn.execute("SELECT to_char(timestamp, 'YYYY-MM-DD\"T\"HH24'), type, count(*) FROM bytes_hourly "
                             "GROUP BY 1, 2").fetchall()
        over: dict[str, int] = dict(conn.execute(
            "SELECT to_char(timestamp, 'YYYY-MM-DD\"T\"HH24'), count(*) FROM user_quota_limit GROUP BY 1").fetchall())
        ledger = conn.execute("SELECT to_char(hour, 'YYYY-MM-DD\"T\"HH24'), unknown_user_events, batch_bytes "
                              "FROM batch_runs").fetchall()
    out: dict[str, dict[str, Any]] = {}
    names = {"user_total_bytes": "users", "antenna_total_bytes": "antennas", "app_total_bytes": "apps"}
    for label, kind, n in kinds:
        out.setdefault(label, {})[names[kind]] = n
    for label, unknown, total in ledger:
        out.setdefault(label, {}).update(violations=over.get(label, 0), unknown=unknown, bytes=total)
    return out


def same_hours(ours: dict[str, dict[str, int]], duck: str) -> bool:
    """Whether the batch job's hours equal DuckDB's (its JSON output), every figure of every hour."""
    theirs = json.loads(duck.strip().splitlines()[-1])
    return bool(ours) and ours == theirs
