"""Where the batch job's time per event goes, stage by stage, against DuckDB's passes: one core each.

    python bench/batch_parts.py --rows 8388608 --rounds 5

``bench/batch_layer.py`` times whole runs (processes, start-up, the database write included); this script
explains them. It writes one lake file as ``bench/batch_layer.py`` does (32 row groups of 256k events by
default), then, in one process, one thread for Polars and for DuckDB, alternating the order every
round, measures the CPU time per event of:

- **the job's sums**: ``batch.lake_reader._read`` over the file, exactly what one reader thread of
  ``python -m batch`` does (batches of row groups read as dictionary codes, summed, merged);
- **DuckDB**: the three queries of ``bench/batch_layer.py``'s DuckDB baseline (``GROUP BY`` id with
  ``sum`` and ``count``, then antenna_id, then app, each reading the file again), each timed;

and, on the first batch of the job (``BATCH_ROWS``), the job's stages one by one:

- **read**: the four columns the job reads, as dictionary codes (each row group its own dictionary);
- **sums**: ``KeySums.add`` on that batch: per row group, the contract checks, the direct-indexed
  sums per id and per antenna x app pair (numpy ``bincount``), and their addition into the running
  totals by key string;
- **polars id sums**: for comparison, the hash group-by of the code before (Polars, sums and counts
  per id code of the batch, dictionaries unified first).

The medians are printed, and the last line compares the cost per event per core of the whole
aggregation (ours in one pass against DuckDB's three).

    python bench/batch_parts.py --copy-rows 10510 --rounds 12

times the hour's write instead: on a fresh database (a real PostgreSQL), the ``bytes_hourly`` rows of
one hour (``--copy-rows``, sorted as ``batch/aggregate.py`` sorts them) replaced in a transaction
(``DELETE`` of the hour, then ``COPY``), as a CSV that Polars writes (the code before) and as the
binary ``COPY`` of ``batch/binary_copy.py``, alternating; wall time of the ``COPY`` (the server's
work included) and CPU time of building its data, medians; last line ``batch_copy: ...``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # before Polars is imported: one thread, per-core figures

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.fs as pafs  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from batch import key_sums  # noqa: E402
from batch.aggregate import BYTES_HOURLY_SCHEMA  # noqa: E402
from batch.binary_copy import binary_copy  # noqa: E402
from batch.lake_check import COLUMNS  # noqa: E402
from batch.lake_reader import BATCH_ROWS, _read, batches  # noqa: E402
from bench.batch_layer import HOUR, write_lake  # noqa: E402
from common.lake_store import LakeObject  # noqa: E402


def polars_id_sums(table: pa.Table) -> Callable[[], object]:
    """Sums and counts per id code with Polars' group-by, the dictionaries unified first (the code before)."""
    def run() -> object:
        ids = table.select(["id", "bytes"]).unify_dictionaries().combine_chunks()
        frame = pl.DataFrame({"id": pl.Series(ids.column("id").chunk(0).indices), "bytes": pl.Series(ids.column("bytes"))})
        return frame.group_by("id").agg(pl.col("bytes").sum(), pl.len())
    return run


def fetch_all(con: duckdb.DuckDBPyConnection, query: str, path: str) -> object:
    return con.execute(query, [path]).fetchall()


