"""The seed's speed layer in PySpark, left running on a live topic (bench/freshness.py's peer).

The same four streaming queries as ``streaming_job.py`` (the raw events to Parquet, three 5-minute
sums appended to ``bytes`` with JDBC, watermark one minute, append mode), built by its functions;
only the ending differs: instead of stopping once the topic is drained, it runs until SIGTERM, as
the original's ``awaitTermination`` did, printing a progress line every two seconds.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from session import spark_session
from streaming_job import parser_json_data, read_from_kafka, start_queries


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for flag in ("--brokers", "--topic", "--lake", "--checkpoints", "--jdbc-url", "--jars"):
        p.add_argument(flag, required=True)
    p.add_argument("--max-offsets-per-trigger", type=int, default=0, help="0: unbounded micro-batches (the original)")
    p.add_argument("--driver-memory", default="1g")
    args = p.parse_args()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    spark = spark_session("antenna-speed-layer-live", args.jars, args.driver_memory)
    events = parser_json_data(read_from_kafka(spark, args.brokers, args.topic, args.max_offsets_per_trigger))
    queries = start_queries(events, args.lake, args.checkpoints, args.jdbc_url)
    print(f"started {len(queries)} queries", flush=True)
    while not stopping.wait(2.0):
        if failed := [q for q in queries if q.exception() is not None]:
            raise RuntimeError(f"streaming query failed: {failed[0].exception()}")
        batches = [q.lastProgress["batchId"] if q.lastProgress else -1 for q in queries]
        rows = sum(p["numInputRows"] for q in queries for p in q.recentProgress)
        print(f"progress batches={batches} rows={rows}", flush=True)
    for query in queries:
        query.stop()
    spark.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
