"""Where the batch job's time per event goes, stage by stage, against one DuckDB pass: one thread each.

    python bench/batch_parts.py --rows 2097152 --rounds 7

``bench/batch.py`` times whole runs; this script explains them. It writes one lake file as
``bench/batch.py`` does (8 row groups of 256k events by default: one batch of the job), then, in
one process and alternating the order every round, measures the CPU time per event of:

- **read**: the four columns the job reads, as dictionary codes (``batch.lake_reader`` does this);
- **unify**: one dictionary per key for the batch (``pyarrow``'s ``unify_dictionaries``);
- **polars sums**: the job's Polars passes on those codes (sums and counts per id, sums per
  antenna x app pair), exactly the calls ``batch.key_sums`` makes;
- **batch_sums**: all of ``batch.key_sums.batch_sums`` (unify, the passes, naming the keys);
- **duckdb pass**: one of the three queries of ``bench/batch.py``'s DuckDB baseline (``GROUP BY
  id`` with ``sum`` and ``count``, read from the same file), which includes DuckDB's own reading;
- **numpy bincount**, only if numpy is importable (it is not a dependency of the project): the
  same sums as the Polars passes with a direct-indexed ``bincount`` instead of a hash table.

Polars and DuckDB get one thread each, so the figures are per core; the medians are printed.
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
from pathlib import Path

os.environ.setdefault("POLARS_MAX_THREADS", "1")  # before Polars is imported: one thread, per-core figures

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import polars as pl  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from batch import key_sums  # noqa: E402
from batch.lake_check import COLUMNS  # noqa: E402
from bench.batch import write_lake  # noqa: E402

try:
    import numpy as np  # type: ignore[import-not-found, unused-ignore]
except ImportError:
    np = None


def polars_sums(table: pa.Table) -> Callable[[], object]:
    """The Polars passes of ``batch_sums`` on an already unified batch."""
    (ids, _), (antennas, _), (apps, _) = (key_sums._codes(table.column(k)) for k in key_sums.KEYS)
    sizes = key_sums._series(table.column("bytes"))
    n_apps = len(table.column("app").chunk(0).dictionary)
    rows = pl.DataFrame({"antenna": antennas, "app": apps, "bytes": sizes}).lazy()
    pair = (pl.col("antenna").cast(pl.Int64) * n_apps + pl.col("app")).alias("pair")
    return lambda: pl.collect_all([key_sums._id_sums(ids, sizes), rows.group_by(pair).agg(*key_sums._SUMS)],
                                  engine="streaming")


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


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=8 * 256 * 1024, help="events in the file (one batch of the job)")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--deadline", type=float, default=600.0, help="seconds the whole measurement may take")
    args = p.parse_args()
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(f"batch_parts: not done after {args.deadline:.0f}s (deadline)"))
    signal.alarm(int(args.deadline))
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as work:
        [path], _ = write_lake(Path(work) / "events", args.rows, 1, 256 * 1024, 10_000, 500, grouped=False)
        parquet = pq.ParquetFile(path, read_dictionary=list(key_sums.KEYS))
        groups = list(range(parquet.num_row_groups))
        table = parquet.read_row_groups(groups, columns=list(COLUMNS), use_threads=False)
        unified = key_sums._unified(table)
        con = duckdb.connect()
        con.execute("SET threads = 1")
        stages: dict[str, Callable[[], object]] = {
            "read": lambda: parquet.read_row_groups(groups, columns=list(COLUMNS), use_threads=False),
            "unify": lambda: key_sums._unified(table),
            "polars sums": polars_sums(unified),
            "batch_sums": lambda: key_sums.batch_sums(table),
            "duckdb pass": lambda: con.execute("SELECT id, sum(bytes), count(*) FROM read_parquet(?) GROUP BY id",
                                               [str(path)]).fetchall(),
        }
        if np is not None:
            stages["numpy bincount"] = numpy_sums(unified)
        spent: dict[str, list[float]] = {name: [] for name in stages}
        for round_ in range(args.rounds):
            for name in list(stages)[:: 1 if round_ % 2 == 0 else -1]:
                began = time.process_time()
                stages[name]()
                spent[name].append(time.process_time() - began)
    ns = {name: statistics.median(times) / args.rows * 1e9 for name, times in spent.items()}
    print(f"machine: nproc={os.cpu_count()} polars={pl.__version__} pyarrow={pa.__version__} "
          f"duckdb={duckdb.__version__} numpy={np.__version__ if np is not None else 'not installed'} "
          f"load={os.getloadavg()[0]:.2f}; {args.rows} events, {args.rounds} rounds, one thread each")
    for name, value in ns.items():
        print(f"  {name:15s} {value:6.1f} ns/event")
    ours = ns["read"] + ns["batch_sums"]
    print(f"  the job's read + batch_sums: {ours:.1f} ns/event; DuckDB's three passes: {3 * ns['duckdb pass']:.1f}")
    print(f"batch_parts: read_ns={ns['read']:.1f} unify_ns={ns['unify']:.1f} polars_sums_ns={ns['polars sums']:.1f} "
          f"batch_sums_ns={ns['batch_sums']:.1f} duckdb_pass_ns={ns['duckdb pass']:.1f} "
          f"ours_vs_duckdb_cpu={3 * ns['duckdb pass'] / ours:.2f}")


if __name__ == "__main__":
    main()
