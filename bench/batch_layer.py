"""Benchmark of the batch job: one hour of N synthetic events, the real job vs DuckDB on the same files.

    python bench/batch_layer.py --events 50000000 --repeat 3

Writes one hour of the lake with pyarrow as the speed layer does (EVENT_SCHEMA, zstd, dictionary
encoding, 256k-row groups, a handful of files), provisions a fresh database with the users, then
times in the same run, alternating the order: (a) ``python -m batch --hour ...`` end to end in a
subprocess (interpreter start, lake checks, the aggregation on dictionary codes, user_metadata read,
reconciliation and the one-transaction write to PostgreSQL) and (b) a DuckDB subprocess computing
the same three aggregations and the quota join on the same files (no database write). With
``--s3``, (c) the same batch command reading the same files from a bucket of a local S3 server
(s3proxy over a folder: the protocol's cost, not a network's), which must write the same rows.
Wall time, CPU time and peak RSS are those of each subprocess. The last lines hold the medians.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
import psycopg  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.fs as pafs  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.support.batch_range import DUCKDB_RANGE, batch_hours, same_hours  # noqa: E402
from bench.support.roles import provision_with_roles, service_url  # noqa: E402
from bench.support.watch import Limits, Stalled, Watched  # noqa: E402
from common import schema  # noqa: E402
from common.lake import EVENT_SCHEMA, file_name, hour_dir  # noqa: E402
from devstack.services import (  # noqa: E402
    create_bucket,
    create_database,
    drop_database,
    postgres_service,
    s3_env,
    s3_service,
)

HOUR = datetime(2022, 10, 29, 13, tzinfo=UTC)
APPS = ["SKYPE", "TELEGRAM", "FACETIME", "FACEBOOK", "WHATSAPP", "INSTAGRAM", "TIKTOK", "YOUTUBE",
        "NETFLIX", "SPOTIFY"]

DUCKDB = """
import duckdb, json, sys
files, users = json.loads(sys.argv[1]), sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TEMP TABLE u AS SELECT id, sum(bytes) AS value, count(*) AS events "
            "FROM read_parquet(?) GROUP BY id", [files])
antennas = con.execute("SELECT antenna_id, sum(bytes) FROM read_parquet(?) GROUP BY antenna_id", [files]).fetchall()
apps = con.execute("SELECT app, sum(bytes) FROM read_parquet(?) GROUP BY app", [files]).fetchall()
user_rows = con.execute("SELECT * FROM u").fetchall()
over = con.execute("SELECT m.email, u.value, m.quota FROM u JOIN read_csv(?) m USING (id) "
                   "WHERE u.value > m.quota", [users]).fetchall()
unknown = con.execute("SELECT coalesce(sum(events), 0) FROM u ANTI JOIN read_csv(?) m USING (id)", [users]).fetchone()
print(json.dumps({"users": len(user_rows), "antennas": len(antennas), "apps": len(apps),
                  "violations": len(over), "unknown": int(unknown[0]), "bytes": sum(r[1] for r in user_rows)}))
"""


def ids(prefix: str, n: int) -> pa.Array:
    return pa.array([f"{prefix}-0000-0000-0000-{i:012d}" for i in range(n)])


def grouped_by_id(rows: pa.Table) -> pa.Table:
    """The same rows with those of each ``id`` next to each other (ids in order of first appearance).

    The writer change tried in issue 12 and not kept: a row group's ``id`` codes then come in runs,
    which the batch job sums without a hash table. One hash of the ids and one stable sort of
    their integer codes; the rows themselves are unchanged.
    """
    codes = pc.dictionary_encode(rows["id"]).combine_chunks().indices
    return rows.take(pc.sort_indices(codes))


def write_lake(lake: Path, events: int, files: int, row_group: int, users: int, antennas: int,
               grouped: bool, hour: datetime = HOUR) -> tuple[list[Path], float]:
    """One hour of ``events`` in ``files`` files, time-ordered within each file like the speed layer's.

    ``grouped``: each row group's rows grouped by id (``grouped_by_id``), the writer change tried in
    issue 12 and not kept. Returns the files and the seconds spent grouping.
    """
    folder = hour_dir(lake, hour)
    folder.mkdir(parents=True, exist_ok=True)
    user_ids, antenna_ids, apps = ids("00000000", users), ids("11111111", antennas), pa.array(APPS)
    start, per, paths, grouping = int(hour.timestamp() * 1e6), -(-events // files), [], 0.0
    seed = int((hour - HOUR).total_seconds()) // 3600 * 100  # 0 for the one-hour benchmark's hour
    for f in range(files):
        m = min(per, events - f * per)
        span = 3_600_000_000 // files

        def pick(values: pa.Array, seed: int, m: int = m, f: int = f, base: int = seed) -> pa.Array:
            index = pc.floor(pc.multiply(pc.random(m, initializer=base + f * 10 + seed), len(values)))
            return pc.take(values, pc.cast(index, pa.int32()))

        ramp = pc.subtract(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), m)), 1)
        stamps = pc.add(pc.divide(pc.multiply(ramp, span), m), start + f * span)
        size = pc.cast(pc.floor(pc.multiply(pc.random(m, initializer=seed + f * 10 + 9), 10_000)), pa.int64())
        table = pa.table([stamps.cast(pa.timestamp("us", "UTC")), pick(user_ids, 1), pick(antenna_ids, 2),
                          size, pick(apps, 3)], schema=EVENT_SCHEMA)
        paths.append(folder / file_name("devices", f, f * per, f * per + max(m, 1) - 1))
        with pq.ParquetWriter(paths[-1], EVENT_SCHEMA, compression="zstd") as writer:
            for offset in range(0, m, row_group):
                rows = table.slice(offset, row_group)
                if grouped:
                    began = time.perf_counter()
                    rows = grouped_by_id(rows)
                    grouping += time.perf_counter() - began
                writer.write_table(rows, row_group_size=row_group)
    return paths, grouping


def write_users(path: Path, events: int, users: int) -> None:
    """All users but the last 1% (their events count as unknown); quotas 0.5x to 1.5x the mean usage."""
    mean = events / users * 5000
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["id", "name", "email", "quota"])
        for i in range(users - users // 100):
            out.writerow([f"00000000-0000-0000-0000-{i:012d}", f"user{i}", f"user{i}@example.com",
                          int(mean * (0.5 + (i % 100) / 100))])


# A small launcher forks the measured command, so its peak RSS is not inflated by this (large)
# process: on Linux a child's ru_maxrss starts from its parent's at fork.
LAUNCHER = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": time.perf_counter() - started, "cpu": r.ru_utime + r.ru_stime,
                  "rss": r.ru_maxrss // 1024, "code": done.returncode}), file=sys.stderr)
"""


