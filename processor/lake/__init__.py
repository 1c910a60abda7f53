"""The lake side of the speed layer: durable writes, Parquet hour files, the publish schedule."""