def measure(stages: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median CPU seconds of each stage, the order alternating every round."""
    spent: dict[str, list[float]] = {name: [] for name in stages}
    for round_ in range(rounds):
        for name in list(stages)[:: 1 if round_ % 2 == 0 else -1]:
            began = time.process_time()
            stages[name]()
            spent[name].append(time.process_time() - began)
    return {name: statistics.median(times) for name, times in spent.items()}


def hour_rows(rows: int) -> pl.DataFrame:
    """``rows`` rows of one hour of ``bytes_hourly``, in the order the job writes them."""
    ids = [f"00000000-0000-0000-0000-{i:012d}" for i in range(rows)]
    types = ["user_total_bytes", "antenna_total_bytes", "app_total_bytes"]
    return pl.DataFrame({"timestamp": [HOUR.replace(tzinfo=None)] * rows, "id": ids,
                         "value": np.arange(rows, dtype=np.int64) * 4_999, "type": [types[i % 3] for i in range(rows)]},
                        schema=BYTES_HOURLY_SCHEMA).sort("type", "id")


# What the table holds after a COPY: its rows and a digest of every field, to compare both ways with the frame.
DIGEST = ("SELECT count(*), md5(string_agg(concat_ws(',', timestamp, id, value, type), ';' ORDER BY type, id)) "
          "FROM bytes_hourly")


def frame_digest(frame: pl.DataFrame) -> str:
    text = ";".join(f"{t:%Y-%m-%d %H:%M:%S},{i},{v},{k}" for t, i, v, k in frame.sort("type", "id").iter_rows())
    return hashlib.md5(text.encode()).hexdigest()


def copy_main(rows: int, rounds: int) -> None:
    """``--copy-rows``: the hour's ``bytes_hourly`` rows replaced by a CSV ``COPY`` and by a binary one, alternating."""
    import psycopg

    from bench.support.roles import provision_with_roles
    from devstack.services import create_database, drop_database, postgres_service

    frame = hour_rows(rows)
    builds: dict[str, Callable[[], bytes]] = {
        "csv": lambda: frame.write_csv(include_header=False, quote_style="non_numeric").encode(),
        "binary": lambda: binary_copy(frame)}
    copy_ms: dict[str, list[float]] = {name: [] for name in builds}
    build_ms: dict[str, list[float]] = {name: [] for name in builds}
    columns = ", ".join(frame.columns)
    written: set[tuple[Any, ...] | None] = set()
    with postgres_service() as (server, _):
        url = create_database(server)
        try:
            provision_with_roles(url)
            with psycopg.connect(url, autocommit=True) as conn:
                for round_ in range(rounds):
                    for name in list(builds)[:: 1 if round_ % 2 == 0 else -1]:
                        began = time.process_time()
                        data = builds[name]()
                        build_ms[name].append((time.process_time() - began) * 1e3)
                        with conn.transaction():
                            conn.execute("DELETE FROM bytes_hourly WHERE timestamp = %s", (HOUR.replace(tzinfo=None),))
                            began = time.perf_counter()
                            with conn.cursor() as cur, cur.copy(
                                    f"COPY bytes_hourly ({columns}) FROM STDIN (FORMAT {name})") as copy:
                                copy.write(data)
                            copy_ms[name].append((time.perf_counter() - began) * 1e3)
                        written.add(conn.execute(DIGEST).fetchone())
        finally:
            drop_database(url)
    if written != {(rows, frame_digest(frame))}:
        raise SystemExit(f"batch_parts: the COPYs wrote {written}, not the frame's {rows} rows")
    med = {name: statistics.median(v) for name, v in copy_ms.items()}
    build = {name: statistics.median(v) for name, v in build_ms.items()}
    print(f"machine: nproc={os.cpu_count()} polars={pl.__version__} numpy={np.__version__} "
          f"load={os.getloadavg()[0]:.2f}; {rows} bytes_hourly rows replaced, {rounds} rounds each")
    for name in builds:
        print(f"  {name:6s} copy {med[name]:7.1f} ms wall (runs: {' '.join(f'{v:.0f}' for v in copy_ms[name])}), "
              f"build {build[name]:6.1f} ms cpu")
    print(f"batch_copy: rows={rows} csv_ms={med['csv']:.1f} binary_ms={med['binary']:.1f} "
          f"build_csv_ms={build['csv']:.1f} build_binary_ms={build['binary']:.1f} "
          f"csv_over_binary={med['csv'] / med['binary']:.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=32 * 256 * 1024, help="events in the file")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--deadline", type=float, default=900.0, help="seconds the whole measurement may take")
    p.add_argument("--copy-rows", type=int, default=0,
                   help="time the hour's write instead: this many bytes_hourly rows, CSV against binary COPY")
    args = p.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(f"batch_parts: not done after {args.deadline:.0f}s (deadline)"))
    signal.alarm(int(args.deadline))
    if args.copy_rows:
        copy_main(args.copy_rows, args.rounds)
        return
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as work:
        [path], _ = write_lake(Path(work) / "events", args.rows, 1, 256 * 1024, 10_000, 500, grouped=False)
        file = LakeObject(str(path), path.name, str(path), path.stat().st_size, path.stat().st_mtime_ns)
        filesystem = pafs.LocalFileSystem()
        con = duckdb.connect()
        con.execute("SET threads = 1")
        queries = {"duckdb id": "SELECT id, sum(bytes), count(*) FROM read_parquet(?) GROUP BY id",
                   "duckdb antenna_id": "SELECT antenna_id, sum(bytes) FROM read_parquet(?) GROUP BY antenna_id",
                   "duckdb app": "SELECT app, sum(bytes) FROM read_parquet(?) GROUP BY app"}
        whole: dict[str, Callable[[], object]] = {"ours": lambda: _read(filesystem, HOUR, 10**12, [file]).totals()}
        for name, query in queries.items():
            whole[name] = partial(fetch_all, con, query, str(path))
        totals = measure(whole, args.rounds)

        _, first = next(batches(filesystem, file))
        parquet = pq.ParquetFile(path, read_dictionary=list(key_sums.KEYS))
        groups = list(range(min(parquet.num_row_groups, -(-BATCH_ROWS // parquet.metadata.row_group(0).num_rows))))
        stages: dict[str, Callable[[], object]] = {
            "read": lambda: parquet.read_row_groups(groups, columns=list(COLUMNS), use_threads=False),
            "sums": lambda: key_sums.KeySums(10**12, HOUR).add(first),
            "polars id sums": polars_id_sums(first),
        }
        parts = measure(stages, args.rounds)
    ns = {name: seconds / args.rows * 1e9 for name, seconds in totals.items()}
    part_ns = {name: seconds / first.num_rows * 1e9 for name, seconds in parts.items()}
    duck = sum(v for name, v in ns.items() if name.startswith("duckdb"))
    print(f"machine: nproc={os.cpu_count()} polars={pl.__version__} pyarrow={pa.__version__} "
          f"duckdb={duckdb.__version__} numpy={np.__version__} "
          f"load={os.getloadavg()[0]:.2f}; {args.rows} events in one file, {args.rounds} rounds, one thread each")
    print("the whole aggregation, CPU per event:")
    for name, value in ns.items():
        print(f"  {name:18s} {value:6.1f} ns")
    print(f"  {'duckdb, 3 queries':18s} {duck:6.1f} ns")
    print(f"the job's stages, on its first batch ({first.num_rows} events), CPU per event:")
    for name, value in part_ns.items():
        print(f"  {name:18s} {value:6.1f} ns")
    print(f"batch_parts: ours_ns={ns['ours']:.1f} duckdb_ns={duck:.1f} read_ns={part_ns['read']:.1f} "
          f"sums_ns={part_ns['sums']:.1f} polars_id_ns={part_ns['polars id sums']:.1f} "
          f"cpu_vs_duckdb={duck / ns['ours']:.2f}")


if __name__ == "__main__":
    main()
