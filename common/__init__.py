"""Shared facts of the pipeline: schema names, settings helpers, errors, logging and CLI glue."""