def timed(cmd: list[str], env: dict[str, str], label: str, limits: Limits) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds, peak RSS (MB) and output of one subprocess, under a deadline and an idle timeout."""
    job = Watched([sys.executable, "-c", LAUNCHER, *cmd], label, limits, env=env)
    try:
        job.wait(f"{label} to finish the hour")
    except Stalled as e:
        raise SystemExit(f"batch: {e}") from None
    lines = list(job.output)
    figures = json.loads(lines[-1])
    if figures["code"]:
        raise SystemExit(f"batch: {label} failed ({figures['code']}): {' / '.join(lines[-5:])}")
    return figures["wall"], figures["cpu"], figures["rss"], "\n".join(lines[:-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=5_000_000)
    p.add_argument("--files", type=int, default=6)
    p.add_argument("--row-group", type=int, default=256 * 1024)  # as processor/publish.py writes them
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--antennas", type=int, default=500)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--idle-timeout", type=float, default=120.0, help="seconds a run may use no CPU before it fails")
    p.add_argument("--deadline", type=float, default=900.0, help="seconds one run may take in all")
    p.add_argument("--layout", choices=["grouped", "plain"], default="plain",
                   help="plain: time order only, as the speed layer writes; "
                        "grouped: each row group's rows grouped by id (the writer change not kept)")
    p.add_argument("--s3", action="store_true", help="also time the batch job reading the hour from a bucket")
    p.add_argument("--before", metavar="CHECKOUT", help="also time the batch job of the code in this folder "
                   "(an export of an earlier commit), alternating, on the same hours; it must write the same rows")
    p.add_argument("--range-hours", type=int, default=0,
                   help="a backfill instead: --events spread over this many hours, one `--from/--to` run of "
                        "the batch job against DuckDB computing the same hours")
    args = p.parse_args()
    if args.range_hours:
        range_main(args)
        return
    print("command: python bench/batch_layer.py " + " ".join(sys.argv[1:]))
    print(f"machine: nproc={os.cpu_count()} ram_gb={os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} "
          f"python={platform.python_version()} polars={pl.__version__} duckdb={duckdb.__version__} "
          f"pyarrow={pa.__version__} load={os.getloadavg()[0]:.2f}")
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
        stack.callback(shutil.rmtree, work, True)
        started = time.perf_counter()
        files, grouping = write_lake(work / "data" / "events", args.events, args.files, args.row_group, args.users,
                                     args.antennas, args.layout == "grouped")
        write_users(work / "users.csv", args.events, args.users)
        size = sum(f.stat().st_size for f in files) / 2**20
        print(f"lake: {args.events} events, {len(files)} files, {size:.0f} MB, layout {args.layout}, written in "
              f"{time.perf_counter() - started:.1f}s (grouping rows by id: {grouping:.1f}s, "
              f"{grouping / args.events * 1e6:.2f} us/event)")
        server, _ = stack.enter_context(postgres_service())
        url = create_database(server)
        stack.callback(drop_database, url)
        provision_with_roles(url, work / "users.csv")
        env = {"DATABASE_URL": service_url(url, schema.BATCH_ROLE), "DATA_DIR": str(work / "data"), "LOG_LEVEL": "INFO"}
        batch_cmd = [sys.executable, "-m", "batch", "--hour", HOUR.strftime("%Y-%m-%dT%H")]
        duck_cmd = [sys.executable, "-c", DUCKDB, json.dumps([str(f) for f in files]), str(work / "users.csv")]
        commands = [("batch", batch_cmd, env), ("duckdb", duck_cmd, env)]
        if args.before:
            commands.append(("batch before", before_command(args.before, batch_cmd), env))
        if args.s3:
            s3, _ = stack.enter_context(s3_service())
            bucket = create_bucket(s3)
            pafs.copy_files(str(work / "data" / "events"), f"{bucket}/lake", destination_filesystem=s3.filesystem())
            commands.append(("batch_s3", batch_cmd, {**env, **s3_env(s3, f"s3://{bucket}/lake")}))
        runs: dict[str, list[tuple[float, float, int]]] = {label: [] for label, _, _ in commands}
        written: set[str] = set()
        for i in range(args.repeat):
            order = commands[:: 1 if i % 2 == 0 else -1]
            for label, cmd, cmd_env in order:
                wall, cpu, rss, out = timed(cmd, cmd_env, label, Limits(args.idle_timeout, args.deadline))
                runs[label].append((wall, cpu, rss))
                if label != "duckdb":
                    written.add(rows(url))
                inside = ""
                if label == "duckdb":
                    duck = json.loads(out.strip().splitlines()[-1])
                elif found := re.search(r"\((\d+\.\d+)s\)$", out.strip()):
                    inside = f" (the hour itself {found.group(1)}s)"
                print(f"run {i + 1} {label}: {wall:.2f}s wall{inside}, {cpu:.2f}s cpu, {rss} MB peak rss, "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
        check(url, duck)
        print(f"every batch run wrote the same rows: {len(written) == 1}")
        if len(written) != 1:
            raise SystemExit("the batch runs disagree")
    batch_s = statistics.median(r[0] for r in runs["batch"])
    duck_s = statistics.median(r[0] for r in runs["duckdb"])
    print(f"median cpu_s: batch {statistics.median(r[1] for r in runs['batch']):.2f}, "
          f"duckdb {statistics.median(r[1] for r in runs['duckdb']):.2f}; "
          f"duckdb peak rss {max(r[2] for r in runs['duckdb'])} MB")
    if args.before:
        pairs = [b[0] / a[0] for a, b in zip(runs["batch"], runs["batch before"], strict=True)]
        print(f"before ({args.before}): batch_before_s={statistics.median(r[0] for r in runs['batch before']):.2f} "
              f"before_over_after={statistics.median(pairs):.2f} (median of the run-by-run ratios); cpu_s "
              f"{statistics.median(r[1] for r in runs['batch before']):.2f}")
    print(f"batch: events={args.events} batch_s={batch_s:.2f} duckdb_s={duck_s:.2f} "
          f"vs_duckdb={duck_s / batch_s:.2f} rss_mb={max(r[2] for r in runs['batch'])}")
    if args.s3:
        s3_s = statistics.median(r[0] for r in runs["batch_s3"])
        print(f"batch from a bucket: events={args.events} batch_s3_s={s3_s:.2f} batch_s={batch_s:.2f} "
              f"local_vs_s3={batch_s / s3_s:.2f} rss_mb={max(r[2] for r in runs['batch_s3'])}")


def before_command(checkout: str, batch_cmd: list[str]) -> list[str]:
    """``python -m batch ...`` on the code of another checkout (its packages first on the path)."""
    return [sys.executable, "-c", f"import runpy, sys; sys.path.insert(0, {checkout!r}); "
            "runpy.run_module('batch', run_name='__main__', alter_sys=True)", *batch_cmd[3:]]


def range_main(args: argparse.Namespace) -> None:
    """``--range-hours``: one process of the batch job over every hour against DuckDB (both ways), exact."""
    print("command: python bench/batch_layer.py " + " ".join(sys.argv[1:]))
    print(f"machine: nproc={os.cpu_count()} python={platform.python_version()} polars={pl.__version__} "
          f"duckdb={duckdb.__version__} pyarrow={pa.__version__} load={os.getloadavg()[0]:.2f}")
    hours = [HOUR + timedelta(hours=h) for h in range(args.range_hours)]
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="bench-batch-range-"))
        stack.callback(shutil.rmtree, work, True)
        started = time.perf_counter()
        files = {h.strftime("%Y-%m-%dT%H"): [str(f) for f in write_lake(
            work / "data" / "events", args.events // len(hours), args.files, args.row_group, args.users,
            args.antennas, False, h)[0]] for h in hours}
        write_users(work / "users.csv", args.events // len(hours), args.users)
        print(f"lake: {args.events} events over {len(hours)} hours, {args.files} files per hour, written in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        server, _ = stack.enter_context(postgres_service())
        url = create_database(server)
        stack.callback(drop_database, url)
        provision_with_roles(url, work / "users.csv")
        env = {"DATABASE_URL": service_url(url, schema.BATCH_ROLE), "DATA_DIR": str(work / "data"), "LOG_LEVEL": "INFO"}
        end = hours[-1] + timedelta(hours=1)
        batch_cmd = [sys.executable, "-m", "batch", "--from", hours[0].strftime("%Y-%m-%dT%H"),
                     "--to", end.strftime("%Y-%m-%dT%H")]
        commands = [("batch", batch_cmd, env)]
        if args.before:
            commands.append(("batch before", before_command(args.before, batch_cmd), env))
        commands += [(f"duckdb {mode}", [sys.executable, "-c", DUCKDB_RANGE, json.dumps(files), str(work / "users.csv"),
                                         mode], env) for mode in ("per-hour", "one-query")]
        runs: dict[str, list[tuple[float, float, int]]] = {label: [] for label, _, _ in commands}
        answers: dict[str, str] = {}
        exact = True
        for i in range(args.repeat):
            for label, cmd, cmd_env in commands[:: 1 if i % 2 == 0 else -1]:
                wall, cpu, rss, out = timed(cmd, cmd_env, label, Limits(args.idle_timeout, args.deadline))
                runs[label].append((wall, cpu, rss))
                if label.startswith("batch"):
                    exact = exact and len(batch_hours(url)) == len(hours)
                    answers.setdefault("batch", json.dumps(batch_hours(url), sort_keys=True))
                    exact = exact and answers["batch"] == json.dumps(batch_hours(url), sort_keys=True)
                else:
                    answers[label] = out
                print(f"run {i + 1} {label}: {wall:.2f}s wall, {cpu:.2f}s cpu, {rss} MB peak rss, "
                      f"load {os.getloadavg()[0]:.2f}", flush=True)
        ours = json.loads(answers["batch"])
        exact = exact and all(same_hours(ours, answers[label]) for label in answers if label.startswith("duckdb"))
    medians = {label: statistics.median(r[0] for r in rs) for label, rs in runs.items()}
    duck_label = min((label for label in medians if label.startswith("duckdb")), key=medians.__getitem__)
    for label, rs in runs.items():
        print(f"median {label}: {medians[label]:.2f}s wall, {statistics.median(r[1] for r in rs):.2f}s cpu, "
              f"{max(r[2] for r in rs)} MB peak rss")
    print(f"duckdb baseline: the faster, {duck_label}")
    if args.before:
        pairs = [b[0] / a[0] for a, b in zip(runs["batch"], runs["batch before"], strict=True)]
        print(f"before ({args.before}): batch_before_s={medians['batch before']:.2f} "
              f"before_over_after={statistics.median(pairs):.2f} (median of the run-by-run ratios)")
    print(f"batch_range: hours={len(hours)} events={args.events} batch_s={medians['batch']:.2f} "
          f"duckdb_s={medians[duck_label]:.2f} vs_duckdb={medians[duck_label] / medians['batch']:.2f} "
          f"rss_mb={max(r[2] for r in runs['batch'])} exact={'yes' if exact else 'no'}")


def rows(url: str) -> str:
    """The batch tables' rows of the hour, as one comparable value."""
    with psycopg.connect(url) as conn:
        return repr([conn.execute(sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3, 4").format(sql.Identifier(table))).fetchall()
                     for table in ("bytes_hourly", "user_quota_limit")])


def check(url: str, duck: dict[str, int]) -> None:
    """The batch job's tables must say what DuckDB computed."""
    with psycopg.connect(url) as conn:
        by_type: dict[str, int] = dict(conn.execute("SELECT type, count(*) FROM bytes_hourly GROUP BY type").fetchall())
        [(violations,)] = conn.execute("SELECT count(*) FROM user_quota_limit").fetchall()
        [(unknown, total)] = conn.execute("SELECT unknown_user_events, batch_bytes FROM batch_runs").fetchall()
    ours = {"users": by_type["user_total_bytes"], "antennas": by_type["antenna_total_bytes"],
            "apps": by_type["app_total_bytes"], "violations": violations, "unknown": unknown, "bytes": total}
    print(f"results agree: {ours == duck} (batch {ours}, duckdb {duck})")
    if ours != duck:
        raise SystemExit("batch and DuckDB disagree")


if __name__ == "__main__":
    main()
