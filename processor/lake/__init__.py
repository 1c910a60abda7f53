"""The lake side of the speed layer: staged batches, durable writes, publishing into the Parquet lake."""
