"""The seed's batch layer in PySpark, written as the original Scala job was (a peer to measure against).

Run by the Spark peer's own interpreter (bench/peers/spark/environment.py), never by the project:

    python batch_job.py --hour 2022-10-29T13 --lake DIR --jdbc-url URL --jars J1,J2

As in the original: the hour's events read from the Parquet lake (partition columns
year/month/day/hour), ``user_metadata`` read with JDBC, bytes summed per user id, antenna and app
over a one-hour window, the user totals joined with the metadata and kept where usage > quota,
each result appended with JDBC to ``bytes_hourly`` and ``user_quota_limit``.
It prints the seconds the work took once the session was up, beside the process's total.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.functions import col, lit, window
from pyspark.sql.functions import sum as sum_
from session import spark_session


def read_from_storage(spark: SparkSession, lake: str, hour: datetime) -> DataFrame:
    return (spark.read.format("parquet").load(lake)
            .filter((col("year") == hour.year) & (col("month") == hour.month)
                    & (col("day") == hour.day) & (col("hour") == hour.hour)))


def read_from_jdbc(spark: SparkSession, url: str, table: str) -> DataFrame:
    return (spark.read.format("jdbc").option("driver", "org.postgresql.Driver")
            .option("url", url).option("dbtable", table).load())


def total_bytes(data: DataFrame, column: str, metric: str) -> DataFrame:
    return (data.select(col("timestamp"), col(column).alias("id"), col("bytes"))
            .groupBy(col("id"), window(col("timestamp"), "1 hour"))
            .agg(sum_(col("bytes")).alias("value"))
            .select(col("window.start").alias("timestamp"), col("id"), col("value"), lit(metric).alias("type")))


def users_over_quota(data: DataFrame, metadata: DataFrame) -> DataFrame:
    return (total_bytes(data, "id", "user_total_bytes").alias("usage")
            .join(metadata.select("id", "email", "quota").alias("metadata"), col("usage.id") == col("metadata.id"))
            .filter(col("usage.value") > col("metadata.quota"))
            .select(col("metadata.email"), col("usage.value").alias("usage"), col("metadata.quota"),
                    col("usage.timestamp")))


def write_to_jdbc(data: DataFrame, url: str, table: str) -> None:
    (data.write.mode("append").format("jdbc").option("driver", "org.postgresql.Driver")
     .option("url", url).option("dbtable", table).save())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hour", required=True, help="UTC hour, e.g. 2022-10-29T13")
    p.add_argument("--lake", required=True, help="folder the streaming job's Parquet sink wrote")
    p.add_argument("--jdbc-url", required=True, help="jdbc:postgresql://host:port/db?user=...")
    p.add_argument("--jars", required=True, help="comma-separated: the JDBC driver (and the Kafka source)")
    p.add_argument("--driver-memory", default="1g")
    args = p.parse_args()
    hour = datetime.strptime(args.hour, "%Y-%m-%dT%H")
    spark = spark_session("antenna-batch-layer", args.jars, args.driver_memory)
    started = time.monotonic()
    data = read_from_storage(spark, args.lake, hour)
    metadata = read_from_jdbc(spark, args.jdbc_url, "user_metadata")
    for column, metric in (("id", "user_total_bytes"), ("antenna_id", "antenna_total_bytes"), ("app", "app_total_bytes")):
        write_to_jdbc(total_bytes(data, column, metric), args.jdbc_url, "bytes_hourly")
    write_to_jdbc(users_over_quota(data, metadata), args.jdbc_url, "user_quota_limit")
    print(f"done hour={args.hour} seconds={time.monotonic() - started:.2f}", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
