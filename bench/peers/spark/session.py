"""The SparkSession both peer jobs use: local[2] for this 2-core machine, UTC everywhere.

UTC for the session and the JVM: partition folders and PostgreSQL timestamps are then UTC, which
the seed's published output got wrong (its partitions followed the machine's UTC+2).
"""

from __future__ import annotations

from pyspark.sql import SparkSession


def spark_session(app: str, jars: str, memory: str) -> SparkSession:
    """Two local cores, two shuffle partitions (not 200), no UI, ``jars`` as the only extra classpath."""
    spark = (SparkSession.builder.master("local[2]").appName(app)
             .config("spark.jars", jars).config("spark.driver.memory", memory)
             .config("spark.sql.shuffle.partitions", "2").config("spark.ui.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
             .config("spark.sql.streaming.numRecentProgressUpdates", "100000")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark
