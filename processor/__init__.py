"""Speed layer: a Quix Streams app writing an exactly-once Parquet lake and 5-minute totals."""
