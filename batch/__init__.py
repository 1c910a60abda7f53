"""Batch layer: hourly Polars job over the Parquet lake -> bytes_hourly, user_quota_limit, batch_runs."""
