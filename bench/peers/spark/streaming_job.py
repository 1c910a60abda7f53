"""The seed's speed layer in PySpark, written as the original Scala job was (a peer to measure against).

Run by the Spark peer's own interpreter (bench/peers/spark/environment.py), never by the project:

    python streaming_job.py --brokers B --topic T --lake DIR --checkpoints DIR --jdbc-url URL --jars J1,J2

As in the original: one Kafka source read as compact JSON (``timestamp`` in epoch seconds), the raw
events appended to Parquet partitioned by year/month/day/hour, and three aggregations, each
``withWatermark("timestamp", "1 minute")`` and ``groupBy(key, window(timestamp, "5 minutes"))``
summing bytes, appended to PostgreSQL's ``bytes`` with JDBC in ``foreachBatch``. Four independent
streaming queries, as the original started four futures. Events later than the watermark are
dropped by Spark; windows are emitted once the watermark passes their end (append mode).

Only the ending differs: instead of ``awaitTermination`` forever, the job waits until every query
has processed all the data the topic holds (``processAllAvailable``), prints a progress line every
two seconds meanwhile, and stops.
"""

from __future__ import annotations

import argparse
import threading
import time

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.functions import col, dayofmonth, from_json, hour, lit, month, window, year
from pyspark.sql.functions import sum as sum_
from pyspark.sql.streaming import StreamingQuery
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType
from session import spark_session

EVENT = StructType([
    StructField("bytes", LongType()), StructField("timestamp", TimestampType()), StructField("app", StringType()),
    StructField("id", StringType()), StructField("antenna_id", StringType()),
])


def read_from_kafka(spark: SparkSession, brokers: str, topic: str, max_offsets: int) -> DataFrame:
    reader = (spark.readStream.format("kafka").option("kafka.bootstrap.servers", brokers)
              .option("subscribe", topic).option("startingOffsets", "earliest"))
    if max_offsets:
        reader = reader.option("maxOffsetsPerTrigger", max_offsets)
    return reader.load()


def parser_json_data(data: DataFrame) -> DataFrame:
    return data.select(from_json(col("value").cast("string"), EVENT).alias("json")).select("json.*")


def write_to_storage(data: DataFrame, lake: str, checkpoints: str) -> StreamingQuery:
    return (data.select("timestamp", "id", "antenna_id", "bytes", "app",
                        year("timestamp").alias("year"), month("timestamp").alias("month"),
                        dayofmonth("timestamp").alias("day"), hour("timestamp").alias("hour"))
            .writeStream.format("parquet").option("path", lake)
            .option("checkpointLocation", f"{checkpoints}/storage")
            .partitionBy("year", "month", "day", "hour").start())


def total_bytes(data: DataFrame, column: str, metric: str) -> DataFrame:
    return (data.select(col("timestamp"), col(column).alias("id"), col("bytes"))
            .withWatermark("timestamp", "1 minute")
            .groupBy(col("id"), window(col("timestamp"), "5 minutes"))
            .agg(sum_(col("bytes")).alias("value"))
            .select(col("window.start").alias("timestamp"), col("id"), col("value"), lit(metric).alias("type")))


def write_to_jdbc(data: DataFrame, url: str, table: str, checkpoint: str) -> StreamingQuery:
    def append(batch: DataFrame, _batch_id: int) -> None:
        (batch.write.mode("append").format("jdbc").option("driver", "org.postgresql.Driver")
         .option("url", url).option("dbtable", table).save())

    return data.writeStream.foreachBatch(append).option("checkpointLocation", checkpoint).start()


def start_queries(events: DataFrame, lake: str, checkpoints: str, jdbc_url: str) -> list[StreamingQuery]:
    """The seed's four streaming queries: the raw events to the lake, and the 5-minute sums per id,
    antenna and app appended to ``bytes``."""
    queries = [write_to_storage(events, lake, checkpoints)]
    for column, metric in (("id", "user_total_bytes"), ("antenna_id", "antenna_total_bytes"), ("app", "app_total_bytes")):
        queries.append(write_to_jdbc(total_bytes(events, column, metric), jdbc_url, "bytes", f"{checkpoints}/{metric}"))
    return queries


def wait_for_all(queries: list[StreamingQuery]) -> None:
    """Block until every query has processed (and committed) all the data the topic holds."""
    finished = threading.Event()

    def drain() -> None:
        for query in queries:
            query.processAllAvailable()
        finished.set()

    worker = threading.Thread(target=drain, daemon=True)
    worker.start()
    while not finished.wait(2.0):
        if failed := [q for q in queries if q.exception() is not None]:
            raise RuntimeError(f"streaming query failed: {failed[0].exception()}")
        batches = [q.lastProgress["batchId"] if q.lastProgress else -1 for q in queries]
        rows = sum(p["numInputRows"] for q in queries for p in q.recentProgress)
        print(f"progress batches={batches} rows={rows}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--lake", required=True, help="folder of the Parquet sink")
    p.add_argument("--checkpoints", required=True)
    p.add_argument("--jdbc-url", required=True, help="jdbc:postgresql://host:port/db?user=...")
    p.add_argument("--jars", required=True, help="comma-separated: the Kafka source and the JDBC driver")
    p.add_argument("--max-offsets-per-trigger", type=int, default=0, help="0: unbounded micro-batches")
    p.add_argument("--driver-memory", default="1g")
    args = p.parse_args()
    started = time.monotonic()
    spark = spark_session("antenna-speed-layer", args.jars, args.driver_memory)
    events = parser_json_data(read_from_kafka(spark, args.brokers, args.topic, args.max_offsets_per_trigger))
    queries = start_queries(events, args.lake, args.checkpoints, args.jdbc_url)
    wait_for_all(queries)
    rows = [sum(p["numInputRows"] for p in q.recentProgress) for q in queries]
    for query in queries:
        query.stop()
    print(f"done rows_per_query={rows} seconds={time.monotonic() - started:.2f}", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
