"""Where the batch job's time per event goes, stage by stage, against DuckDB's passes: one core each.

    python bench/batch_parts.py --rows 8388608 --rounds 5

``bench/batch.py`` times whole runs (processes, start-up, the database write included); this script
explains them. It writes one lake file as ``bench/batch.py`` does (32 row groups of 256k events by
default), then, in one process, one thread for Polars and for DuckDB, alternating the order every
round, measures the CPU time per event of:

- **the job's sums**: ``batch.lake_reader._read`` over the file, exactly what one reader thread of
  ``python -m batch`` does (batches of row groups read as dictionary codes, summed, merged);
- **DuckDB**: the three queries of ``bench/batch.py``'s DuckDB baseline (``GROUP BY`` id with
  ``sum`` and ``count``, then antenna_id, then app, each reading the file again), each timed;

and, on the first batch of the job (``BATCH_ROWS``), the job's stages one by one:

- **read**: the four columns the job reads, as dictionary codes;
- **unify**: one dictionary per key for the batch (``pyarrow``'s ``unify_dictionaries``);
- **id sums**, **pair sums**: the job's two Polars passes on those codes (sums and counts per id;
  sums per antenna x app pair), exactly the calls ``batch.key_sums`` makes;
- **acero id sums**, **acero pair sums**: the same two passes with pyarrow's own group-by (Acero's
  hash aggregation, one thread) on the same codes: what leaving Polars for the sums would buy;
- **numpy bincount**, only if numpy is importable (it is not a dependency of the project): the
  same sums with a direct-indexed ``bincount`` instead of Polars' hash tables.

The medians are printed, and the last line compares the cost per event per core of the whole
aggregation (ours in one pass against DuckDB's three).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # before Polars is imported: one thread, per-core figures

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.fs as pafs  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from batch import key_sums  # noqa: E402
from batch.lake_check import COLUMNS  # noqa: E402
from batch.lake_reader import BATCH_ROWS, _read, batches  # noqa: E402
from bench.batch import write_lake  # noqa: E402
from common.lake_store import LakeObject  # noqa: E402

try:
    import numpy as np  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    np = None


def polars_passes(table: pa.Table) -> dict[str, Callable[[], object]]:
    """The two Polars passes of ``batch_sums`` on an already unified batch, each on its own."""
    (ids, _), (antennas, _), (apps, _) = (key_sums._codes(table.column(k)) for k in key_sums.KEYS)
    sizes = key_sums._series(table.column("bytes"))
    n_apps = len(table.column("app").chunk(0).dictionary)
    rows = pl.DataFrame({"antenna": antennas, "app": apps, "bytes": sizes}).lazy()
    return {"id sums": lambda: key_sums._id_sums(ids, sizes).collect(engine="streaming"),
            "pair sums": lambda: rows.group_by(key_sums._pair(n_apps)).agg(*key_sums._SUMS).collect(engine="streaming")}


def acero_passes(table: pa.Table) -> dict[str, Callable[[], object]]:
    """The same two passes with pyarrow's group-by (``pyarrow.compute`` is imported only here)."""
    import pyarrow.compute as pc

    def codes(key: str) -> pa.ChunkedArray:
        return pa.chunked_array([chunk.indices for chunk in table.column(key).chunks])
    ids, antennas, apps = (codes(k) for k in key_sums.KEYS)
    sizes = table.column("bytes").cast(pa.int64())
    n_apps = len(table.column("app").chunk(0).dictionary)
    sums = [("bytes", "sum"), ("bytes", "count")]

    def pairs() -> object:
        pair = pc.add(pc.multiply(antennas.cast(pa.int32()), n_apps), apps.cast(pa.int32()))
        return pa.table({"pair": pair, "bytes": sizes}).group_by("pair", use_threads=False).aggregate(sums)
    return {"acero id sums": lambda: pa.table({"id": ids, "bytes": sizes}).group_by("id", use_threads=False).aggregate(sums),
            "acero pair sums": pairs}


def same_sums(polars_sums: object, acero_sums: object) -> None:
    """Both group-bys gave the same sums and counts per id code, or the comparison means nothing."""
    assert isinstance(polars_sums, pl.DataFrame) and isinstance(acero_sums, pa.Table)
    theirs = pl.DataFrame(acero_sums).select(pl.col("id").cast(polars_sums["id"].dtype),
                                             pl.col("bytes_sum").alias("value"), pl.col("bytes_count").alias("events"))
    if not polars_sums.sort("id").equals(theirs.sort("id")):
        sys.exit("batch_parts: Acero's sums per id differ from Polars'")


def numpy_sums(table: pa.Table) -> Callable[[], object]:
    """The same sums with numpy's ``bincount`` (float64 weights: exact while a sum stays below 2**53)."""
    whole = table.combine_chunks()
    ids, antennas, apps = (whole.column(k).chunk(0).indices.to_numpy() for k in key_sums.KEYS)
    weights = whole.column("bytes").chunk(0).to_numpy().astype(np.float64)
    n_apps = len(whole.column("app").chunk(0).dictionary)

    def run() -> object:
        pair = antennas.astype(np.int64) * n_apps + apps
        return np.bincount(ids, weights=weights), np.bincount(ids), np.bincount(pair, weights=weights)
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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=32 * 256 * 1024, help="events in the file")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--deadline", type=float, default=900.0, help="seconds the whole measurement may take")
    args = p.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(f"batch_parts: not done after {args.deadline:.0f}s (deadline)"))
    signal.alarm(int(args.deadline))
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as work:
        [path], _ = write_lake(Path(work) / "events", args.rows, 1, 256 * 1024, 10_000, 500, grouped=False)
        file = LakeObject(str(path), path.name, str(path), path.stat().st_size, path.stat().st_mtime_ns)
        filesystem = pafs.LocalFileSystem()
        con = duckdb.connect()
        con.execute("SET threads = 1")
        queries = {"duckdb id": "SELECT id, sum(bytes), count(*) FROM read_parquet(?) GROUP BY id",
                   "duckdb antenna_id": "SELECT antenna_id, sum(bytes) FROM read_parquet(?) GROUP BY antenna_id",
                   "duckdb app": "SELECT app, sum(bytes) FROM read_parquet(?) GROUP BY app"}
        whole: dict[str, Callable[[], object]] = {"ours": lambda: _read(filesystem, [file]).totals()}
        for name, query in queries.items():
            whole[name] = partial(fetch_all, con, query, str(path))
        totals = measure(whole, args.rounds)

        first = next(batches(filesystem, file))
        unified = key_sums._unified(first)
        parquet = pq.ParquetFile(path, read_dictionary=list(key_sums.KEYS))
        groups = list(range(min(parquet.num_row_groups, -(-BATCH_ROWS // parquet.metadata.row_group(0).num_rows))))
        stages: dict[str, Callable[[], object]] = {
            "read": lambda: parquet.read_row_groups(groups, columns=list(COLUMNS), use_threads=False),
            "unify": lambda: key_sums._unified(first),
            **polars_passes(unified),
            "batch_sums": lambda: key_sums.batch_sums(first),
            **acero_passes(unified),
        }
        if np is not None:
            stages["numpy bincount"] = numpy_sums(unified)
        parts = measure(stages, args.rounds)
        same_sums(stages["id sums"](), stages["acero id sums"]())
    ns = {name: seconds / args.rows * 1e9 for name, seconds in totals.items()}
    part_ns = {name: seconds / first.num_rows * 1e9 for name, seconds in parts.items()}
    duck = sum(v for name, v in ns.items() if name.startswith("duckdb"))
    print(f"machine: nproc={os.cpu_count()} polars={pl.__version__} pyarrow={pa.__version__} "
          f"duckdb={duckdb.__version__} numpy={np.__version__ if np is not None else 'not installed'} "
          f"load={os.getloadavg()[0]:.2f}; {args.rows} events in one file, {args.rounds} rounds, one thread each")
    print("the whole aggregation, CPU per event:")
    for name, value in ns.items():
        print(f"  {name:18s} {value:6.1f} ns")
    print(f"  {'duckdb, 3 queries':18s} {duck:6.1f} ns")
    print(f"the job's stages, on its first batch ({first.num_rows} events), CPU per event:")
    for name, value in part_ns.items():
        print(f"  {name:18s} {value:6.1f} ns")
    print(f"batch_parts: ours_ns={ns['ours']:.1f} duckdb_ns={duck:.1f} "
          f"read_ns={part_ns['read']:.1f} unify_ns={part_ns['unify']:.1f} id_ns={part_ns['id sums']:.1f} "
          f"pair_ns={part_ns['pair sums']:.1f} acero_id_ns={part_ns['acero id sums']:.1f} "
          f"acero_pair_ns={part_ns['acero pair sums']:.1f} cpu_vs_duckdb={duck / ns['ours']:.2f}")


if __name__ == "__main__":
    main()
